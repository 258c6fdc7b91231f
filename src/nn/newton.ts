/**
 * A trust-region truncated-Newton minimizer (Steihaug–Toint conjugate gradients) for the MAP
 * fits L-BFGS is slow on: objectives with a badly conditioned, possibly indefinite curvature,
 * where a quasi-Newton estimate built from gradients alone needs thousands of steps.
 *
 * Each iteration minimizes the quadratic model m(p) = gᵀp + ½ pᵀCp, C the curvature at the
 * iterate given as matrix-free products (for a network, the exact Hessian or the Gauss-Newton
 * matrix of the NLL plus the prior's diag(α), `fused-curvature.ts`), within a trust region
 * ‖p‖_M ≤ Δ in the norm of a positive diagonal preconditioner M, by preconditioned conjugate
 * gradients from p = 0. CG stops at the region's boundary, along a direction of negative
 * curvature (C need not be positive definite: near a saddle that direction is the way out), or
 * at a relative residual η. The step is taken when the objective fell by a fair share of what
 * the model predicted (the gain ratio ρ), and Δ follows Moré's rule: shrink to a quarter of the
 * step when ρ < ¼, double when ρ > ¾ and the step reached the boundary. With a positive
 * semi-definite C (Gauss-Newton) this is a Levenberg–Marquardt method, whose damping λ is the
 * region's Lagrange multiplier.
 *
 * η follows Eisenstat and Walker's second rule (it tracks the observed gradient reduction),
 * so solves are rough far from the minimum and accurate near it, where exact-Hessian steps
 * converge superlinearly.
 */
import type { LbfgsResult } from './lbfgs.js';

/** An objective with a curvature: what a Newton-type step needs. */
export interface CurvatureObjective {
  /**
   * The value at `x`, with the gradient written into `gradient`. Later products and
   * preconditioners are taken at `x` (the linearization point), until the next call.
   */
  evaluate(x: Float64Array, gradient: Float64Array): number;
  /** `out = C v`, C the symmetric curvature at the linearization point (it may be indefinite). */
  product(v: Float64Array, out: Float64Array): void;
  /**
   * A preconditioner at the linearization point: a function applying M⁻¹, M symmetric positive
   * definite and close to C (its norm also shapes the trust region). Called after every
   * accepted step; optional, default the identity.
   */
  preconditioner?(): (residual: Float64Array, out: Float64Array) => void;
}

/** Options of {@link minimizeTruncatedNewton}. */
export interface TruncatedNewtonOptions {
  /** Stop when the largest |gradient| entry (over free coordinates) is at most this (default 1e-6). */
  readonly gradientTolerance?: number;
  /** Iteration limit, one model solve and one trial step each (default 500). */
  readonly maxIterations?: number;
  /** Conjugate-gradient iteration limit per solve (default 250). */
  readonly maxConjugateGradient?: number;
  /** Curvature pairs of each solve kept to precondition the next (default 0: none). */
  readonly recycle?: number;
  /** Starting trust-region radius in the M-norm (default: that of the step −M⁻¹g). */
  readonly initialRadius?: number;
  /** 0 where a coordinate is frozen (pruned): its gradient is ignored and it never moves. */
  readonly mask?: Float64Array;
  /** Called after every iteration (for progress bars). */
  readonly onIteration?: (iteration: number, value: number, gradientNorm: number) => void;
}

/** What {@link minimizeTruncatedNewton} found: {@link LbfgsResult}'s fields, and the work done. */
export interface TruncatedNewtonResult extends LbfgsResult {
  /** Curvature-vector products, over all solves. */
  readonly products: number;
  /** Iterations whose trial step was rejected (the region shrunk). */
  readonly rejected: number;
}

/** Preallocated vectors of one conjugate-gradient solve. */
interface Workspace {
  readonly step: Float64Array;
  /** C·step, accumulated along the way (for the model's predicted decrease). */
  readonly curvatureStep: Float64Array;
  readonly residual: Float64Array;
  readonly preconditioned: Float64Array;
  readonly direction: Float64Array;
  readonly curvatureDirection: Float64Array;
}

/** How a solve ended: the model's predicted decrease −m(p), and whether p is on the boundary. */
interface Solve {
  readonly boundary: boolean;
  /** ‖p‖_M. */
  readonly stepNorm: number;
  readonly products: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maskedInfinityNorm(g: Float64Array, mask: Float64Array | undefined): number {
  let norm = 0;
  for (let i = 0; i < g.length; i++) if (mask === undefined || mask[i] !== 0) norm = Math.max(norm, Math.abs(g[i]!));
  return norm;
}

function freeze(v: Float64Array, mask: Float64Array | undefined): Float64Array {
  if (mask !== undefined) for (let i = 0; i < v.length; i++) if (mask[i] === 0) v[i] = 0;
  return v;
}

/** Relative rounding of the objective's value below which decreases are not told apart. */
const VALUE_NOISE = 1e3 * Number.EPSILON;

/** Doubles of CG directions a solve keeps for re-walking its path (32 MB). */
const PATH_BUDGET = 1 << 22;

/**
 * The conjugate-gradient path of the last solve, for re-walking it to a smaller radius after a
 * rejected step: the iterates' M-norms grow monotonically (Steihaug 1983), so the solution for
 * a smaller region is where the same path crosses its boundary — no new products. Keeps each
 * iteration's d_k, Cd_k, step length and M-norm scalars, up to a memory budget.
 */
class ConjugateGradientPath {
  readonly directions: Float64Array[] = [];
  readonly curvatureDirections: Float64Array[] = [];
  /** Per iteration: step length a, dᵀCd, ‖p‖²_M, pᵀMd and ‖d‖²_M before the step. */
  readonly scalars: { a: number; curvature: number; pp: number; pd: number; dd: number }[] = [];
  length = 0;
  readonly capacity: number;

  constructor(private readonly n: number) {
    this.capacity = Math.max(0, Math.floor(PATH_BUDGET / (2 * n)));
  }

  record(direction: Float64Array, curvatureDirection: Float64Array, scalars: ConjugateGradientPath['scalars'][number]): void {
    const k = this.length;
    if (k >= this.capacity) return;
    if (k === this.directions.length) {
      this.directions.push(new Float64Array(this.n));
      this.curvatureDirections.push(new Float64Array(this.n));
      this.scalars.push(scalars);
    }
    this.directions[k]!.set(direction);
    this.curvatureDirections[k]!.set(curvatureDirection);
    this.scalars[k] = scalars;
    this.length = k + 1;
  }

  /**
   * Rebuilds the step and C·step for a smaller radius from the recorded path; false when the
   * crossing lies beyond what was recorded (then the caller solves again).
   */
  retract(radius: number, w: Workspace): { boundary: boolean; stepNorm: number } | null {
    const { step, curvatureStep } = w;
    step.fill(0);
    curvatureStep.fill(0);
    const radiusSquared = radius * radius;
    for (let k = 0; k < this.length; k++) {
      const { a, curvature, pp, pd, dd } = this.scalars[k]!;
      const d = this.directions[k]!;
      const cd = this.curvatureDirections[k]!;
      const boundary = curvature <= 0 || pp + 2 * a * pd + a * a * dd >= radiusSquared;
      const tau = boundary ? boundaryStep(pp, pd, dd, radiusSquared) : a;
      for (let i = 0; i < d.length; i++) {
        step[i]! += tau * d[i]!;
        curvatureStep[i]! += tau * cd[i]!;
      }
      if (boundary) return { boundary, stepNorm: radius };
    }
    return null;
  }
}

/** The positive root τ of ‖p + τd‖²_M = Δ², from ‖p‖²_M, pᵀMd and ‖d‖²_M. */
function boundaryStep(pp: number, pd: number, dd: number, radiusSquared: number): number {
  return (-pd + Math.sqrt(Math.max(0, pd * pd + dd * (radiusSquared - pp)))) / dd;
}

/**
 * Curvature pairs (s, Cs) kept from a solve to precondition the next (Morales & Nocedal 2000):
 * the limited-memory BFGS inverse built on the problem's preconditioner M⁻¹ from the previous
 * solve's CG directions. Those directions are C-conjugate, so the inverse is exact on their
 * span: the next solve, at a nearby point with a nearby C, need not rediscover the eigen-
 * directions the last one resolved — the small-curvature ones of a flat valley cost CG most.
 */
class RecycledPairs {
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private readonly rho: number[] = [];
  private readonly coefficients: number[] = [];
  private count = 0;

  constructor(private readonly n: number, private readonly capacity: number) {}

  /** Keeps up to `capacity` positive-curvature pairs of the path, evenly spaced along it. */
  take(path: ConjugateGradientPath): void {
    const usable: number[] = [];
    for (let k = 0; k < path.length; k++) if (path.scalars[k]!.curvature > 0) usable.push(k);
    const keep = Math.min(this.capacity, usable.length);
    for (let t = 0; t < keep; t++) {
      const k = usable[Math.floor((t * usable.length) / keep)]!;
      if (t === this.s.length) {
        this.s.push(new Float64Array(this.n));
        this.y.push(new Float64Array(this.n));
        this.rho.push(0);
        this.coefficients.push(0);
      }
      this.s[t]!.set(path.directions[k]!);
      this.y[t]!.set(path.curvatureDirections[k]!);
      this.rho[t] = 1 / path.scalars[k]!.curvature;
    }
    this.count = keep;
  }

  /** `out = H r` by the two-loop recursion, H₀ = `base` (M⁻¹). */
  apply(base: (r: Float64Array, out: Float64Array) => void, r: Float64Array, out: Float64Array, scratch: Float64Array): void {
    scratch.set(r);
    for (let k = this.count - 1; k >= 0; k--) {
      const a = this.rho[k]! * dot(this.s[k]!, scratch);
      this.coefficients[k] = a;
      const y = this.y[k]!;
      for (let i = 0; i < this.n; i++) scratch[i]! -= a * y[i]!;
    }
    base(scratch, out);
    for (let k = 0; k < this.count; k++) {
      const b = this.rho[k]! * dot(this.y[k]!, out);
      const shift = this.coefficients[k]! - b;
      const s = this.s[k]!;
      for (let i = 0; i < this.n; i++) out[i]! += shift * s[i]!;
    }
  }
}

/**
 * Steihaug–Toint: approximately minimizes gᵀp + ½pᵀCp over ‖p‖_M ≤ radius by CG preconditioned
 * with M (`precondition` applies M⁻¹), from p = 0. Leaves p and Cp in the workspace and the
 * path in `path`. The M-norms of p and the direction d follow from CG's recurrences (Conn,
 * Gould & Toint 2000, §7.5), so M itself is never applied.
 */
function steihaug(
  problem: CurvatureObjective, gradient: Float64Array, precondition: (r: Float64Array, out: Float64Array) => void, radius: number,
  mask: Float64Array | undefined, forcing: number, limit: number, w: Workspace, path: ConjugateGradientPath,
): Solve {
  const { step, curvatureStep, residual, preconditioned, direction, curvatureDirection } = w;
  const n = gradient.length;
  step.fill(0);
  curvatureStep.fill(0);
  residual.set(gradient);
  path.length = 0;
  precondition(residual, preconditioned);
  freeze(preconditioned, mask);
  for (let i = 0; i < n; i++) direction[i] = -preconditioned[i]!;
  let rz = dot(residual, preconditioned);
  // ‖p‖²_M, pᵀMd and ‖d‖²_M.
  let pp = 0;
  let pd = 0;
  let dd = rz;
  const target = forcing * Math.sqrt(dot(gradient, gradient));
  const radiusSquared = radius * radius;
  let products = 0;
  let boundary = false;
  while (products < limit) {
    problem.product(direction, curvatureDirection);
    products++;
    freeze(curvatureDirection, mask);
    const curvature = dot(direction, curvatureDirection);
    if (!Number.isFinite(curvature)) throw new Error(`truncated Newton: the curvature product is not finite (${curvature})`);
    const a = rz / curvature;
    path.record(direction, curvatureDirection, { a, curvature, pp, pd, dd });
    if (curvature <= 0 || pp + 2 * a * pd + a * a * dd >= radiusSquared) {
      // Along d to the boundary (along a direction of negative curvature, or where CG's next
      // iterate would leave the region).
      const tau = boundaryStep(pp, pd, dd, radiusSquared);
      for (let i = 0; i < n; i++) {
        step[i]! += tau * direction[i]!;
        curvatureStep[i]! += tau * curvatureDirection[i]!;
      }
      boundary = true;
      break;
    }
    for (let i = 0; i < n; i++) {
      step[i]! += a * direction[i]!;
      curvatureStep[i]! += a * curvatureDirection[i]!;
      residual[i]! += a * curvatureDirection[i]!;
    }
    pp += 2 * a * pd + a * a * dd;
    if (Math.sqrt(dot(residual, residual)) <= target) break;
    precondition(residual, preconditioned);
    freeze(preconditioned, mask);
    const next = dot(residual, preconditioned);
    const beta = next / rz;
    rz = next;
    pd = beta * (pd + a * dd);
    dd = rz + beta * beta * dd;
    for (let i = 0; i < n; i++) direction[i] = -preconditioned[i]! + beta * direction[i]!;
  }
  return { boundary, stepNorm: Math.sqrt(Math.max(0, boundary ? radiusSquared : pp)), products };
}

/**
 * Minimizes `problem` from `start` (not modified) by trust-region truncated-Newton steps.
 * Stops when the largest free gradient entry is at most the tolerance (`converged`), at the
 * iteration limit, or when the region has shrunk to nothing without a decrease (`no progress`).
 * Throws when the objective is not finite at the start, or a curvature product is not finite.
 */
export function minimizeTruncatedNewton(problem: CurvatureObjective, start: Float64Array, options: TruncatedNewtonOptions = {}): TruncatedNewtonResult {
  const { gradientTolerance = 1e-6, maxIterations = 500, maxConjugateGradient = 250, mask } = options;
  const n = start.length;
  let x: Float64Array = freeze(start.slice(), mask);
  let gradient: Float64Array = new Float64Array(n);
  let value = problem.evaluate(x, gradient);
  if (!Number.isFinite(value)) throw new Error(`truncated Newton: the objective is not finite at the starting point (${value})`);
  freeze(gradient, mask);
  let evaluations = 1;
  let gradientNorm = maskedInfinityNorm(gradient, mask);
  let trial: Float64Array = new Float64Array(n);
  let trialGradient: Float64Array = new Float64Array(n);
  const workspace: Workspace = {
    step: new Float64Array(n), curvatureStep: new Float64Array(n), residual: new Float64Array(n),
    preconditioned: new Float64Array(n), direction: new Float64Array(n), curvatureDirection: new Float64Array(n),
  };
  const identity = (r: Float64Array, out: Float64Array): void => void out.set(r);
  let precondition = problem.preconditioner?.() ?? identity;
  // The first region: the M-norm of the preconditioned gradient step −M⁻¹g, √(gᵀM⁻¹g).
  precondition(gradient, workspace.preconditioned);
  let radius = options.initialRadius ?? Math.sqrt(dot(gradient, freeze(workspace.preconditioned, mask)));
  if (!(radius > 0 && Number.isFinite(radius))) radius = 1;
  let products = 0;
  let forcing = 0.5;
  let previousNorm = Math.sqrt(dot(gradient, gradient));
  let iteration = 0;
  let rejected = 0;
  let reason: LbfgsResult['reason'] = 'iteration limit';
  const path = new ConjugateGradientPath(n);
  const recycle = options.recycle ?? 0;
  const recycled = recycle > 0 ? new RecycledPairs(n, Math.min(recycle, path.capacity)) : null;
  const scratch = new Float64Array(n);
  // After a rejection the next solve is the last one's path cut at the smaller radius.
  let retracted = false;
  // Whether the linearization point is a rejected trial's rather than x's.
  let stale = false;
  while (iteration < maxIterations) {
    if (gradientNorm <= gradientTolerance) {
      reason = 'gradient tolerance';
      break;
    }
    let solve: Solve | null = null;
    if (retracted) {
      const cut = path.retract(radius, workspace);
      if (cut !== null) solve = { ...cut, products: 0 };
    }
    if (solve === null && stale) {
      // A rejected trial moved the linearization point: back to x for the products.
      problem.evaluate(x, trialGradient);
      evaluations++;
    }
    stale = false;
    solve ??= steihaug(problem, gradient, precondition, radius, mask, forcing, maxConjugateGradient, workspace, path);
    products += solve.products;
    const { step, curvatureStep } = workspace;
    const predicted = -(dot(gradient, step) + 0.5 * dot(step, curvatureStep));
    for (let i = 0; i < n; i++) trial[i] = x[i]! + step[i]!;
    const trialValue = problem.evaluate(trial, trialGradient);
    evaluations++;
    iteration++;
    freeze(trialGradient, mask);
    const trialNorm = maskedInfinityNorm(trialGradient, mask);
    const gain = (value - trialValue) / predicted;
    // Near the optimum the decrease falls below the rounding of the value itself and the gain
    // ratio becomes noise: then a step that shrinks the gradient without raising the value by
    // more than that rounding is taken. The rounding is far above ε|f| when the terms of the
    // sum are differences of larger numbers — a close regression fit's residuals r = f(x) − y,
    // whose squares carry ε·|y|/|r| relative error (measured: 12ε|f| at r ≈ 0.01 of y ≈ 1).
    const withinRounding = trialValue <= value + VALUE_NOISE * Math.abs(value) && trialNorm < gradientNorm;
    const accepted = Number.isFinite(trialValue) && ((predicted > 0 && gain > 1e-4) || withinRounding);
    if (!accepted || gain < 0.25) radius = 0.25 * solve.stepNorm;
    else if (gain > 0.75 && solve.boundary) radius *= 2;
    retracted = !accepted;
    if (accepted) {
      [x, trial] = [trial, x];
      [gradient, trialGradient] = [trialGradient, gradient];
      value = trialValue;
      gradientNorm = trialNorm;
      const norm = Math.sqrt(dot(gradient, gradient));
      forcing = nextForcing(forcing, norm, previousNorm, gradientTolerance);
      previousNorm = norm;
      const base = problem.preconditioner?.() ?? identity;
      if (recycled !== null) {
        recycled.take(path);
        const pairs = recycled;
        precondition = (r, out) => pairs.apply(base, r, out, scratch);
      } else {
        precondition = base;
      }
    } else {
      rejected++;
      stale = true;
      if (!(radius > 0) || maskedInfinityNorm(step, mask) <= Number.EPSILON * (1 + maskedInfinityNorm(x, mask))) {
        reason = 'no progress';
        break;
      }
    }
    options.onIteration?.(iteration, value, gradientNorm);
  }
  if (gradientNorm <= gradientTolerance) reason = 'gradient tolerance';
  return { x, value, gradientNorm, iterations: iteration, evaluations, converged: reason === 'gradient tolerance', reason, products, rejected };
}

/**
 * Eisenstat and Walker's second forcing rule, η = 0.9 (‖g_k‖/‖g_{k−1}‖)², safeguarded: not
 * below 0.9 η_{k−1}² when that is large (so η does not collapse after one lucky step), at most
 * 0.5, and not much below what the gradient tolerance asks for (no over-solving at the end).
 */
function nextForcing(previous: number, norm: number, previousNorm: number, tolerance: number): number {
  let eta = 0.9 * (norm / previousNorm) ** 2;
  const floor = 0.9 * previous * previous;
  if (floor > 0.1) eta = Math.max(eta, floor);
  eta = Math.max(eta, (0.5 * tolerance) / Math.max(norm, Number.MIN_VALUE));
  return Math.min(0.5, Math.max(eta, 1e-10));
}
