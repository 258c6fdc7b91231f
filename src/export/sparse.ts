/**
 * Sparse inference for unstructured pruning: each weight matrix in compressed sparse row
 * (CSR) form — per output row, the columns and values of its nonzero weights — and a forward
 * pass that touches only those. Unstructured pruning leaves the architecture as it is, so this
 * is where its savings in memory and time are realized (structured pruning shrinks instead,
 * see `shrinkModel`).
 *
 * CSR stores one value and one column index per nonzero plus one offset per row: with float64
 * values and int32 indices it is smaller than the dense matrix below 2/3 density. Whether it is
 * faster depends on the sparsity and the batch size (`npm run bench sparse`, BENCHMARKS.md).
 */
import { ACTIVATION_FUNCTIONS } from '../autograd/activations.js';
import { unscaleTarget } from '../data/index.js';
import type { Activation, MLP } from '../nn/mlp.js';
import { scaleInputs, type Model } from '../nn/model.js';

/** A `rows × columns` matrix in compressed sparse row form. */
export interface CsrMatrix {
  readonly rows: number;
  readonly columns: number;
  /** Row r's entries are `rowStart[r] .. rowStart[r + 1] − 1` (length rows + 1). */
  readonly rowStart: Int32Array;
  /** Column of each entry, ascending within a row. */
  readonly columnIndex: Int32Array;
  /** Value of each entry. */
  readonly values: Float64Array;
}

/**
 * The CSR form of a dense row-major matrix, keeping entries whose value is not 0 (a pruned
 * weight is exactly 0, and an active weight that is 0 contributes nothing either).
 */
export function toCsr(dense: Float64Array, rows: number, columns: number): CsrMatrix {
  if (dense.length !== rows * columns) throw new Error(`toCsr: ${dense.length} values for a ${rows}×${columns} matrix`);
  const rowStart = new Int32Array(rows + 1);
  let nonzeros = 0;
  for (const v of dense) if (v !== 0) nonzeros++;
  const columnIndex = new Int32Array(nonzeros);
  const values = new Float64Array(nonzeros);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const v = dense[r * columns + c]!;
      if (v === 0) continue;
      columnIndex[k] = c;
      values[k++] = v;
    }
    rowStart[r + 1] = k;
  }
  return { rows, columns, rowStart, columnIndex, values };
}

/** The dense row-major form of a CSR matrix. */
export function fromCsr(matrix: CsrMatrix): Float64Array {
  const dense = new Float64Array(matrix.rows * matrix.columns);
  for (let r = 0; r < matrix.rows; r++) {
    for (let k = matrix.rowStart[r]!; k < matrix.rowStart[r + 1]!; k++) dense[r * matrix.columns + matrix.columnIndex[k]!] = matrix.values[k]!;
  }
  return dense;
}

/** A network whose weight matrices are CSR. */
export interface SparseNetwork {
  readonly inputs: number;
  readonly outputs: number;
  readonly layers: readonly { readonly weight: CsrMatrix; readonly bias: Float64Array; readonly activation: Activation }[];
}

/** The CSR form of an MLP (biases stay dense: one per unit). */
export function sparseNetwork(net: MLP): SparseNetwork {
  return {
    inputs: net.sizes[0]!,
    outputs: net.sizes[net.sizes.length - 1]!,
    layers: net.layers.map((layer, l) => ({
      weight: toCsr(net.weight(l), layer.outputs, layer.inputs),
      bias: net.bias(l).slice(),
      activation: layer.activation,
    })),
  };
}

/**
 * The network's outputs `[rows × outputs]` (a classifier's logits) for inputs `[rows ×
 * inputs]` already scaled as the network expects, computed row by row over the nonzeros only.
 */
export function sparseForward(net: SparseNetwork, x: Float64Array): Float64Array {
  if (x.length % net.inputs !== 0) throw new Error(`sparseForward: ${x.length} values are not whole rows of ${net.inputs} inputs`);
  const rows = x.length / net.inputs;
  const widest = Math.max(net.inputs, ...net.layers.map((l) => l.weight.rows));
  let current = new Float64Array(widest);
  let next = new Float64Array(widest);
  const out = new Float64Array(rows * net.outputs);
  for (let i = 0; i < rows; i++) {
    current.set(x.subarray(i * net.inputs, (i + 1) * net.inputs));
    for (const { weight, bias, activation } of net.layers) {
      const f = ACTIVATION_FUNCTIONS[activation].value;
      const { rowStart, columnIndex, values } = weight;
      for (let r = 0; r < weight.rows; r++) {
        let sum = bias[r]!;
        for (let k = rowStart[r]!; k < rowStart[r + 1]!; k++) sum += values[k]! * current[columnIndex[k]!]!;
        next[r] = f(sum);
      }
      [current, next] = [next, current];
    }
    out.set(current.subarray(0, net.outputs), i * net.outputs);
  }
  return out;
}

/**
 * As `predictRaw`, through the CSR network: class probabilities `[rows × classes]` for a
 * classifier, values in the target's units `[rows]` for a regressor, from raw rows.
 */
export function sparsePredict(model: Model, raw: Float64Array, net: SparseNetwork = sparseNetwork(model.network)): Float64Array {
  const m = model.features.length;
  if (raw.length % m !== 0) throw new Error(`sparsePredict: ${raw.length} values are not whole rows of ${m} features`);
  const outputs = sparseForward(net, scaleInputs(model, raw));
  if (model.task === 'regression') return model.targetScaling === null ? outputs : unscaleTarget(outputs, model.targetScaling);
  const width = net.outputs;
  for (let i = 0; i < outputs.length; i += width) {
    const row = outputs.subarray(i, i + width);
    const top = Math.max(...row);
    let total = 0;
    for (let c = 0; c < width; c++) total += row[c] = Math.exp(row[c]! - top);
    for (let c = 0; c < width; c++) row[c] = row[c]! / total;
  }
  return outputs;
}
