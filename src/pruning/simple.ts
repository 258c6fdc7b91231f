/**
 * The two baselines: random removal (docs/methods.md §2.1) and weight magnitude.
 */
import { resultFromScores, type MethodResult, type RelevanceMethod } from './relevance.js';

/** Random removal computes nothing beyond its scores. */
export type RandomResult = MethodResult<'random', Readonly<Record<string, never>>>;

/** Magnitude computes nothing beyond its scores. */
export type MagnitudeResult = MethodResult<'magnitude', Readonly<Record<string, never>>>;

/** ξ ~ U(A): every active parameter gets a uniform random score (seeded). */
export const randomMethod: RelevanceMethod<'random', Record<string, never>, Readonly<Record<string, never>>> = {
  name: 'random',
  summary: 'random removal: ξ drawn uniformly from the active set (seeded)',
  score(context) {
    return resultFromScores(
      context.network,
      { method: 'random', label: 'random (uniform scores)', direction: 'low-is-less-relevant', details: {} },
      () => context.rng.uniform(),
    );
  },
};

/** |w_j|: the smallest weights go first (a baseline beyond the seed study). */
export const magnitudeMethod: RelevanceMethod<'magnitude', Record<string, never>, Readonly<Record<string, never>>> = {
  name: 'magnitude',
  summary: 'magnitude |w_j| (baseline beyond the seed study)',
  score(context) {
    const w = context.network.params;
    return resultFromScores(
      context.network,
      { method: 'magnitude', label: 'magnitude |w|', direction: 'low-is-less-relevant', details: {} },
      (j) => Math.abs(w[j]!),
    );
  },
};
