/**
 * The variational criterion (docs/methods.md §2.3): ξ = argmax q_j(0)/q_j(μ_j). For a Gaussian q_j
 * the ratio is exp(−μ_j²/(2σ_j²)), so the least relevant parameter has the smallest
 * signal-to-noise ratio |μ_j|/σ_j. Scores are that ratio; `details` has the log density ratio
 * −μ²/(2σ²) exactly (the ratio itself underflows to 0 beyond |μ|/σ ≈ 38.6) and the ratio.
 */
import { resultFromScores, type MethodResult, type RelevanceMethod } from './relevance.js';

/** What the variational method read and computed (n values each, canonical order; NaN where pruned for the ratios). */
export interface VariationalDetails {
  readonly mean: Float64Array;
  readonly sigma: Float64Array;
  /** −μ²/(2σ²), exact. */
  readonly logDensityRatio: Float64Array;
  /** q(0)/q(μ) = exp(−μ²/(2σ²)); underflows to 0 beyond |μ|/σ ≈ 38.6. */
  readonly densityRatio: Float64Array;
}

/** The variational method's result. */
export type VariationalScoresResult = MethodResult<'variational', VariationalDetails>;

export const variationalMethod: RelevanceMethod<'variational', Record<string, never>, VariationalDetails> = {
  name: 'variational',
  summary: 'variational: smallest signal-to-noise |μ|/σ of the mean-field posterior',
  score(context) {
    const posterior = context.posterior;
    if (posterior === undefined) {
      throw new Error('variational: needs a variational posterior (train with --variational, or let the command fit one)');
    }
    const { mean, sigma } = posterior;
    const n = context.network.parameterCount;
    if (mean.length !== n || sigma.length !== n) throw new Error(`variational: the posterior has ${mean.length} means for ${n} parameters`);
    const logDensityRatio = new Float64Array(n).fill(Number.NaN);
    const densityRatio = new Float64Array(n).fill(Number.NaN);
    const result = resultFromScores(
      context.network,
      { method: 'variational' as const, label: 'variational (signal-to-noise |μ|/σ)', direction: 'low-is-less-relevant', details: null },
      (j) => {
        if (!(sigma[j]! > 0)) throw new Error(`variational: σ of parameter ${context.network.parameterName(j)} is ${sigma[j]}, not positive`);
        logDensityRatio[j] = -(mean[j]! ** 2) / (2 * sigma[j]! ** 2);
        densityRatio[j] = Math.exp(logDensityRatio[j]!);
        return Math.abs(mean[j]!) / sigma[j]!;
      },
    );
    return { ...result, details: { mean, sigma, logDensityRatio, densityRatio } };
  },
};
