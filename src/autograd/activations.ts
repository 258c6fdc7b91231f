/**
 * The hidden-layer activations, each defined once: its value, slope σ'(z) and curvature σ''(z)
 * as scalar functions (for the plain-loop kernels: the exact curvature backprop, the fused
 * training path), and its differentiable op (for the autograd reference).
 *
 * The slope and curvature are written in terms of the value `a = σ(z)` where that is the
 * cheap and stable form (tanh: 1 − a²), with `z` passed too for those that need it (relu).
 */
import { reluScalar, sigmoidScalar } from './kernels.js';
import { relu, sigmoid, tanh } from './primitives.js';
import type { Tensor } from './tensor.js';

/** Activation functions a layer may apply to its pre-activation. */
export type Activation = 'tanh' | 'relu' | 'sigmoid' | 'identity';

/** The activations prunus knows, for validation and help texts. */
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'sigmoid', 'identity'];

/** One activation: value, first and second derivative, and the autograd op. */
export interface ActivationFunctions {
  /** σ(z). */
  readonly value: (z: number) => number;
  /** σ'(z), given `a = σ(z)` and `z`. */
  readonly slope: (a: number, z: number) => number;
  /** σ''(z), given `a = σ(z)` and `z`. */
  readonly curvature: (a: number, z: number) => number;
  /** The differentiable op (its VJP is checked against finite differences to second order). */
  readonly op: (z: Tensor) => Tensor;
  /** True when σ'' is 0 everywhere it exists (the exact and Gauss-Newton curvatures agree). */
  readonly piecewiseLinear: boolean;
}

/** Every activation, by name: the one table the kernels, the curvature and the MLP read. */
export const ACTIVATION_FUNCTIONS: Readonly<Record<Activation, ActivationFunctions>> = {
  tanh: {
    value: Math.tanh,
    slope: (a) => 1 - a * a,
    curvature: (a) => -2 * a * (1 - a * a),
    op: tanh,
    piecewiseLinear: false,
  },
  sigmoid: {
    value: sigmoidScalar,
    slope: (a) => a * (1 - a),
    curvature: (a) => a * (1 - a) * (1 - 2 * a),
    op: sigmoid,
    piecewiseLinear: false,
  },
  relu: {
    value: reluScalar,
    // relu'(0) = 0, the convention of the autograd primitive (and of PyTorch); relu'' = 0.
    slope: (_a, z) => (z > 0 ? 1 : 0),
    curvature: () => 0,
    op: relu,
    piecewiseLinear: true,
  },
  identity: {
    value: (z) => z,
    slope: () => 1,
    curvature: () => 0,
    op: (z) => z,
    piecewiseLinear: true,
  },
};
