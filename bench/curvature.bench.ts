/**
 * Exact Hessian diagonal: the pre-activation Hessian backprop of `exactHessianDiagonal`
 * against the generic route of autograd's `diagHessian` (one recorded gradient, then one
 * backward pass — a Hessian-vector product — per parameter), as the network grows:
 * Wine size (13-16-3 tanh, 134 rows), digits size (64-32-10 tanh, 1,000 random rows) and
 * 784-256-10 tanh on 1,000 random rows, and 784-256-256-10 (where a full 256×256 Hessian per
 * sample crosses the middle layer). The Gauss-Newton and Becker-LeCun diagonals are timed
 * beside it for scale.
 *
 * Where the generic route would take too long, it is run on a few coordinates only and its
 * time extrapolated linearly (set-up + n × time per coordinate), which is exact in structure:
 * every coordinate is one backward pass over the same recorded graph. The output says so.
 */

import { Tensor, gradients, withGrad } from '../src/autograd/index.js';
import { beckerLeCunDiagonal, exactHessianDiagonal, gaussNewtonDiagonal } from '../src/nn/curvature.js';
import { makeBatch, negLogLikelihood, type Batch } from '../src/nn/losses.js';
import { MLP, forward } from '../src/nn/mlp.js';
import { Random } from '../src/random/random.js';

interface Case {
  readonly label: string;
  readonly sizes: number[];
  readonly rows: number;
  /** Coordinates of the generic route actually run; all of them when it is at least n. */
  readonly genericCoordinates: number;
}

const CASES: Case[] = [
  { label: 'Wine size', sizes: [13, 16, 3], rows: 134, genericCoordinates: Infinity },
  { label: 'digits size', sizes: [64, 32, 10], rows: 1000, genericCoordinates: 200 },
  { label: 'MNIST size', sizes: [784, 256, 10], rows: 1000, genericCoordinates: 20 },
  // A second hidden layer: now a full 256×256 pre-activation Hessian per sample is carried
  // through the middle, the O(width³) part of the method.
  { label: 'MNIST size, two hidden layers', sizes: [784, 256, 256, 10], rows: 1000, genericCoordinates: 10 },
];

/** Runs of each fast method; the best is reported (single runs of a few ms are JIT noise). */
const FAST_RUNS = 3;

function problem(c: Case, rng: Random): { net: MLP; batch: Batch } {
  const net = MLP.initialized(c.sizes, [...c.sizes.slice(2).map(() => 'tanh' as const), 'identity'], rng);
  // Biases off zero, so no symmetry makes the problem easier than a trained network's.
  for (const layer of net.layers) for (let i = 0; i < layer.outputs; i++) net.params[layer.biasOffset + i] = 0.1 * rng.normal();
  const classes = c.sizes[c.sizes.length - 1]!;
  const x = rng.normals(c.rows * c.sizes[0]!);
  const y = Float64Array.from({ length: c.rows }, () => rng.int(classes));
  return { net, batch: makeBatch(x, c.sizes[0]!, y, 'classification') };
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = f();
  return { value, ms: performance.now() - start };
}

function bestOf<T>(runs: number, f: () => T): { value: T; ms: number } {
  let best = timed(f);
  for (let r = 1; r < runs; r++) {
    const next = timed(f);
    if (next.ms < best.ms) best = next;
  }
  return best;
}

/** The generic route on coordinates 0..count-1 (spread over the layers): set-up time, time per coordinate, and the values. */
function genericRoute(net: MLP, batch: Batch, coordinates: Int32Array): { setupMs: number; perCoordinateMs: number; values: Float64Array } {
  const n = net.parameterCount;
  const setup = timed(() => {
    const leaf = new Tensor(net.params.slice(), [n]).asLeaf();
    const loss = withGrad(() => negLogLikelihood('classification', forward(net, leaf, batch.x), batch, 0, false));
    return { leaf, gradient: gradients(loss, [leaf], { createGraph: true })[0]! };
  });
  const { leaf, gradient } = setup.value;
  const unit = new Float64Array(n);
  const values = new Float64Array(coordinates.length);
  const columns = timed(() => {
    coordinates.forEach((j, k) => {
      unit.fill(0);
      unit[j] = 1;
      values[k] = gradients(gradient, [leaf], { seed: new Tensor(unit, gradient.shape) })[0]!.data[j]!;
    });
  });
  return { setupMs: setup.ms, perCoordinateMs: columns.ms / coordinates.length, values };
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export async function run(): Promise<void> {
  const rng = new Random(2024);
  // Warm up the JIT on a small problem so the first case does not pay for compilation.
  const warm = problem({ label: '', sizes: [5, 4, 3], rows: 20, genericCoordinates: 0 }, rng);
  exactHessianDiagonal(warm.net, warm.batch, 'classification');
  console.log(`tanh MLPs, softmax cross-entropy summed over the rows; fast methods best of ${FAST_RUNS} runs, generic route one run`);
  console.log('network          rows       n   exact diag   Gauss-Newton   Becker-LeCun   generic (n HVPs)        speed-up   max rel. diff');
  for (const c of CASES) {
    const { net, batch } = problem(c, rng);
    const n = net.parameterCount;
    const exact = bestOf(FAST_RUNS, () => exactHessianDiagonal(net, batch, 'classification'));
    const gaussNewton = bestOf(FAST_RUNS, () => gaussNewtonDiagonal(net, batch, 'classification'));
    const beckerLeCun = bestOf(FAST_RUNS, () => beckerLeCunDiagonal(net, batch, 'classification'));
    const count = Math.min(n, c.genericCoordinates);
    // Evenly spaced coordinates, so every layer's weights and biases are sampled.
    const coordinates = Int32Array.from({ length: count }, (_, k) => Math.floor((k * n) / count));
    const generic = genericRoute(net, batch, coordinates);
    const genericMs = generic.setupMs + n * generic.perCoordinateMs;
    let scale = 0;
    for (const v of exact.value) scale = Math.max(scale, Math.abs(v));
    let difference = 0;
    coordinates.forEach((j, k) => { difference = Math.max(difference, Math.abs(exact.value[j]! - generic.values[k]!)); });
    const genericText = count === n ? formatDuration(genericMs) : `${formatDuration(genericMs)} (extrap. ${count}/${n})`;
    console.log(
      `${c.sizes.join('-').padEnd(15)}${String(c.rows).padStart(6)}${String(n).padStart(8)}` +
      `${formatDuration(exact.ms).padStart(13)}${formatDuration(gaussNewton.ms).padStart(15)}${formatDuration(beckerLeCun.ms).padStart(15)}` +
      `${genericText.padStart(30)}${`${(genericMs / exact.ms).toFixed(0)}×`.padStart(10)}${(difference / scale).toExponential(1).padStart(16)}`,
    );
  }
  console.log('generic: set-up (one recorded gradient) + n × the measured time per coordinate; "extrap. k/n" = only k coordinates were run.');
  console.log('max rel. diff: largest |exact − generic| over the coordinates run, relative to max |exact diagonal|.');
}
