/**
 * Limited-memory BFGS for full-batch MAP fits: it drives the gradient norm down to a
 * tolerance, which is how prunus knows a fit has converged (docs/methods.md §2: "check the
 * gradient norm, do not stop on a step count alone").
 */

/** A differentiable objective: value and gradient at a point. */
export type Objective = (x: Float64Array) => { value: number; gradient: Float64Array };

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Stop when the largest |gradient| entry (over free coordinates) is at most this. */
  readonly gradientTolerance?: number;
  readonly maxIterations?: number;
  /** Number of curvature pairs kept. */
  readonly history?: number;
  /** 0 where a coordinate is frozen (pruned): its gradient is ignored and it never moves. */
  readonly mask?: Float64Array;
  /** Called after every iteration (for progress bars). */
  readonly onIteration?: (iteration: number, value: number, gradientNorm: number) => void;
}

/** What {@link minimizeLbfgs} found. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  /** Largest |gradient| entry over free coordinates at `x`. */
  readonly gradientNorm: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** True when the gradient tolerance was met. */
  readonly converged: boolean;
  /** Why it stopped. */
  readonly reason: 'gradient tolerance' | 'iteration limit' | 'no progress';
}

function maskedInfinityNorm(g: Float64Array, mask: Float64Array | undefined): number {
  let norm = 0;
  for (let i = 0; i < g.length; i++) if (mask === undefined || mask[i] !== 0) norm = Math.max(norm, Math.abs(g[i]!));
  return norm;
}

function dotProduct(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Minimizes `objective` from `start` (not modified) with L-BFGS and a backtracking Armijo
 * line search. Throws when the objective is not finite at the start (a diverged model).
 */
export function minimizeLbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const { gradientTolerance = 1e-6, maxIterations = 5000, history = 10, mask } = options;
  const n = start.length;
  const freeze = (v: Float64Array): Float64Array => {
    if (mask !== undefined) for (let i = 0; i < n; i++) if (mask[i] === 0) v[i] = 0;
    return v;
  };
  let x: Float64Array = start.slice();
  let { value, gradient } = objective(x);
  gradient = freeze(gradient.slice());
  if (!Number.isFinite(value)) throw new Error(`L-BFGS: the objective is not finite at the starting point (${value})`);
  let evaluations = 1;
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rhos: number[] = [];
  let iteration = 0;
  let gradientNorm = maskedInfinityNorm(gradient, mask);
  let reason: LbfgsResult['reason'] = 'iteration limit';
  while (iteration < maxIterations) {
    if (gradientNorm <= gradientTolerance) {
      reason = 'gradient tolerance';
      break;
    }
    // Two-loop recursion: direction = −H·g with H the implicit inverse-Hessian estimate.
    const direction = gradient.slice();
    const alphas = new Array<number>(steps.length);
    for (let k = steps.length - 1; k >= 0; k--) {
      alphas[k] = rhos[k]! * dotProduct(steps[k]!, direction);
      const y = changes[k]!;
      for (let i = 0; i < n; i++) direction[i]! -= alphas[k]! * y[i]!;
    }
    if (steps.length > 0) {
      const last = steps.length - 1;
      const gamma = dotProduct(steps[last]!, changes[last]!) / dotProduct(changes[last]!, changes[last]!);
      for (let i = 0; i < n; i++) direction[i]! *= gamma;
    } else {
      // First step: plain gradient, scaled so it moves by at most ~1 in the largest coordinate.
      const scale = 1 / Math.max(1, gradientNorm);
      for (let i = 0; i < n; i++) direction[i]! *= scale;
    }
    for (let k = 0; k < steps.length; k++) {
      const beta = rhos[k]! * dotProduct(changes[k]!, direction);
      const s = steps[k]!;
      for (let i = 0; i < n; i++) direction[i]! += (alphas[k]! - beta) * s[i]!;
    }
    for (let i = 0; i < n; i++) direction[i] = -direction[i]!;
    freeze(direction);
    let slope = dotProduct(gradient, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature estimate went bad): restart from steepest descent.
      steps.length = changes.length = rhos.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -gradient[i]! / Math.max(1, gradientNorm);
      slope = dotProduct(gradient, direction);
    }
    let stepSize = 1;
    let accepted: { x: Float64Array; value: number; gradient: Float64Array } | null = null;
    for (let trial = 0; trial < 40; trial++) {
      const candidate = new Float64Array(n);
      for (let i = 0; i < n; i++) candidate[i] = x[i]! + stepSize * direction[i]!;
      const result = objective(candidate);
      evaluations++;
      const decrease = result.value <= value + 1e-4 * stepSize * slope;
      // Near the optimum the decrease falls below the rounding of the value itself, and
      // Armijo's test becomes noise: then accept a step that shrinks the gradient without
      // raising the value by more than rounding.
      const withinRounding = result.value <= value + 4 * Number.EPSILON * Math.abs(value);
      if (Number.isFinite(result.value) && (decrease || (withinRounding && maskedInfinityNorm(result.gradient, mask) < gradientNorm))) {
        accepted = { x: candidate, value: result.value, gradient: freeze(result.gradient.slice()) };
        break;
      }
      stepSize *= 0.5;
    }
    if (accepted === null) {
      reason = 'no progress';
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = accepted.x[i]! - x[i]!;
      y[i] = accepted.gradient[i]! - gradient[i]!;
    }
    const sy = dotProduct(s, y);
    // Keep only pairs with positive curvature, so the inverse-Hessian estimate stays positive definite.
    if (sy > 1e-12 * Math.sqrt(dotProduct(s, s) * dotProduct(y, y))) {
      steps.push(s);
      changes.push(y);
      rhos.push(1 / sy);
      if (steps.length > history) {
        steps.shift();
        changes.shift();
        rhos.shift();
      }
    }
    x = accepted.x;
    value = accepted.value;
    gradient = accepted.gradient;
    gradientNorm = maskedInfinityNorm(gradient, mask);
    iteration++;
    options.onIteration?.(iteration, value, gradientNorm);
  }
  if (gradientNorm <= gradientTolerance) reason = 'gradient tolerance';
  return { x, value, gradientNorm, iterations: iteration, evaluations, converged: reason === 'gradient tolerance', reason };
}
