/**
 * Value tests of the MLP's layout and forward pass (src/nn/mlp.ts) written for mutation testing
 * (docs/mutation.md): offsets and names worked out by hand, the initialization replayed from the
 * same random stream, the forward pass against hand-computed layers, and every refusal.
 */
import { describe, expect, it } from 'vitest';
import { noGrad, Tensor } from '../../src/autograd/index.js';
import { activate, forward, layoutOf, linear, MLP, parameterCount } from '../../src/nn/mlp.js';
import { Random } from '../../src/random/random.js';

describe('layout', () => {
  it('weights row-major [out][in], then the bias, layer by layer', () => {
    const layers = layoutOf([3, 4, 2], ['tanh', 'identity']);
    expect(layers).toEqual([
      { inputs: 3, outputs: 4, activation: 'tanh', weightOffset: 0, biasOffset: 12 },
      { inputs: 4, outputs: 2, activation: 'identity', weightOffset: 16, biasOffset: 24 },
    ]);
    expect(parameterCount([3, 4, 2])).toBe(26);
    expect(parameterCount([5, 1])).toBe(6);
    expect(new MLP([3, 4, 2], ['tanh', 'identity']).parameterCount).toBe(26);
  });

  it('refuses too few sizes, a wrong number of activations, sizes that are not positive integers, unknown activations, a non-linear last layer', () => {
    expect(() => layoutOf([3], [])).toThrow('needs at least an input and an output size');
    expect(() => layoutOf([3, 2], ['identity', 'identity'])).toThrow('1 layers need 1 activations, got 2');
    expect(() => layoutOf([3, 2, 1], ['identity'])).toThrow('2 layers need 2 activations, got 1');
    expect(() => layoutOf([3, 0], ['identity'])).toThrow('layer size 0 is not a positive integer');
    expect(() => layoutOf([1.5, 2], ['identity'])).toThrow('layer size 1.5 is not a positive integer');
    expect(layoutOf([1, 1], ['identity'])[0]!.biasOffset).toBe(1);
    expect(() => layoutOf([2, 2], ['swish' as 'tanh'])).toThrow('unknown activation "swish"');
    expect(() => new MLP([2, 2], ['tanh'])).toThrow('the last layer must be linear ("identity"), got "tanh"');
    expect(() => new MLP([2, 2, 2], ['identity', 'relu'])).toThrow('got "relu"');
    expect(() => new MLP([2, 2], ['identity'], new Float64Array(5))).toThrow('expected 6 parameters, got 5');
    expect(() => new MLP([2, 2], ['identity'], undefined, new Float64Array(7))).toThrow('expected a mask of 6 entries, got 7');
  });

  it('locates every parameter: layer, role, row, column and name; refuses indices outside', () => {
    const net = new MLP([3, 2, 1], ['relu', 'identity']);
    expect(net.locate(0)).toEqual({ layer: 0, kind: 'weight', row: 0, column: 0 });
    expect(net.locate(5)).toEqual({ layer: 0, kind: 'weight', row: 1, column: 2 });
    expect(net.locate(6)).toEqual({ layer: 0, kind: 'bias', row: 0, column: 0 });
    expect(net.locate(7)).toEqual({ layer: 0, kind: 'bias', row: 1, column: 0 });
    expect(net.locate(9)).toEqual({ layer: 1, kind: 'weight', row: 0, column: 1 });
    expect(net.locate(10)).toEqual({ layer: 1, kind: 'bias', row: 0, column: 0 });
    expect(Array.from({ length: 11 }, (_, j) => net.parameterName(j))).toEqual([
      'W1[0,0]', 'W1[0,1]', 'W1[0,2]', 'W1[1,0]', 'W1[1,1]', 'W1[1,2]', 'b1[0]', 'b1[1]', 'W2[0,0]', 'W2[0,1]', 'b2[0]',
    ]);
    for (const j of [-1, 11, 2.5]) expect(() => net.locate(j)).toThrow(`parameter index ${j} is outside [0, 11)`);
    expect(() => net.prune([11])).toThrow('outside');
  });
});

describe('parameters and mask', () => {
  it('views write through; the mask zeroes pruned entries at construction and on prune; counts and indices follow it', () => {
    const params = Float64Array.from({ length: 11 }, (_, j) => j + 1);
    const mask = new Float64Array(11).fill(1);
    mask[2] = 0;
    const net = new MLP([3, 2, 1], ['relu', 'identity'], params, mask);
    expect(net.params[2]).toBe(0);
    expect(Array.from(net.weight(0))).toEqual([1, 2, 0, 4, 5, 6]);
    expect(Array.from(net.bias(0))).toEqual([7, 8]);
    expect(Array.from(net.weight(1))).toEqual([9, 10]);
    expect(Array.from(net.bias(1))).toEqual([11]);
    net.weight(1)[0] = -9;
    net.bias(0)[1] = -8;
    expect(net.params[8]).toBe(-9);
    expect(net.params[7]).toBe(-8);
    expect(() => net.weight(2)).toThrow('no layer 2 (the network has 2)');
    expect(() => net.bias(-1)).toThrow('no layer -1');
    net.prune([0, 10]);
    expect(net.params[0]).toBe(0);
    expect(net.params[10]).toBe(0);
    expect(net.activeCount).toBe(8);
    expect(Array.from(net.activeIndices())).toEqual([1, 3, 4, 5, 6, 7, 8, 9]);
    net.params[3] = 0; // a zero weight that is still active
    expect(net.activeCount).toBe(8);
    net.params[2] = 5;
    net.applyMask();
    expect(net.params[2]).toBe(0);
    expect(net.params[1]).toBe(2);
    expect(new MLP([1, 1], ['identity']).activeCount).toBe(2);
  });

  it('clone and withParams copy (and withParams masks)', () => {
    const net = new MLP([1, 2], ['identity'], Float64Array.of(1, 2, 3, 4));
    net.prune([1]);
    const copy = net.clone();
    copy.params[0] = 9;
    copy.mask[2] = 0;
    expect(net.params[0]).toBe(1);
    expect(net.mask[2]).toBe(1);
    expect(Array.from(copy.mask)).toEqual([1, 0, 0, 1]);
    const other = Float64Array.of(5, 6, 7, 8);
    const moved = net.withParams(other);
    expect(Array.from(moved.params)).toEqual([5, 0, 7, 8]);
    expect(Array.from(other)).toEqual([5, 6, 7, 8]);
    moved.mask[0] = 0;
    expect(net.mask[0]).toBe(1);
    expect(moved.sizes).toEqual([1, 2]);
    expect(moved.activations).toEqual(['identity']);
  });

  it('initialization: Glorot-uniform limit √(6/(in + out)) for tanh/sigmoid/identity, He-normal √(2/in) for relu, zero biases', () => {
    const net = MLP.initialized([3, 4, 2, 1], ['relu', 'sigmoid', 'identity'], new Random(9));
    const replay = new Random(9);
    const he = Array.from({ length: 12 }, () => Math.sqrt(2 / 3) * replay.normal());
    const glorot1 = Array.from({ length: 8 }, () => Math.sqrt(6 / 6) * (2 * replay.uniform() - 1));
    const glorot2 = Array.from({ length: 2 }, () => Math.sqrt(6 / 3) * (2 * replay.uniform() - 1));
    expect(Array.from(net.weight(0))).toEqual(he);
    expect(Array.from(net.weight(1))).toEqual(glorot1);
    expect(Array.from(net.weight(2))).toEqual(glorot2);
    for (let l = 0; l < 3; l++) expect(Array.from(net.bias(l)).every((b) => b === 0)).toBe(true);
    expect(net.activeCount).toBe(net.parameterCount);
  });
});

describe('forward', () => {
  it('σ(W x + b) layer by layer, the last linear; pruned weights contribute nothing whatever w holds', () => {
    // Layer 1: 2 → 2, tanh; layer 2: 2 → 1.
    const net = new MLP([2, 2, 1], ['tanh', 'identity']);
    net.prune([1]);
    const w = Float64Array.of(0.5, 7, -0.3, 0.8, 0.1, -0.2, 1.5, -2, 0.25);
    const x = Float64Array.of(1, 2, -1, 0.5);
    const out = noGrad(() => forward(net, new Tensor(w), new Tensor(x, [2, 2])));
    expect(out.shape).toEqual([2, 1]);
    for (let r = 0; r < 2; r++) {
      const [x0, x1] = [x[2 * r]!, x[2 * r + 1]!];
      const h0 = Math.tanh(0.5 * x0 + 0 * x1 + 0.1);
      const h1 = Math.tanh(-0.3 * x0 + 0.8 * x1 - 0.2);
      expect(out.data[r]).toBeCloseTo(1.5 * h0 - 2 * h1 + 0.25, 14);
    }
    expect(() => forward(net, new Tensor(new Float64Array(8)), new Tensor(x, [2, 2]))).toThrow('expected 9 parameters, got 8');
    expect(() => forward(net, new Tensor(w), new Tensor(x, [4]))).toThrow('input must be [rows, 2], got [4]');
    expect(() => forward(net, new Tensor(w), new Tensor(x, [1, 4]))).toThrow('input must be [rows, 2], got [1, 4]');
    expect(() => forward(net, new Tensor(w), new Tensor(Float64Array.of(1, 2, 3, 4), [1, 2, 2]))).toThrow('input must be [rows, 2], got [1, 2, 2]');
  });

  it('linear is x·Wᵀ + b; each activation is its function', () => {
    const x = new Tensor(Float64Array.of(1, 2, 3, 4), [2, 2]);
    const weight = new Tensor(Float64Array.of(1, 0, -1, 2, 0.5, 0.5), [3, 2]);
    const bias = new Tensor(Float64Array.of(0.1, 0.2, 0.3), [3]);
    // Rows (1, 2) and (3, 4) against W rows (1, 0), (−1, 2), (½, ½), plus b.
    const expected = [1 + 0.1, -1 + 4 + 0.2, 1.5 + 0.3, 3 + 0.1, -3 + 8 + 0.2, 3.5 + 0.3];
    noGrad(() => linear(x, weight, bias)).data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 15));
    const z = new Tensor(Float64Array.of(-2, 0, 0.5), [3]);
    const values = (a: 'tanh' | 'relu' | 'sigmoid' | 'identity') => Array.from(noGrad(() => activate(z, a)).data);
    expect(values('tanh')).toEqual([Math.tanh(-2), 0, Math.tanh(0.5)]);
    expect(values('relu')).toEqual([0, 0, 0.5]);
    values('sigmoid').forEach((v, i) => expect(v).toBeCloseTo(1 / (1 + Math.exp(-z.data[i]!)), 15));
    expect(values('identity')).toEqual([-2, 0, 0.5]);
  });
});
