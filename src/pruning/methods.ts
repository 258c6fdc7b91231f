/**
 * Every relevance method by name, and the one entry point that scores with any of them.
 */
import { belsleyMethod, type BelsleyMethodOptions, type BelsleyResult } from './belsley-method.js';
import { obdMethod, type ObdOptions, type ObdResult } from './obd.js';
import { obsMethod, type ObsOptions, type ObsResult } from './obs.js';
import type { CurvatureKind } from '../nn/curvature.js';
import type { RelevanceContext } from './relevance.js';
import { magnitudeMethod, randomMethod, type MagnitudeResult, type RandomResult } from './simple.js';
import { variationalMethod, type VariationalScoresResult } from './variational.js';

/**
 * Any method's result, discriminated by `method`: narrowing on it (`if (r.method === 'obd')`)
 * gives that method's typed `details`.
 */
export type RelevanceResult = RandomResult | MagnitudeResult | ObdResult | VariationalScoresResult | BelsleyResult | ObsResult;

/** The result type of the method named `N`. */
export type ResultOf<N extends MethodName> = Extract<RelevanceResult, { readonly method: N }>;

/** Options of any method (each reads its own); `curvature` is any kind, checked per method. */
export type MethodOptions = Omit<ObdOptions & ObsOptions & BelsleyMethodOptions, 'curvature'> & { readonly curvature?: CurvatureKind };

/** The four methods of the seed study, in its order. */
export const SEED_METHODS = ['random', 'obd', 'variational', 'belsley'] as const;

/** Every method by name: the seed's four, then the ones beyond it. */
export const RELEVANCE_METHODS = {
  random: randomMethod,
  obd: obdMethod,
  variational: variationalMethod,
  belsley: belsleyMethod,
  magnitude: magnitudeMethod,
  obs: obsMethod,
} as const;

/** A method's name. */
export type MethodName = keyof typeof RELEVANCE_METHODS;

/** Whether `name` is a known method. */
export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(RELEVANCE_METHODS, name);
}

/** Scores the active parameters with the named method; the result is typed by the name. */
export function scoreRelevance<N extends MethodName>(name: N, context: RelevanceContext, options: MethodOptions = {}): ResultOf<N> {
  if (options.curvature === 'becker-lecun' && name !== 'obd') {
    throw new Error(`${name}: the Becker-LeCun curvature is only a diagonal; use gauss-newton or exact`);
  }
  // Every method reads only its own options from the shared bag (checked above where they clash).
  const method = RELEVANCE_METHODS[name] as unknown as { score(c: RelevanceContext, o?: MethodOptions): ResultOf<N> };
  return method.score(context, options);
}
