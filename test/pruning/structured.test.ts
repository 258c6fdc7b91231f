import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, noGrad } from '../../src/autograd/index.js';
import { forward, MLP, type Activation } from '../../src/nn/mlp.js';
import { groupScores, neuronGroups, removeUnits, resultFromScores } from '../../src/pruning/index.js';
import { Random } from '../../src/random/random.js';

const outputs = (net: MLP, x: Tensor): Float64Array => noGrad(() => forward(net, new Tensor(net.params), x).data);

describe('neuron groups', () => {
  it('each hidden unit owns its incoming row, bias and outgoing column, and no parameter is in two groups', () => {
    const net = new MLP([3, 4, 2, 1], ['tanh', 'relu', 'identity']);
    const groups = neuronGroups(net);
    expect(groups.map((g) => g.name)).toEqual(['h1[0]', 'h1[1]', 'h1[2]', 'h1[3]', 'h2[0]', 'h2[1]']);
    expect(groups[0]!.parameters.length).toBe(3 + 1 + 2);
    expect(Array.from(groups[1]!.parameters).map((j) => net.parameterName(j))).toEqual([
      'W1[1,0]', 'W1[1,1]', 'W1[1,2]', 'b1[1]', 'W2[0,1]', 'W2[1,1]',
    ]);
    // Units of different layers share their connecting weights; units of one layer share nothing.
    const firstLayer = groups.filter((g) => g.layer === 0).flatMap((g) => Array.from(g.parameters));
    expect(new Set(firstLayer).size).toBe(firstLayer.length);
  });

  it('group scores sum their active members and keep the direction', () => {
    const net = new MLP([2, 2, 1], ['tanh', 'identity'], Float64Array.from({ length: 9 }, (_, j) => j + 1));
    net.prune([0]);
    const result = resultFromScores(net, { method: 'test', label: 'test', direction: 'low-is-less-relevant', details: {} }, (j) => j);
    const scored = groupScores(net, result);
    // h1[0]: W1[0,1]=1 (W1[0,0] pruned), b1[0]=4, W2[0,0]=6 → 11; h1[1]: 2 + 3 + 5 + 7 = 17.
    expect(scored.map((s) => [s.group.name, s.score])).toEqual([['h1[0]', 11], ['h1[1]', 17]]);
  });
});

describe('removeUnits shrinks the network without changing its function', () => {
  it('equals the masked network with the units pruned (random networks, every activation)', () => {
    const activations: Activation[] = ['tanh', 'relu', 'sigmoid', 'identity'];
    fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
      const rng = new Random(seed);
      const sizes = [1 + rng.int(4), 2 + rng.int(4), 2 + rng.int(4), 1 + rng.int(3)];
      const acts: Activation[] = [activations[rng.int(4)]!, activations[rng.int(4)]!, 'identity'];
      const net = MLP.initialized(sizes, acts, rng);
      for (let j = 0; j < net.parameterCount; j++) if (rng.uniform() < 0.2) net.prune([j]);
      const groups = neuronGroups(net);
      const chosen = groups.filter(() => rng.uniform() < 0.3);
      // Keep at least one unit per hidden layer.
      const removable = chosen.filter((g) => chosen.filter((c) => c.layer === g.layer).length < sizes[g.layer + 1]!);
      const masked = net.clone();
      for (const g of removable) masked.prune(g.parameters);
      const smaller = removeUnits(net, removable);
      expect(smaller.parameterCount).toBeLessThanOrEqual(net.parameterCount);
      expect(smaller.sizes[1]).toBe(sizes[1]! - removable.filter((g) => g.layer === 0).length);
      const x = new Tensor(rng.normals(5 * sizes[0]!), [5, sizes[0]!]);
      const a = outputs(masked, x);
      const b = outputs(smaller, x);
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 13);
      // Only parameters of removed units (all pruned in `masked`) disappear.
      expect(smaller.activeCount).toBe(masked.activeCount);
    }), { numRuns: 40 });
  });

  it('refuses to empty a layer', () => {
    const net = new MLP([2, 1, 1], ['tanh', 'identity']);
    expect(() => removeUnits(net, [{ layer: 0, unit: 0 }])).toThrow(/would have no units left/);
  });
});
