import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportedEquivalent, fromCsr, quantizeInt8, sparseNetwork, sparsePredict, toCsr } from '../../src/export/index.js';
import { predictRaw } from '../../src/nn/model.js';
import { HIDDEN_ACTIVATIONS, randomModel, randomRows, relativeError } from './models.js';

describe('CSR', () => {
  it('keeps the nonzeros row by row, columns ascending, and converts back exactly', () => {
    const dense = Float64Array.of(0, 2, 0, 3, 0, 0, 0, 0, 4, 5, 0, 6);
    const csr = toCsr(dense, 3, 4);
    expect(Array.from(csr.rowStart)).toEqual([0, 2, 2, 5]);
    expect(Array.from(csr.columnIndex)).toEqual([1, 3, 0, 1, 3]);
    expect(Array.from(csr.values)).toEqual([2, 3, 4, 5, 6]);
    expect(Array.from(fromCsr(csr))).toEqual(Array.from(dense));
  });

  it('sparse forward on random masked models: the same predictions as prunus to 1e-12', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom('classification' as const, 'regression' as const),
        fc.constantFrom(...HIDDEN_ACTIVATIONS),
        fc.double({ min: 0, max: 0.97, noNaN: true }),
        (seed, task, activation, pruneRate) => {
          const model = randomModel({ seed, task, inputs: 5, hidden: [7, 4], activations: [activation, 'tanh'], pruneRate });
          const rows = randomRows(model, 6, seed);
          const net = sparseNetwork(model.network);
          const nonzeros = net.layers.reduce((total, l) => total + l.weight.values.length, 0);
          const activeWeights = model.network.layers.reduce((total, _, l) => total + model.network.weight(l).filter((w) => w !== 0).length, 0);
          expect(nonzeros).toBe(activeWeights);
          expect(relativeError(sparsePredict(model, rows, net), predictRaw(model, rows))).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('int8 quantization', () => {
  it('symmetric per-layer scale max|w|/127, error at most half a step, zeros stay zero', () => {
    const weights = Float64Array.of(0.5, -1.27, 0, 0.004, 1.0);
    const q = quantizeInt8(weights);
    expect(q.scale).toBe(Math.fround(1.27 / 127));
    expect(Array.from(q.values)).toEqual([50, -127, 0, 0, 100]);
    expect(q.maxError).toBeLessThanOrEqual(q.scale / 2);
    expect(quantizeInt8(new Float64Array(3))).toMatchObject({ scale: 1, maxError: 0 });
  });

  it('exportedEquivalent: int8 weights dequantized, biases and scalings in float32, masks kept', () => {
    const model = randomModel({ seed: 4, task: 'regression', inputs: 3, hidden: [4], activations: ['tanh'], pruneRate: 0.3 });
    const int8 = exportedEquivalent(model, { quantize: 'int8' });
    const q = quantizeInt8(model.network.weight(0));
    expect(Array.from(int8.network.weight(0))).toEqual(Array.from(q.values, (v) => v * q.scale));
    expect(Array.from(int8.network.bias(0))).toEqual(Array.from(model.network.bias(0), Math.fround));
    expect(Array.from(int8.network.mask)).toEqual(Array.from(model.network.mask));
    expect(exportedEquivalent(model, { precision: 'float64' })).toBe(model);
  });
});
