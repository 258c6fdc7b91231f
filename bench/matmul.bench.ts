/**
 * Matrix multiply throughput: our Float64 matmul against tfjs (Float32) on its pure-JS cpu
 * backend and its wasm backend, square n×n at n = 64, 256, 512, in GFLOP/s (2n³ flops).
 * tfjs computes in float32, half the bytes per value, so it is the harder peer for us.
 */

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { matmul } from '../src/linalg/index.js';

const SIZES = [64, 256, 512];
/** Time budget per measurement; each figure is the best of several batches of this length. */
const BATCH_MS = 300;
const BATCHES = 5;

/**
 * Best time per call of `f` in milliseconds: warm up (so the JIT has compiled the kernel),
 * pick a repeat count filling BATCH_MS, then keep the fastest of BATCHES batches; the fastest
 * is the least disturbed by other processes on a shared machine.
 */
export function bestTimeMs(f: () => void, batchMs = BATCH_MS, batches = BATCHES): number {
  let reps = 1;
  for (;;) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) f();
    const elapsed = performance.now() - start;
    if (elapsed >= batchMs / 4) { reps = Math.max(1, Math.ceil((reps * batchMs) / Math.max(elapsed, 1e-3))); break; }
    reps *= 2;
  }
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) f();
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return best;
}

function randomArray(length: number): Float64Array {
  return Float64Array.from({ length }, () => Math.random() - 0.5);
}

async function tfjsTimeMs(backend: string, n: number): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
  // dataSync() waits for the product to finish; dispose so memory does not grow across reps.
  const time = bestTimeMs(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); });
  a.dispose(); b.dispose();
  return time;
}

export async function run(): Promise<void> {
  console.log('n     ours f64 GFLOP/s   tfjs-cpu f32   tfjs-wasm f32   ours/cpu   ours/wasm');
  for (const n of SIZES) {
    const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
    const a = randomArray(n * n), b = randomArray(n * n), out = new Float64Array(n * n);
    const ours = gflops(bestTimeMs(() => matmul(a, b, n, n, n, out)));
    const cpu = gflops(await tfjsTimeMs('cpu', n));
    const wasm = gflops(await tfjsTimeMs('wasm', n));
    console.log(
      `${String(n).padEnd(6)}${ours.toFixed(2).padStart(8)}${cpu.toFixed(2).padStart(17)}${wasm.toFixed(2).padStart(16)}` +
      `${(ours / cpu).toFixed(2).padStart(11)}${(ours / wasm).toFixed(2).padStart(12)}`,
    );
  }
  // The common case in training: a batch of rows times a small weight matrix (Wine-sized
  // hidden and output layers among them).
  for (const [m, k, n] of [[256, 13, 16], [256, 16, 13], [134, 13, 16], [380, 16, 1]] as const) {
    const a = randomArray(m * k), b = randomArray(k * n), out = new Float64Array(m * n);
    const ms = bestTimeMs(() => matmul(a, b, m, k, n, out));
    console.log(`skinny ${m}×${k} · ${k}×${n}: ours ${((2 * m * k * n) / (ms * 1e6)).toFixed(2)} GFLOP/s`);
  }
}
