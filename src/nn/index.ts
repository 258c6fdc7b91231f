/**
 * Networks and their training: the MLP and its canonical parameter vector, likelihoods,
 * optimizers, the MAP fit, the variational posterior, exact curvature and model files.
 */
export * from './mlp.js';
export * from './losses.js';
export * from './metrics.js';
export * from './model.js';
export * from './optimizers.js';
export * from './lbfgs.js';
export * from './train.js';
export * from './variational.js';
export * from './curvature.js';
export * from './evidence.js';
export * from './prior.js';
export * from './fit.js';
export * from './modelfile.js';
export * from './noise.js';
