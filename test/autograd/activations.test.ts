import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_FUNCTIONS, ACTIVATIONS, Tensor } from '../../src/autograd/index.js';

describe('the activation table', () => {
  it.each(ACTIVATIONS)('%s: slope and curvature are the central differences of the value (to second order)', (name) => {
    const f = ACTIVATION_FUNCTIONS[name];
    fc.assert(
      fc.property(fc.double({ min: -6, max: 6, noNaN: true }), (z) => {
        fc.pre(Math.abs(z) > 1e-3); // relu's kink
        const h = 1e-4;
        const a = f.value(z);
        const slope = (f.value(z + h) - f.value(z - h)) / (2 * h);
        const curvature = (f.value(z + h) - 2 * a + f.value(z - h)) / (h * h);
        expect(f.slope(a, z)).toBeCloseTo(slope, 7);
        expect(f.curvature(a, z)).toBeCloseTo(curvature, 5);
      }),
      { numRuns: 200 },
    );
  });

  it.each(ACTIVATIONS)('%s: the autograd op computes the same values as the scalar function', (name) => {
    const f = ACTIVATION_FUNCTIONS[name];
    const z = new Tensor(Float64Array.from([-30, -2.5, -1e-9, 0, 1e-9, 0.7, 3, 40]), [8]);
    const out = f.op(z);
    z.data.forEach((v, i) => expect(out.data[i]).toBe(f.value(v)));
  });

  it('marks exactly the activations with σ″ = 0 as piecewise linear', () => {
    expect(ACTIVATIONS.filter((a) => ACTIVATION_FUNCTIONS[a].piecewiseLinear)).toEqual(['relu', 'identity']);
  });
});
