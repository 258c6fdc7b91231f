import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import type { StepElbo } from '../../src/pruning/index.js';
import { evidenceChoice, geometricSchedule, pairedElboDifference, selectStructure } from '../../src/search/select.js';

/** An ELBO estimate from per-draw log-likelihoods and a KL. */
function estimate(logLikelihoods: number[], kl: number): StepElbo {
  const mean = logLikelihoods.reduce((a, b) => a + b, 0) / logLikelihoods.length;
  const sd = Math.sqrt(logLikelihoods.reduce((a, v) => a + (v - mean) ** 2, 0) / (logLikelihoods.length - 1));
  return { value: mean - kl, standardError: sd / Math.sqrt(logLikelihoods.length), kl, logLikelihoods: Float64Array.from(logLikelihoods), alpha: [1], noiseVariance: 1 };
}

describe('the ELBO rule', () => {
  it('the paired difference: its value is the ELBO difference, its error that of the per-draw differences', () => {
    const a = estimate([-10, -12, -11, -13], 2);
    const b = estimate([-9, -11.5, -10, -12.5], 1.5);
    const d = pairedElboDifference(a, b);
    expect(d.difference).toBeCloseTo(b.value - a.value, 14);
    // Per-draw differences 1, 0.5, 1, 0.5: sd 0.2887, s.e. 0.1443.
    expect(d.standardError).toBeCloseTo(Math.sqrt(1 / 12) / 2, 12);
  });

  it('moves to a sparser structure only when its ELBO is higher by more than the standard error of the difference', () => {
    const noise = [0.3, -0.2, 0.5, -0.6, 0.1, -0.1];
    const at = (shift: number, kl: number): StepElbo => estimate(noise.map((e) => -50 + shift + e), kl);
    // Step 1 is better by far less than its error (a paired difference with spread 0.4 per draw).
    const jitter = (kl: number): StepElbo => estimate(noise.map((e, s) => -50 + e + (s % 2 === 0 ? 0.4 : -0.4)), kl);
    const steps = [at(0, 10), jitter(9.9), at(0, 4), jitter(3.9), at(-20, 2)];
    const choice = evidenceChoice(steps);
    // Step 1 is 0.1 better than the full structure, within its error 0.18; step 2 is 6 nats better
    // (error 0: the same draws); step 3 is again 0.1 better than step 2, within error; step 4 is worse.
    expect(choice.step).toBe(2);
    expect(choice.differences[1]!.difference).toBeCloseTo(0.1, 12);
    expect(choice.differences[1]!.standardError).toBeGreaterThan(0.1);
    expect(choice.differences[3]!.difference).toBeCloseTo(0.1, 12);
    // The same 0.1 with no error at all is a real improvement, and the rule takes it.
    expect(evidenceChoice([at(0, 10), at(0, 4), at(0, 3.9)]).step).toBe(2);
  });

  it('property: no later structure beats the chosen one by more than its standard error, and every move was significant', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })), { minLength: 2, maxLength: 12 }), fc.integer({ min: 1, max: 1000 }), (levels, seed) => {
        let state = seed;
        const random = (): number => ((state = (state * 16807) % 2147483647) / 2147483647) - 0.5;
        const draws = 8;
        const shared = Array.from({ length: draws }, () => random());
        const steps = levels.map(([shift, spread]) => estimate(shared.map((e) => -30 + shift + e + spread * random()), 0));
        const { step } = evidenceChoice(steps);
        for (let k = step + 1; k < steps.length; k++) {
          const d = pairedElboDifference(steps[step]!, steps[k]!);
          expect(d.difference).toBeLessThanOrEqual(d.standardError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the geometric schedule removes a share of what is left each step, merging steps that leave the same count', () => {
    const schedule = geometricSchedule(0.15, 0.01, 275);
    expect(schedule[0]).toBeCloseTo(0.15, 12);
    expect(schedule[1]).toBeCloseTo(1 - 0.85 ** 2, 12);
    const counts = schedule.map((s) => Math.round((1 - s) * 275));
    expect(counts.at(-1)).toBe(Math.round(0.01 * 275)); // the last step leaves 1%: 3 parameters
    expect(new Set(counts).size).toBe(counts.length);
    for (let k = 1; k < schedule.length; k++) expect(schedule[k]!).toBeGreaterThan(schedule[k - 1]!);
    expect(() => geometricSchedule(0, 0.01, 10)).toThrow(/step/);
  });
});

describe('selectStructure', () => {
  it('returns the step the ELBO rule picks, refits it, and reports the validation-best and sparsest-within-tolerance steps', () => {
    const outcome = selectStructure(loadDataset('wine'), { step: 0.35, minKept: 0.05, posteriorEpochs: 60, train: { hidden: [4], seed: 2, variationalFit: { epochs: 200 } } });
    const { result, model } = outcome;
    const elbos = outcome.loop.steps.map((s) => s.elbo!);
    expect(result.evidenceStep).toBe(evidenceChoice(elbos).step);
    expect(result.chosenStep).toBe(result.evidenceStep);
    expect(result.kept).toBe(model.network.activeCount);
    expect(result.kept).toBe(outcome.loop.steps[result.chosenStep]!.active);
    expect(result.elbo).toHaveLength(result.steps.length);
    expect(result.removedShare[0]).toBe(0);
    const validation = result.steps.map((s) => s.validation);
    const best = Math.max(...validation);
    expect(validation[result.validationBestStep]).toBe(best);
    expect(result.sparsestWithinToleranceStep).toBeGreaterThanOrEqual(result.validationBestStep);
    expect(best - validation[result.sparsestWithinToleranceStep]!).toBeLessThanOrEqual(result.tolerance + 1e-12);
    expect(result.test['accuracy']).toBeGreaterThan(0.5);
    expect(model.training?.['selection']).toMatchObject({ method: 'variational', step: result.chosenStep });
  }, 120_000);
});
