import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Adam, constantSchedule, cosineSchedule, makeOptimizer, Sgd, stepSchedule } from '../../src/nn/optimizers.js';

/** Adam written out from Kingma & Ba (2015), Algorithm 1, for one parameter: the reference. */
function adamReference(gradients: number[], rate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): number[] {
  let m = 0;
  let v = 0;
  let theta = 0;
  const path: number[] = [];
  gradients.forEach((g, k) => {
    const t = k + 1;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const mHat = m / (1 - beta1 ** t);
    const vHat = v / (1 - beta2 ** t);
    theta -= (rate * mHat) / (Math.sqrt(vHat) + epsilon);
    path.push(theta);
  });
  return path;
}

describe('Adam', () => {
  it('the first step moves every free parameter by the learning rate against the sign of its gradient', () => {
    // With bias correction, m̂ = g and v̂ = g² at t = 1: the step is rate·g/(|g| + ε).
    const params = Float64Array.of(1, -2, 3, 0.5);
    const gradient = Float64Array.of(0.3, -4, 1e-3, 7);
    new Adam().step(params, gradient, Float64Array.of(1, 1, 1, 1), 0.1);
    const expected = [1 - (0.1 * 0.3) / (0.3 + 1e-8), -2 + (0.1 * 4) / (4 + 1e-8), 3 - (0.1 * 1e-3) / (1e-3 + 1e-8), 0.5 - (0.1 * 7) / (7 + 1e-8)];
    expected.forEach((e, j) => expect(params[j]).toBeCloseTo(e, 15));
  });

  it('follows the algorithm of the paper step by step (property: random gradient sequences, rates and betas)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        fc.double({ min: 0.5, max: 0.99, noNaN: true }),
        fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
        (gradients, rate, beta1, beta2) => {
          const optimizer = new Adam(beta1, beta2, 1e-6);
          const params = new Float64Array(1);
          const expected = adamReference(gradients, rate, beta1, beta2, 1e-6);
          gradients.forEach((g, k) => {
            optimizer.step(params, Float64Array.of(g), Float64Array.of(1), rate);
            expect(Math.abs(params[0]! - expected[k]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[k]!)));
          });
        },
      ),
      { numRuns: 200, seed: 20261204 },
    );
  });

  it('the default betas and ε are 0.9, 0.999 and 1e-8', () => {
    const gradients = [0.5, -1.5, 2, 0.25, -0.75];
    const expected = adamReference(gradients, 0.05);
    const optimizer = new Adam();
    const params = new Float64Array(1);
    gradients.forEach((g, k) => {
      optimizer.step(params, Float64Array.of(g), Float64Array.of(1), 0.05);
      expect(params[0]).toBeCloseTo(expected[k]!, 14);
    });
    // ε shows where the gradient is tiny: g = 1e-8 moves by rate·½, not by the rate.
    const tiny = Float64Array.of(0);
    new Adam().step(tiny, Float64Array.of(1e-8), Float64Array.of(1), 1);
    expect(tiny[0]).toBeCloseTo(-0.5, 12);
  });

  it('a pruned entry is set to exactly 0 and its moments stay 0, so it restarts cleanly when freed', () => {
    const optimizer = new Adam();
    const params = Float64Array.of(1, 1);
    optimizer.step(params, Float64Array.of(2, 2), Float64Array.of(1, 0), 0.1);
    expect(params[1]).toBe(0);
    // Freed at step 2: its moments are 0, so it moves like the bias-corrected step-2 update of
    // one gradient g: m = 0.1 g, v = 0.001 g², m̂ = 0.1 g/0.19, v̂ = 0.001 g²/(1 − 0.999²).
    params[1] = 1;
    optimizer.step(params, Float64Array.of(2, 2), Float64Array.of(1, 1), 0.1);
    const mHat = (0.1 * 2) / (1 - 0.9 ** 2);
    const vHat = (0.001 * 4) / (1 - 0.999 ** 2);
    expect(params[1]).toBeCloseTo(1 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8), 14);
    expect(optimizer.name).toBe('adam');
  });
});

describe('SGD with momentum', () => {
  it('v ← μv + g, w ← w − rate·v (heavy ball), step by step', () => {
    const optimizer = new Sgd(0.5);
    const params = Float64Array.of(1, 10);
    const mask = Float64Array.of(1, 0);
    optimizer.step(params, Float64Array.of(2, 3), mask, 0.1);
    expect(params[0]).toBeCloseTo(1 - 0.1 * 2, 15);
    expect(params[1]).toBe(0);
    optimizer.step(params, Float64Array.of(-1, 3), mask, 0.2);
    // v = 0.5·2 − 1 = 0
    expect(params[0]).toBeCloseTo(0.8, 15);
    optimizer.step(params, Float64Array.of(4, 3), mask, 0.1);
    // v = 0.5·0 + 4 = 4
    expect(params[0]).toBeCloseTo(0.4, 15);
    expect(params[1]).toBe(0);
  });

  it('the default momentum is 0.9, and 0 is plain gradient descent', () => {
    const heavy = new Sgd();
    const plain = new Sgd(0);
    const a = Float64Array.of(0);
    const b = Float64Array.of(0);
    for (const g of [1, 1]) {
      heavy.step(a, Float64Array.of(g), Float64Array.of(1), 1);
      plain.step(b, Float64Array.of(g), Float64Array.of(1), 1);
    }
    expect(a[0]).toBeCloseTo(-(1 + 1.9), 15);
    expect(b[0]).toBe(-2);
    expect(heavy.name).toBe('sgd');
  });

  it('a pruned entry forgets its velocity', () => {
    const optimizer = new Sgd(0.9);
    const params = Float64Array.of(0);
    optimizer.step(params, Float64Array.of(1), Float64Array.of(1), 1);
    optimizer.step(params, Float64Array.of(1), Float64Array.of(0), 1);
    params[0] = 0;
    optimizer.step(params, Float64Array.of(1), Float64Array.of(1), 1);
    expect(params[0]).toBe(-1);
  });
});

describe('learning-rate schedules', () => {
  it('cosine: from the rate to rate·floor, half-way at the middle, flat after the last epoch', () => {
    const schedule = cosineSchedule(0.2, 10, 0.05);
    expect(schedule(0)).toBeCloseTo(0.2, 15);
    expect(schedule(5)).toBeCloseTo(0.2 * (0.05 + 0.95 * 0.5), 15);
    expect(schedule(10)).toBeCloseTo(0.2 * 0.05, 15);
    expect(schedule(25)).toBeCloseTo(0.2 * 0.05, 15);
    expect(schedule(2.5)).toBeCloseTo(0.2 * (0.05 + 0.95 * 0.5 * (1 + Math.SQRT1_2)), 15);
    // Default floor 1%; one epoch does not divide by zero.
    expect(cosineSchedule(1, 4)(4)).toBeCloseTo(0.01, 15);
    expect(cosineSchedule(1, 0)(0)).toBe(1);
    expect(cosineSchedule(1, 0)(1)).toBeCloseTo(0.01, 15);
  });

  it('step: multiplies by the factor every `every` epochs (default ½)', () => {
    const schedule = stepSchedule(0.8, 3, 0.1);
    expect([0, 2, 3, 5, 6].map(schedule).map((r) => Number(r.toPrecision(12)))).toEqual([0.8, 0.8, 0.08, 0.08, 0.008]);
    expect(stepSchedule(1, 2)(4)).toBe(0.25);
    expect(stepSchedule(1, 0)(2)).toBe(0.25);
  });

  it('constant, and optimizers by name', () => {
    expect(constantSchedule(0.3)(0)).toBe(0.3);
    expect(constantSchedule(0.3)(1000)).toBe(0.3);
    expect(makeOptimizer('adam')).toBeInstanceOf(Adam);
    expect(makeOptimizer('sgd')).toBeInstanceOf(Sgd);
  });
});
