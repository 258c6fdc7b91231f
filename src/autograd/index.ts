/**
 * Reverse-mode automatic differentiation on Float64Array tensors, with a differentiable
 * backward pass (so Hessian-vector products and exact Hessians follow).
 */
export { Tensor, noGrad, withGrad, isRecording, sizeOf, type Node } from './tensor.js';
export {
  add, sub, mul, div, neg, exp, log, tanh, sigmoid, softplus, square, relu, mask,
  matmul, transpose, reshape, broadcastTo, sumTo, logSumExp, logSoftmax, gather, scatter,
  sliceFlat, padFlat, unbroadcast, type Primitive, type TensorLike,
} from './primitives.js';
export { sum, mean, dot, softmax, softmaxCrossEntropy, meanSquaredError, type Reduction } from './ops.js';
export { gradients, type GradientOptions } from './graph.js';
export { grad, valueAndGrad, vjp, hvp, hessian, diagHessian, type TensorFunction, type Argument } from './transforms.js';
export { checkGrads, type CheckGradsOptions, type MultiTensorFunction } from './gradcheck.js';
export { ACTIVATIONS, ACTIVATION_FUNCTIONS, type Activation, type ActivationFunctions } from './activations.js';
