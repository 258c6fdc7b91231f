/**
 * Value tests of the scoring bookkeeping (src/pruning/relevance.ts, structured.ts) written for
 * mutation testing (docs/mutation.md): orders, ties, aggregations and refusals, each checked
 * against numbers worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { MLP } from '../../src/nn/mlp.js';
import { groupScores, neuronGroups, principalSubmatrix, removeUnits, resultFromScores } from '../../src/pruning/index.js';

const fields = (direction: 'low-is-less-relevant' | 'high-is-less-relevant') => ({ method: 'test', label: 'test', direction, details: {} });

describe('resultFromScores', () => {
  it('orders the active set least relevant first in either direction, ties towards the lower index; pruned entries are NaN', () => {
    const net = new MLP([2, 2], ['identity']);
    net.prune([4]);
    const scores = [3, 1, 3, 0.5, 99, 1];
    const low = resultFromScores(net, fields('low-is-less-relevant'), (j) => scores[j]!);
    expect(Array.from(low.order)).toEqual([3, 1, 5, 0, 2]);
    expect(low.leastRelevant).toBe(3);
    expect(low.parameters).toBe(6);
    expect(Number.isNaN(low.scores[4]!)).toBe(true);
    expect(Array.from(low.scores).filter((_, j) => j !== 4)).toEqual([3, 1, 3, 0.5, 1]);
    const high = resultFromScores(net, fields('high-is-less-relevant'), (j) => scores[j]!);
    expect(Array.from(high.order)).toEqual([0, 2, 1, 5, 3]);
    expect(high.leastRelevant).toBe(0);
    expect(high.direction).toBe('high-is-less-relevant');
  });

  it('refuses a NaN score and a network with nothing left to score', () => {
    const net = new MLP([1, 1], ['identity']);
    expect(() => resultFromScores(net, fields('low-is-less-relevant'), (j) => (j === 1 ? Number.NaN : 1))).toThrow('the score of parameter b1[0] is NaN');
    // Infinite scores are fine (a parameter that cannot be removed).
    expect(resultFromScores(net, fields('low-is-less-relevant'), (j) => (j === 0 ? Infinity : 1)).leastRelevant).toBe(1);
    net.prune([0, 1]);
    expect(() => resultFromScores(net, fields('low-is-less-relevant'), () => 1)).toThrow('every parameter is already pruned');
  });

  it('principalSubmatrix takes rows and columns in the given order', () => {
    const m = Float64Array.from({ length: 16 }, (_, t) => t);
    expect(Array.from(principalSubmatrix(m, 4, [3, 1]))).toEqual([15, 13, 7, 5]);
    expect(principalSubmatrix(m, 4, []).length).toBe(0);
  });
});

describe('group scores', () => {
  // [2, 3, 1]: h1[i] owns W1[i,0], W1[i,1], b1[i], W2[0,i]; scores are the parameter index.
  const net = new MLP([2, 3, 1], ['tanh', 'identity']);
  const groups = neuronGroups(net);

  it('members: the incoming row, the bias, the outgoing column', () => {
    expect(groups.map((g) => Array.from(g.parameters))).toEqual([[0, 1, 6, 9], [2, 3, 7, 10], [4, 5, 8, 11]]);
    expect(groups.map((g) => [g.layer, g.unit])).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(neuronGroups(new MLP([2, 1], ['identity']))).toEqual([]);
  });

  it('sum, max and mean of the active members; a unit with none left is left out', () => {
    const pruned = net.clone();
    pruned.prune([1, 9, 4, 5, 8, 11]);
    const result = resultFromScores(pruned, fields('low-is-less-relevant'), (j) => j);
    const by = (aggregation: 'sum' | 'max' | 'mean') => groupScores(pruned, result, aggregation).map((s) => [s.group.name, s.score, s.active]);
    // h1[0]: 0 and 6 active; h1[1]: 2, 3, 7, 10; h1[2]: nothing.
    expect(by('sum')).toEqual([['h1[0]', 6, 2], ['h1[1]', 22, 4]]);
    expect(by('max')).toEqual([['h1[0]', 6, 2], ['h1[1]', 10, 4]]);
    expect(by('mean')).toEqual([['h1[0]', 3, 2], ['h1[1]', 5.5, 4]]);
    expect(groupScores(pruned, result)).toEqual(groupScores(pruned, result, 'sum'));
  });

  it('least relevant first in either direction; equal scores by layer, then unit', () => {
    const deep = new MLP([1, 2, 2, 1], ['tanh', 'tanh', 'identity']);
    const names = (direction: 'low-is-less-relevant' | 'high-is-less-relevant', score: (j: number) => number) =>
      groupScores(deep, resultFromScores(deep, fields(direction), score)).map((s) => s.group.name);
    // Every parameter scores 1: group sums are member counts (h1: 1 + 1 + 2 = 4, h2: 2 + 1 + 1 = 4), all equal.
    expect(names('low-is-less-relevant', () => 1)).toEqual(['h1[0]', 'h1[1]', 'h2[0]', 'h2[1]']);
    expect(names('high-is-less-relevant', () => 1)).toEqual(['h1[0]', 'h1[1]', 'h2[0]', 'h2[1]']);
    // Scores by index: h1[0] = 0+2+6 (W1[0,0], b1[0], W2[0,0], W2[1,0]) ...; reversed by direction.
    const low = names('low-is-less-relevant', (j) => j);
    expect(names('high-is-less-relevant', (j) => j)).toEqual([...low].reverse());
    const sums = neuronGroups(deep).map((g) => [g.name, Array.from(g.parameters).reduce((a, b) => a + b, 0)] as const);
    expect(low).toEqual([...sums].sort((a, b) => a[1] - b[1]).map(([n]) => n));
  });
});

describe('removeUnits', () => {
  const net = new MLP([2, 3, 2, 1], ['tanh', 'relu', 'identity'], Float64Array.from({ length: 3 * 3 + 2 * 4 + 3 }, (_, j) => j + 1));

  it('drops the unit’s row and bias and the next layer’s column, keeping values and masks', () => {
    net.mask[7] = 0; // b1[1]
    net.applyMask();
    const smaller = removeUnits(net, [{ layer: 0, unit: 0 }]);
    expect(smaller.sizes).toEqual([2, 2, 2, 1]);
    // Layer 1 keeps rows 1, 2 (W1 values 3..6) and biases b1[1] (pruned), b1[2] = 9.
    expect(Array.from(smaller.params.subarray(0, 6))).toEqual([3, 4, 5, 6, 0, 9]);
    expect(Array.from(smaller.mask.subarray(0, 6))).toEqual([1, 1, 1, 1, 0, 1]);
    // Layer 2 (W2 rows of 3: 10..15, biases 16, 17) loses column 0.
    expect(Array.from(smaller.params.subarray(6, 12))).toEqual([11, 12, 14, 15, 16, 17]);
    expect(Array.from(smaller.params.subarray(12))).toEqual([18, 19, 20]);
    net.mask[7] = 1;
  });

  it('refuses a layer that is not hidden, a unit that does not exist, and an emptied layer', () => {
    expect(() => removeUnits(net, [{ layer: -1, unit: 0 }])).toThrow('layer -1 is not a hidden layer');
    expect(() => removeUnits(net, [{ layer: 2, unit: 0 }])).toThrow('layer 2 is not a hidden layer');
    expect(() => removeUnits(net, [{ layer: 1, unit: 2 }])).toThrow('layer 1 has no unit 2');
    expect(() => removeUnits(net, [{ layer: 1, unit: -1 }])).toThrow('layer 1 has no unit -1');
    expect(() => removeUnits(net, [{ layer: 1, unit: 0 }, { layer: 1, unit: 1 }])).toThrow('hidden layer 2 would have no units left');
    // The last unit of a layer may go when another remains.
    expect(removeUnits(net, [{ layer: 1, unit: 1 }]).sizes).toEqual([2, 3, 1, 1]);
  });
});
