/**
 * Every relevance method by name, and the one entry point that scores with any of them.
 */
import { belsleyMethod, type BelsleyMethodOptions } from './belsley-method.js';
import { obdMethod, type ObdOptions } from './obd.js';
import { obsMethod, type ObsOptions } from './obs.js';
import type { CurvatureKind } from '../nn/curvature.js';
import type { RelevanceContext, RelevanceResult } from './relevance.js';
import { magnitudeMethod, randomMethod } from './simple.js';
import { variationalMethod } from './variational.js';

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

/** Scores the active parameters with the named method. */
export function scoreRelevance(name: MethodName, context: RelevanceContext, options: MethodOptions = {}): RelevanceResult {
  if (options.curvature === 'becker-lecun' && name !== 'obd') {
    throw new Error(`${name}: the Becker-LeCun curvature is only a diagonal; use gauss-newton or exact`);
  }
  const method = RELEVANCE_METHODS[name] as { score(c: RelevanceContext, o?: MethodOptions): RelevanceResult };
  return method.score(context, options);
}
