/**
 * Sparse (CSR) against dense forward passes of unstructured-pruned MLPs, at 0%, 50%, 90% and
 * 97% of the weights pruned (uniformly at random), on a 784-256-10 and a 64-32-10 tanh net,
 * for one row at a time (on-device inference) and a batch of 256 rows.
 *
 * Dense is the same row loop over every weight (what an export without CSR runs), and for the
 * batch also prunus's blocked matmul (`matmulNT`, the fastest dense route prunus has). Times
 * are per row, best of several batches (see `bestTimeMs`).
 */
import { ACTIVATION_FUNCTIONS } from '../src/autograd/activations.js';
import { sparseForward, sparseNetwork } from '../src/export/sparse.js';
import { matmulNT } from '../src/linalg/index.js';
import { MLP } from '../src/nn/mlp.js';
import { Random } from '../src/random/random.js';
import { bestTimeMs } from './matmul.bench.js';

const SPARSITIES = [0, 0.5, 0.9, 0.97];
const NETS = [[784, 256, 10], [64, 32, 10]] as const;
const BATCH = 256;

/** Dense forward, one row at a time, every weight read (pruned ones are zeros). */
function denseRows(net: MLP, x: Float64Array): Float64Array {
  const inputs = net.sizes[0]!;
  const outputs = net.sizes[net.sizes.length - 1]!;
  const rows = x.length / inputs;
  const out = new Float64Array(rows * outputs);
  for (let i = 0; i < rows; i++) {
    let h = x.subarray(i * inputs, (i + 1) * inputs);
    net.layers.forEach((layer, l) => {
      const w = net.weight(l);
      const b = net.bias(l);
      const f = ACTIVATION_FUNCTIONS[layer.activation].value;
      const next = new Float64Array(layer.outputs);
      for (let r = 0; r < layer.outputs; r++) {
        let sum = b[r]!;
        const offset = r * layer.inputs;
        for (let c = 0; c < layer.inputs; c++) sum += w[offset + c]! * h[c]!;
        next[r] = f(sum);
      }
      h = next;
    });
    out.set(h, i * outputs);
  }
  return out;
}

/** Dense forward of a batch through the blocked matmul kernel. */
function denseMatmul(net: MLP, x: Float64Array): Float64Array {
  let h = x;
  const rows = x.length / net.sizes[0]!;
  net.layers.forEach((layer, l) => {
    const z = matmulNT(h, net.weight(l), rows, layer.inputs, layer.outputs);
    const b = net.bias(l);
    const f = ACTIVATION_FUNCTIONS[layer.activation].value;
    for (let k = 0; k < z.length; k++) z[k] = f(z[k]! + b[k % layer.outputs]!);
    h = z;
  });
  return h;
}

export async function run(): Promise<void> {
  const rng = new Random(7);
  // One unprinted round first: the first configuration measured otherwise pays for the JIT's tiering.
  measure([784, 256, 10], 0.5, rng);
  console.log('net          pruned   1 row: dense µs   CSR µs   dense/CSR   256 rows: dense µs/row   matmul µs/row   CSR µs/row   best dense/CSR');
  for (const sizes of NETS) {
    for (const sparsity of SPARSITIES) {
      const { dense1, csr1, denseB, matmulB, csrB } = measure(sizes, sparsity, rng);
      console.log(
        `${sizes.join('-').padEnd(13)}${`${(100 * sparsity).toFixed(0)}%`.padStart(6)}${dense1.toFixed(2).padStart(19)}${csr1.toFixed(2).padStart(9)}` +
          `${(dense1 / csr1).toFixed(2).padStart(12)}${denseB.toFixed(2).padStart(26)}${matmulB.toFixed(2).padStart(16)}${csrB.toFixed(2).padStart(13)}` +
          `${(Math.min(denseB, matmulB) / csrB).toFixed(2).padStart(17)}`,
      );
    }
  }
}

/** Microseconds per row of each route on a random net of the given sizes and sparsity. */
function measure(sizes: readonly number[], sparsity: number, rng: Random): Record<'dense1' | 'csr1' | 'denseB' | 'matmulB' | 'csrB', number> {
  const net = MLP.initialized(sizes, ['tanh', 'identity'], rng);
  const prunable = Array.from({ length: net.parameterCount }, (_, j) => j).filter((j) => net.locate(j).kind === 'weight');
  net.prune(prunable.filter(() => rng.uniform() < sparsity));
  const sparse = sparseNetwork(net);
  const one = Float64Array.from({ length: sizes[0]! }, () => rng.normal());
  const batch = Float64Array.from({ length: BATCH * sizes[0]! }, () => rng.normal());
  const check = sparseForward(sparse, batch);
  const reference = denseMatmul(net, batch);
  if (check.some((v, k) => Math.abs(v - reference[k]!) > 1e-9)) throw new Error('sparse and dense forward passes disagree');
  const us = (ms: number, rows: number) => (1000 * ms) / rows;
  return {
    dense1: us(bestTimeMs(() => denseRows(net, one), 100, 5), 1),
    csr1: us(bestTimeMs(() => sparseForward(sparse, one), 100, 5), 1),
    denseB: us(bestTimeMs(() => denseRows(net, batch), 100, 5), BATCH),
    matmulB: us(bestTimeMs(() => denseMatmul(net, batch), 100, 5), BATCH),
    csrB: us(bestTimeMs(() => sparseForward(sparse, batch), 100, 5), BATCH),
  };
}
