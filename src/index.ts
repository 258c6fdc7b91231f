/**
 * prunus as a library: find the optimal structure of a neural network by pruning it.
 *
 * @example
 * import { loadDataset, trainOnDataset, scoreRelevance, Random } from 'prunus';
 * const { model, data, map } = trainOnDataset(loadDataset('wine'), { seed: 1 });
 * const obd = scoreRelevance('obd', {
 *   network: model.network, task: model.task, batch: data.train, alpha: map.alpha, rng: new Random(1),
 * });
 * obd.leastRelevant; // the index ξ of the least relevant parameter
 *
 * The layers are also reachable as namespaces: `linalg` (flat Float64Array linear algebra)
 * and `autograd` (tensors, differentiable primitives, grad/hvp/hessian).
 */
export * as linalg from './linalg/index.js';
export * as autograd from './autograd/index.js';
export { Random } from './random/random.js';
export * from './data/index.js';
export * from './nn/index.js';
export * from './pruning/index.js';
export * from './search/index.js';
