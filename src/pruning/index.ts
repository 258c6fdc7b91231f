/**
 * Relevance methods (docs/methods.md §2) behind one interface, plus structured (neuron-level)
 * scoring and shrinking, Belsley's diagnostics as pure functions, and the pruning loop.
 */
export * from './relevance.js';
export { randomMethod, magnitudeMethod, type RandomResult, type MagnitudeResult } from './simple.js';
export { obdMethod, SALIENCIES, type ObdOptions, type ObdDetails, type ObdResult, type Saliency } from './obd.js';
export { variationalMethod, type VariationalDetails, type VariationalScoresResult } from './variational.js';
export { obsMethod, obsUpdate, type ObsOptions, type ObsDetails, type ObsResult } from './obs.js';
export {
  belsleyMethod, trajectorySamples, BELSLEY_MATRICES, type BelsleyMatrix, type BelsleyMethodOptions, type BelsleyDetails, type BelsleyResult,
  type BelsleyFullDetails, type BelsleyFastDetails,
} from './belsley-method.js';
export { posteriorCurvature, DENSE_ACTIVE_LIMIT, type DenseCurvature, type PosteriorCurvature } from './dense.js';
export { neuronGroups, groupScores, removeUnits, type NeuronGroup, type GroupScore, type Aggregation } from './structured.js';
export {
  belsleyDiagnostics, belsleyFastDiagnostics, belsleyPrune, removeParameter, covarianceOfSamples,
  type BelsleyDiagnostics, type BelsleyPruneResult, type BelsleyMatrixKind, type BelsleyRemoval,
} from './belsley.js';
export {
  isMethodName, scoreRelevance, RELEVANCE_METHODS, SEED_METHODS, type MethodName, type MethodOptions, type RelevanceResult, type ResultOf,
} from './methods.js';
export { pruneLoop, type PosteriorState, type PruneLoopData, type PruneLoopOptions, type PruneLoopResult, type PruneStep, type StepElbo } from './iterate.js';
export { shrinkModel, sizeOf, type ModelSize, type RemovedUnit, type ShrinkResult } from './shrink.js';
