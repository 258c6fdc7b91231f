/**
 * Value tests of L-BFGS (src/nn/lbfgs.ts) written for mutation testing (docs/mutation.md). An
 * optimizer's iterates have no closed form, so the reference is the algorithm itself written out
 * here from Nocedal & Wright (2006), Algorithms 7.4 (two-loop recursion) and 7.5, with the policy
 * lbfgs.ts documents: first step −g/max(1, ‖g‖∞), later H₀ = (sᵀy/yᵀy)·I, a memory of `history`
 * pairs with sᵀy > 1e-12‖s‖‖y‖, Armijo backtracking (c₁ = 10⁻⁴, halving, 40 trials) that also
 * accepts a step within 4ε of the value which shrinks ‖g‖∞, and steepest descent when the
 * direction is not a descent one. Both must follow the same path, evaluation by evaluation.
 */
import { describe, expect, it } from 'vitest';
import { minimizeLbfgs, type Objective } from '../../src/nn/lbfgs.js';

type Point = { value: number; gradient: number[] };

/** The reference: plain arrays, memory as a list of pairs; returns every iterate's value. */
function referenceLbfgs(f: (x: number[]) => Point, start: number[], tolerance: number, maxIterations: number, memory: number, free: boolean[]) {
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const norm = (g: number[]) => Math.max(0, ...g.map((v, i) => (free[i] ? Math.abs(v) : 0)));
  const frozen = (v: number[]) => v.map((e, i) => (free[i] ? e : 0));
  let x = [...start];
  let { value, gradient } = f(x);
  gradient = frozen(gradient);
  let evaluations = 1;
  let pairs: { s: number[]; y: number[]; rho: number }[] = [];
  const values: number[] = [];
  let reason = 'iteration limit';
  while (values.length < maxIterations) {
    const gNorm = norm(gradient);
    if (gNorm <= tolerance) {
      reason = 'gradient tolerance';
      break;
    }
    let q = [...gradient];
    const a: number[] = [];
    for (let k = pairs.length - 1; k >= 0; k--) {
      a[k] = pairs[k]!.rho * dot(pairs[k]!.s, q);
      q = q.map((v, i) => v - a[k]! * pairs[k]!.y[i]!);
    }
    const last = pairs[pairs.length - 1];
    const h0 = last === undefined ? 1 / Math.max(1, gNorm) : dot(last.s, last.y) / dot(last.y, last.y);
    let r = q.map((v) => v * h0);
    for (let k = 0; k < pairs.length; k++) {
      const b = pairs[k]!.rho * dot(pairs[k]!.y, r);
      r = r.map((v, i) => v + (a[k]! - b) * pairs[k]!.s[i]!);
    }
    let d = frozen(r.map((v) => -v));
    let slope = dot(gradient, d);
    if (!(slope < 0)) {
      pairs = [];
      d = gradient.map((v) => -v / Math.max(1, gNorm));
      slope = dot(gradient, d);
    }
    let t = 1;
    let next: (Point & { x: number[] }) | null = null;
    for (let trial = 0; trial < 40 && next === null; trial++, t /= 2) {
      const candidate = x.map((v, i) => v + t * d[i]!);
      const p = f(candidate);
      evaluations++;
      const armijo = p.value <= value + 1e-4 * t * slope;
      const rounding = p.value <= value + 4 * Number.EPSILON * Math.abs(value) && norm(p.gradient) < gNorm;
      if (Number.isFinite(p.value) && (armijo || rounding)) next = { x: candidate, value: p.value, gradient: frozen(p.gradient) };
    }
    if (next === null) {
      reason = 'no progress';
      break;
    }
    const s = next.x.map((v, i) => v - x[i]!);
    const y = next.gradient.map((v, i) => v - gradient[i]!);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) pairs = [...pairs, { s, y, rho: 1 / sy }].slice(-memory);
    ({ x, value, gradient } = next);
    values.push(value);
  }
  if (norm(gradient) <= tolerance) reason = 'gradient tolerance';
  return { x, value, values, evaluations, reason, gradientNorm: norm(gradient) };
}

/** An objective for both: the library's Float64Array form and the reference's arrays. */
function both(f: (x: number[]) => Point): { lib: Objective; ref: (x: number[]) => Point } {
  return {
    lib: (x) => {
      const p = f(Array.from(x));
      return { value: p.value, gradient: Float64Array.from(p.gradient) };
    },
    ref: f,
  };
}

/** Rosenbrock's banana in n dimensions (non-convex, curved valley). */
const rosenbrock = (x: number[]): Point => {
  let value = 0;
  const gradient = new Array<number>(x.length).fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! ** 2;
    const b = 1 - x[i]!;
    value += 100 * a * a + b * b;
    gradient[i]! += -400 * x[i]! * a - 2 * b;
    gradient[i + 1]! += 200 * a;
  }
  return { value, gradient };
};

function compare(f: (x: number[]) => Point, start: number[], options: { tolerance: number; maxIterations: number; history: number; mask?: number[] }) {
  const { lib, ref } = both(f);
  const values: number[] = [];
  const norms: number[] = [];
  const got = minimizeLbfgs(lib, Float64Array.from(start), {
    gradientTolerance: options.tolerance, maxIterations: options.maxIterations, history: options.history,
    ...(options.mask ? { mask: Float64Array.from(options.mask) } : {}),
    onIteration: (iteration, value, gradientNorm) => {
      expect(iteration).toBe(values.length + 1);
      values.push(value);
      norms.push(gradientNorm);
    },
  });
  const want = referenceLbfgs(ref, start, options.tolerance, options.maxIterations, options.history, start.map((_, i) => (options.mask ? options.mask[i] !== 0 : true)));
  // The same path up to rounding (sums are formed in another order): 1e-9 relative, or absolute
  // below the values' rounding scale.
  const close = (a: number, b: number, scale: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(b), scale));
  expect(values.length).toBe(want.values.length);
  values.forEach((v, k) => close(v, want.values[k]!, 1e-12));
  got.x.forEach((v, i) => close(v, want.x[i]!, 1e-9));
  close(got.value, want.value, 1e-12);
  expect(got.iterations).toBe(want.values.length);
  expect(got.evaluations).toBe(want.evaluations);
  expect(got.reason).toBe(want.reason);
  expect(got.converged).toBe(want.reason === 'gradient tolerance');
  close(got.gradientNorm, want.gradientNorm, 1e-12);
  return { got, norms };
}

describe('L-BFGS follows the two-loop recursion of Nocedal & Wright step by step', () => {
  it('Rosenbrock in 2 and 5 dimensions, memory 3 (pairs are dropped), to convergence', () => {
    const two = compare(rosenbrock, [-1.2, 1], { tolerance: 1e-8, maxIterations: 500, history: 3 });
    expect(two.got.reason).toBe('gradient tolerance');
    expect(two.got.x[0]).toBeCloseTo(1, 6);
    const five = compare(rosenbrock, [-1, 1.5, -0.5, 0.8, 2], { tolerance: 1e-7, maxIterations: 500, history: 3 });
    expect(five.got.converged).toBe(true);
    // The progress callback reports the masked infinity norm of each iterate's gradient.
    expect(five.norms[five.norms.length - 1]).toBe(five.got.gradientNorm);
  });

  it('an iteration limit stops it where the reference is after as many iterations', () => {
    const { got } = compare(rosenbrock, [-1.2, 1], { tolerance: 1e-10, maxIterations: 7, history: 10 });
    expect(got.reason).toBe('iteration limit');
    expect(got.iterations).toBe(7);
  });

  it('a frozen coordinate never moves and its gradient is ignored, in the stopping test too', () => {
    // Rosenbrock in 3 dimensions with x₁ frozen at 0.3: the others fit around it.
    const { got } = compare(rosenbrock, [-1, 0.3, 0.5], { tolerance: 1e-8, maxIterations: 500, history: 5, mask: [1, 0, 1] });
    expect(got.x[1]).toBe(0.3);
    expect(got.converged).toBe(true);
    const full = rosenbrock(Array.from(got.x)).gradient;
    expect(Math.abs(full[1]!)).toBeGreaterThan(1); // what the mask hides
  });

  it('a quadratic of condition 10⁴ with the default memory', () => {
    const scales = [1, 30, 1e4, 0.5];
    const quadratic = (x: number[]): Point => ({
      value: x.reduce((s, v, i) => s + 0.5 * scales[i]! * (v - i) ** 2, 0),
      gradient: x.map((v, i) => scales[i]! * (v - i)),
    });
    const { got } = compare(quadratic, [3, -2, 1.5, 4], { tolerance: 1e-9, maxIterations: 200, history: 10 });
    got.x.forEach((v, i) => expect(v).toBeCloseTo(i, 8));
  });
});

describe('L-BFGS stopping', () => {
  it('already converged at the start: no iteration, one evaluation', () => {
    const result = minimizeLbfgs(() => ({ value: 2, gradient: Float64Array.of(1e-7, -1e-7) }), Float64Array.of(1, 1));
    expect(result).toMatchObject({ iterations: 0, evaluations: 1, converged: true, reason: 'gradient tolerance', value: 2 });
    expect(result.gradientNorm).toBe(1e-7);
  });

  it('no acceptable step in 40 halvings: no progress, after 41 evaluations', () => {
    // Finite only at the start; everywhere else NaN.
    const result = minimizeLbfgs((x) => ({ value: x[0] === 1 ? 1 : Number.NaN, gradient: Float64Array.of(2) }), Float64Array.of(1));
    expect(result).toMatchObject({ iterations: 0, evaluations: 41, converged: false, reason: 'no progress' });
    expect(Array.from(result.x)).toEqual([1]);
  });

  it('does not modify its start, and the defaults are tolerance 10⁻⁶ and memory 10', () => {
    const start = Float64Array.of(-1.2, 1);
    const withDefaults = minimizeLbfgs(both(rosenbrock).lib, start);
    expect(Array.from(start)).toEqual([-1.2, 1]);
    const explicit = minimizeLbfgs(both(rosenbrock).lib, start, { gradientTolerance: 1e-6, history: 10, maxIterations: 5000 });
    expect(Array.from(withDefaults.x)).toEqual(Array.from(explicit.x));
    expect(withDefaults.iterations).toBe(explicit.iterations);
    expect(withDefaults.gradientNorm).toBeLessThanOrEqual(1e-6);
    expect(minimizeLbfgs(both(rosenbrock).lib, start, { gradientTolerance: 1e-6, history: 9 }).evaluations).not.toBe(explicit.evaluations);
  });
});

/**
 * One iteration on an objective given as a table of values at the trial points (gradients too),
 * so the line search's acceptance rules can be checked at their boundaries. From x = 0 with
 * gradient 1 the first direction is −1 (slope −1): trials at −1, −½, −¼, …
 */
function firstStep(values: Map<number, number>, gradients: Map<number, number[]>, start = 0, startGradient = [1], mask?: number[]) {
  const objective: Objective = (x) => {
    const key = x[0]!;
    if (key === 0) return { value: start, gradient: Float64Array.from(startGradient) };
    return { value: values.get(key) ?? 10, gradient: Float64Array.from(gradients.get(key) ?? startGradient.map(() => 1)) };
  };
  return minimizeLbfgs(objective, new Float64Array(startGradient.length), { maxIterations: 1, gradientTolerance: 1e-12, ...(mask ? { mask: Float64Array.from(mask) } : {}) });
}

describe('L-BFGS line search at the boundaries of its rules', () => {
  it('Armijo: f(x + t d) ≤ f(x) + 10⁻⁴·t·slope, equality accepted, halving otherwise', () => {
    // A decrease of half the Armijo amount at t = 1 is refused; t = ½ with enough decrease is taken.
    const short = firstStep(new Map([[-1, -0.5e-4], [-0.5, -1e-3]]), new Map());
    expect(Array.from(short.x)).toEqual([-0.5]);
    expect(short.evaluations).toBe(3);
    // Exactly the Armijo amount: accepted.
    expect(Array.from(firstStep(new Map([[-1, -1e-4]]), new Map()).x)).toEqual([-1]);
    // At t = ½ the amount is 0.5·10⁻⁴: a decrease of 10⁻⁴ passes.
    expect(Array.from(firstStep(new Map([[-1, 1], [-0.5, -1e-4]]), new Map()).x)).toEqual([-0.5]);
  });

  it('within rounding: a value at most 4ε|f| above is taken only if the gradient shrinks (over the free coordinates)', () => {
    const eps = Number.EPSILON;
    // f = 1 + 4ε at t = 1 (no Armijo decrease) with a smaller gradient: accepted.
    expect(Array.from(firstStep(new Map([[-1, 1 + 4 * eps]]), new Map([[-1, [0.5]]]), 1).x)).toEqual([-1]);
    // The bound scales with |f|: at f = 2, 2 + 8ε is within it.
    expect(Array.from(firstStep(new Map([[-1, 2 + 8 * eps]]), new Map([[-1, [0.5]]]), 2).x)).toEqual([-1]);
    // Above the bound, or the gradient not smaller (equal, or larger): refused, and t = ½ (value 10) too.
    for (const [value, gradient] of [[1 + 8 * eps, 0.5], [1, 1], [1, 2]] as const) {
      expect(firstStep(new Map([[-1, value]]), new Map([[-1, [gradient]]]), 1).reason).toBe('no progress');
    }
    // A frozen coordinate's gradient does not count: (0.5, 5) shrinks the free part of (1, 5).
    const masked = firstStep(new Map([[-1, 1]]), new Map([[-1, [0.5, 5]]]), 1, [1, 5], [1, 0]);
    expect(Array.from(masked.x)).toEqual([-1, 0]);
    expect(masked.gradientNorm).toBe(0.5);
  });

  it('a gradient exactly at the tolerance has converged, at the start or on the last allowed iteration', () => {
    const atTolerance = () => ({ value: 1, gradient: Float64Array.of(1e-6) });
    expect(minimizeLbfgs(atTolerance, Float64Array.of(0))).toMatchObject({ reason: 'gradient tolerance', iterations: 0, evaluations: 1 });
    // No iteration allowed: the verdict is still the gradient's.
    expect(minimizeLbfgs(atTolerance, Float64Array.of(0), { maxIterations: 0 })).toMatchObject({ reason: 'gradient tolerance', converged: true });
    const full = minimizeLbfgs(both(rosenbrock).lib, Float64Array.of(-1.2, 1), { gradientTolerance: 1e-8 });
    const capped = minimizeLbfgs(both(rosenbrock).lib, Float64Array.of(-1.2, 1), { gradientTolerance: 1e-8, maxIterations: full.iterations });
    expect(capped).toMatchObject({ converged: true, reason: 'gradient tolerance', iterations: full.iterations });
  });
});
