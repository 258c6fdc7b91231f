/**
 * The loops behind the curvature functions of `curvature.ts`: a recorded forward pass on plain
 * Float64Arrays, the loss's derivatives with respect to the logits, and the backward pass that
 * carries, per sample, the Hessian of the loss with respect to each layer's pre-activations.
 *
 * Notation: layer l maps its input activation a_l (width n) to the pre-activation
 * z_l = W_l a_l + b_l (width m, W_l is m×n) and then a_{l+1} = σ_l(z_l). Per sample,
 * g_l = ∂ℓ/∂z_l and H_l = ∂²ℓ/∂z_l². Going one layer down,
 *
 *     g_{l-1} = σ'(z_{l-1}) ⊙ (W_lᵀ g_l)
 *     H_{l-1} = D (W_lᵀ H_l W_l) D + diag(σ''(z_{l-1}) ⊙ (W_lᵀ g_l)),   D = diag(σ'(z_{l-1})),
 *
 * and since W_l[i,j] and b_l[i] reach the loss only through z_l[i], linearly,
 * ∂²ℓ/∂W_l[i,j]² = a_l[j]² H_l[i,i] and ∂²ℓ/∂b_l[i]² = H_l[i,i] exactly.
 *
 * Samples are processed in chunks, each chunk's per-sample matrices stacked one under the
 * other, so every step is one large matrix product instead of one small product per sample.
 */
import { ACTIVATION_FUNCTIONS, type Activation } from '../autograd/activations.js';
import type { Task } from '../data/index.js';
import { matmul, matmulNT, matmulTN } from '../linalg/matmul.js';
import type { Batch } from './losses.js';
import type { MLP } from './mlp.js';

/**
 * Which curvature the backward pass carries:
 * - `exact`: the full pre-activation Hessian with the σ'' term (the exact Hessian diagonal);
 * - `gauss-newton`: the full pre-activation Hessian without the σ'' term (the GGN diagonal);
 * - `becker-lecun`: only the diagonal of the pre-activation Hessian, without the σ'' term.
 */
export type CurvatureKind = 'exact' | 'gauss-newton' | 'becker-lecun';

/** Doubles of per-sample scratch a chunk may hold (32 MB): bounds memory, keeps products large. */
const CHUNK_BUDGET = 1 << 22;

/** The network's weights as the loss sees them: pruned entries are zero whatever `params` holds. */
export function effectiveParams(net: MLP): Float64Array {
  const w = net.params.slice();
  for (let j = 0; j < w.length; j++) if (net.mask[j] === 0) w[j] = 0;
  return w;
}

/** What the backward passes need from the forward pass over a chunk of rows. */
export interface ForwardRecord {
  /** Number of rows in the chunk. */
  readonly rows: number;
  /** a_l per layer, `[rows × inputs of layer l]` (a_0 is the input chunk itself). */
  readonly inputs: Float64Array[];
  /** σ'(z_l) per layer, `[rows × outputs of layer l]`. */
  readonly slopes: Float64Array[];
  /** σ''(z_l) per layer, `[rows × outputs of layer l]`. */
  readonly bends: Float64Array[];
  /** The logits (last layer's z), `[rows × outputs]`. */
  readonly logits: Float64Array;
}

/** Writes σ(z), σ'(z), σ''(z) for one activation, element by element. */
function activateInPlace(activation: Activation, z: Float64Array, value: Float64Array, slope: Float64Array, bend: Float64Array): void {
  const f = ACTIVATION_FUNCTIONS[activation];
  for (let k = 0; k < z.length; k++) {
    const v = z[k]!;
    const a = f.value(v);
    value[k] = a;
    slope[k] = f.slope(a, v);
    bend[k] = f.curvature(a, v);
  }
}

/** The forward pass over rows `[start, start + rows)` of the batch, with everything the backward passes need. */
export function recordForward(net: MLP, w: Float64Array, batch: Batch, start: number, rows: number): ForwardRecord {
  const width0 = net.sizes[0]!;
  let a = batch.x.data.subarray(start * width0, (start + rows) * width0);
  const inputs: Float64Array[] = [];
  const slopes: Float64Array[] = [];
  const bends: Float64Array[] = [];
  let z = a;
  for (const layer of net.layers) {
    inputs.push(a);
    z = matmulNT(a, w.subarray(layer.weightOffset, layer.biasOffset), rows, layer.inputs, layer.outputs);
    for (let s = 0; s < rows; s++) {
      for (let i = 0; i < layer.outputs; i++) z[s * layer.outputs + i]! += w[layer.biasOffset + i]!;
    }
    const value = new Float64Array(z.length);
    const slope = new Float64Array(z.length);
    const bend = new Float64Array(z.length);
    activateInPlace(layer.activation, z, value, slope, bend);
    slopes.push(slope);
    bends.push(bend);
    a = value;
  }
  // The last layer is linear (the MLP constructor enforces it), so its z is the logits.
  return { rows, inputs, slopes, bends, logits: z };
}

/** The loss's gradient and Hessian with respect to the logits, per sample of a chunk. */
export interface OutputDerivatives {
  /** ∂ℓ/∂f, `[rows × outputs]`. */
  readonly gradient: Float64Array;
  /** ∂²ℓ/∂f², the per-sample `outputs × outputs` matrices stacked: `[rows·outputs × outputs]`. */
  readonly hessian: Float64Array;
}

/**
 * Derivatives of the per-sample NLL with respect to the logits f:
 * classification `ℓ = −log softmax(f)[y]`: g = p − e_y, H = diag(p) − ppᵀ;
 * regression `ℓ = ½(y − f)²/s²`: g = (f − y)/s², H = 1/s².
 */
export function outputDerivatives(task: Task, logits: Float64Array, batch: Batch, start: number, rows: number, noiseVariance: number): OutputDerivatives {
  const m = logits.length / Math.max(1, rows);
  const gradient = new Float64Array(rows * m);
  const hessian = new Float64Array(rows * m * m);
  if (task === 'regression') {
    for (let s = 0; s < rows; s++) {
      gradient[s] = (logits[s]! - batch.y[start + s]!) / noiseVariance;
      hessian[s] = 1 / noiseVariance;
    }
    return { gradient, hessian };
  }
  const p = new Float64Array(m);
  for (let s = 0; s < rows; s++) {
    // Softmax shifted by the largest logit, so exp never overflows.
    let largest = -Infinity;
    for (let o = 0; o < m; o++) largest = Math.max(largest, logits[s * m + o]!);
    let total = 0;
    for (let o = 0; o < m; o++) total += p[o] = Math.exp(logits[s * m + o]! - largest);
    for (let o = 0; o < m; o++) p[o]! /= total;
    const h = s * m * m;
    for (let o = 0; o < m; o++) {
      gradient[s * m + o] = p[o]! - (o === batch.labels[start + s] ? 1 : 0);
      for (let q = 0; q < m; q++) hessian[h + o * m + q] = (o === q ? p[o]! : 0) - p[o]! * p[q]!;
    }
  }
  return { gradient, hessian };
}

/** Rows per chunk so that a chunk's stacked per-sample matrices stay within `budget` doubles. */
function chunkRows(net: MLP, kind: CurvatureKind, rows: number, budget: number): number {
  let perSample = 1;
  for (let l = 1; l < net.layers.length; l++) {
    const m = net.layers[l]!.outputs;
    const n = net.layers[l]!.inputs;
    // H_l stacked, H_l·W_l and its transpose, and (for a full H_{l-1}) Wᵀ H_l W.
    const full = kind === 'becker-lecun' ? 0 : m * m + 2 * m * n + (l >= 2 ? n * n : 0);
    perSample = Math.max(perSample, full + m + n);
  }
  return Math.max(1, Math.min(rows, Math.floor(budget / perSample)));
}

/** The diagonal of each stacked `m × m` block: `[rows × m]`. */
function blockDiagonals(stacked: Float64Array, rows: number, m: number): Float64Array {
  const out = new Float64Array(rows * m);
  for (let s = 0; s < rows; s++) for (let i = 0; i < m; i++) out[s * m + i] = stacked[(s * m + i) * m + i]!;
  return out;
}

/**
 * Adds the chunk's contribution to layer l's diagonal: Σ_s a_j² H_ii for the weights
 * (one product Hdiagᵀ·(a⊙a), already in the `[out][in]` layout) and Σ_s H_ii for the bias.
 */
function accumulateLayerDiagonal(diagonal: Float64Array, net: MLP, l: number, input: Float64Array, curvature: Float64Array, rows: number): void {
  const layer = net.layers[l]!;
  const squared = input.map((v) => v * v);
  const weightPart = matmulTN(curvature, squared, layer.outputs, rows, layer.inputs);
  for (let k = 0; k < weightPart.length; k++) diagonal[layer.weightOffset + k]! += weightPart[k]!;
  for (let s = 0; s < rows; s++) {
    for (let i = 0; i < layer.outputs; i++) diagonal[layer.biasOffset + i]! += curvature[s * layer.outputs + i]!;
  }
}

/**
 * H_{l-1} from H_l for every sample of a chunk, as full matrices:
 * D (Wᵀ H W) D, plus diag(σ'' ⊙ Wᵀg) when `residual` is given (the exact Hessian).
 */
function propagateFull(stacked: Float64Array, weight: Float64Array, rows: number, m: number, n: number, slope: Float64Array, residual: Float64Array | null): Float64Array {
  // H·W for all samples in one product, then each m×n block transposed into Wᵀ·H (H is
  // symmetric), stacked again, so that one more product gives every Wᵀ H W at once.
  const hw = matmul(stacked, weight, rows * m, m, n);
  const wh = new Float64Array(rows * n * m);
  for (let s = 0; s < rows; s++) {
    const block = s * m * n;
    for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) wh[block + k * m + i] = hw[block + i * n + k]!;
  }
  const out = matmul(wh, weight, rows * n, m, n);
  for (let s = 0; s < rows; s++) {
    const block = s * n * n;
    for (let k = 0; k < n; k++) {
      const dk = slope[s * n + k]!;
      const row = block + k * n;
      for (let q = 0; q < n; q++) out[row + q]! *= dk * slope[s * n + q]!;
      if (residual !== null) out[row + k]! += residual[s * n + k]!;
    }
  }
  return out;
}

/**
 * Only the diagonal of H_{l-1} from the full H_l: diag(Wᵀ H W)_k = Σ_i W_ik (H·W)_ik, which
 * skips the n×n product when nothing below needs the full matrix.
 */
function propagateToDiagonal(stacked: Float64Array, weight: Float64Array, rows: number, m: number, n: number, slope: Float64Array, residual: Float64Array | null): Float64Array {
  const hw = matmul(stacked, weight, rows * m, m, n);
  const out = new Float64Array(rows * n);
  for (let s = 0; s < rows; s++) {
    const block = s * m * n;
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < n; k++) out[s * n + k]! += weight[i * n + k]! * hw[block + i * n + k]!;
    }
  }
  for (let t = 0; t < out.length; t++) {
    out[t] = slope[t]! * slope[t]! * out[t]! + (residual === null ? 0 : residual[t]!);
  }
  return out;
}

/** Becker–LeCun: h_{l-1} = σ'² ⊙ ((W⊙W)ᵀ h_l), one product for the chunk (cross terms of H_l dropped). */
function propagateDiagonalOnly(diagonal: Float64Array, weight: Float64Array, rows: number, m: number, n: number, slope: Float64Array): Float64Array {
  const out = matmul(diagonal, weight.map((v) => v * v), rows, m, n);
  for (let t = 0; t < out.length; t++) out[t]! *= slope[t]! * slope[t]!;
  return out;
}

/**
 * The diagonal of the curvature `kind` of the NLL summed over the batch, with respect to the
 * canonical parameter vector, at the weights `w` (already masked). `budget` (doubles of
 * scratch per chunk of samples) only changes how the rows are grouped, never the result.
 */
export function curvatureDiagonal(
  net: MLP, w: Float64Array, batch: Batch, task: Task, noiseVariance: number, kind: CurvatureKind, budget = CHUNK_BUDGET,
): Float64Array {
  const diagonal = new Float64Array(net.parameterCount);
  const last = net.layers.length - 1;
  const chunk = chunkRows(net, kind, batch.rows, budget);
  for (let start = 0; start < batch.rows; start += chunk) {
    const rows = Math.min(chunk, batch.rows - start);
    const record = recordForward(net, w, batch, start, rows);
    const output = outputDerivatives(task, record.logits, batch, start, rows, noiseVariance);
    let gradient = output.gradient;
    // The curvature of z_l: full stacked matrices while a layer below still needs them, else diagonals.
    let full: Float64Array | null = kind === 'becker-lecun' ? null : output.hessian;
    let diagonals = blockDiagonals(output.hessian, rows, net.layers[last]!.outputs);
    for (let l = last; l >= 0; l--) {
      accumulateLayerDiagonal(diagonal, net, l, record.inputs[l]!, diagonals, rows);
      if (l === 0) break;
      const { inputs: n, outputs: m, weightOffset, biasOffset } = net.layers[l]!;
      const weight = w.subarray(weightOffset, biasOffset);
      const slope = record.slopes[l - 1]!;
      let residual: Float64Array | null = null;
      if (kind === 'exact') {
        // Wᵀg, the gradient with respect to a_l; times σ'' it is the residual term, times σ'
        // it is the next gradient.
        const upstream = matmul(gradient, weight, rows, m, n);
        const bend = record.bends[l - 1]!;
        residual = upstream.map((v, t) => v * bend[t]!);
        gradient = upstream.map((v, t) => v * slope[t]!);
      }
      if (full === null) {
        diagonals = propagateDiagonalOnly(diagonals, weight, rows, m, n, slope);
      } else if (l === 1) {
        diagonals = propagateToDiagonal(full, weight, rows, m, n, slope, residual);
        full = null;
      } else {
        full = propagateFull(full, weight, rows, m, n, slope, residual);
        diagonals = blockDiagonals(full, rows, n);
      }
    }
  }
  return diagonal;
}

/**
 * Where each requested parameter sits: the unit (a row of some layer's weight matrix, counted
 * over all layers) it feeds, and what multiplies it in that unit's pre-activation — column j of
 * the layer's input, or 1 for the bias (−1 here).
 */
interface ParameterSites {
  /** Per requested parameter: its unit, `unitOffset[l] + row`. */
  readonly unit: Int32Array;
  /** Per requested parameter: its layer. */
  readonly layer: Int32Array;
  /** Per requested parameter: the input column it multiplies, −1 for a bias. */
  readonly input: Int32Array;
  /** Number of units (Σ of the layers' outputs). */
  readonly units: number;
  /** First unit of each layer. */
  readonly unitOffset: Int32Array;
}

function parameterSites(net: MLP, parameters: ArrayLike<number>): ParameterSites {
  const k = parameters.length;
  const unit = new Int32Array(k), layer = new Int32Array(k), input = new Int32Array(k);
  const unitOffset = new Int32Array(net.layers.length);
  let units = 0;
  net.layers.forEach((view, l) => { unitOffset[l] = units; units += view.outputs; });
  for (let a = 0; a < k; a++) {
    const p = parameters[a]!;
    const l = net.layers.findIndex((view) => p >= view.weightOffset && p < view.biasOffset + view.outputs);
    if (!Number.isInteger(p) || l < 0) throw new RangeError(`gaussNewtonGram: parameter index ${p} is outside [0, ${net.parameterCount})`);
    const view = net.layers[l]!;
    layer[a] = l;
    if (p >= view.biasOffset) {
      unit[a] = unitOffset[l]! + p - view.biasOffset;
      input[a] = -1;
    } else {
      unit[a] = unitOffset[l]! + Math.floor((p - view.weightOffset) / view.inputs);
      input[a] = (p - view.weightOffset) % view.inputs;
    }
  }
  return { unit, layer, input, units, unitOffset };
}

/**
 * K_s = D_sᵀ H_s D_s for every sample of a chunk, `[rows × units × units]`, with D_s[o, u] =
 * ∂f_o/∂z_u the logits' sensitivity to every unit's pre-activation (the identity for the output
 * layer, then backpropagated: D_{l−1} = D_l W_l diag(σ'(z_{l−1}))) and H_s the loss Hessian in
 * the logits.
 */
function unitCouplings(net: MLP, w: Float64Array, record: ForwardRecord, outputHessian: Float64Array, sites: ParameterSites): Float64Array {
  const rows = record.rows;
  const last = net.layers.length - 1;
  const outputs = net.layers[last]!.outputs;
  const units = sites.units;
  // D for all units, [rows·outputs × units], filled layer by layer from the output down.
  const d = new Float64Array(rows * outputs * units);
  let delta: Float64Array = new Float64Array(rows * outputs * outputs);
  for (let s = 0; s < rows; s++) for (let o = 0; o < outputs; o++) delta[(s * outputs + o) * outputs + o] = 1;
  for (let l = last; l >= 0; l--) {
    const view = net.layers[l]!;
    const offset = sites.unitOffset[l]!;
    for (let r = 0; r < rows * outputs; r++) {
      for (let i = 0; i < view.outputs; i++) d[r * units + offset + i] = delta[r * view.outputs + i]!;
    }
    if (l === 0) break;
    const slope = record.slopes[l - 1]!;
    delta = matmul(delta, w.subarray(view.weightOffset, view.biasOffset), rows * outputs, view.outputs, view.inputs);
    for (let r = 0; r < rows * outputs; r++) {
      const s = Math.floor(r / outputs);
      for (let j = 0; j < view.inputs; j++) delta[r * view.inputs + j]! *= slope[s * view.inputs + j]!;
    }
  }
  const coupling = new Float64Array(rows * units * units);
  const hd = new Float64Array(outputs * units);
  for (let s = 0; s < rows; s++) {
    const ds = s * outputs * units;
    hd.fill(0);
    for (let o = 0; o < outputs; o++) {
      for (let q = 0; q < outputs; q++) {
        const h = outputHessian[(s * outputs + o) * outputs + q]!;
        if (h === 0) continue;
        for (let u = 0; u < units; u++) hd[o * units + u]! += h * d[ds + q * units + u]!;
      }
    }
    const ks = s * units * units;
    for (let u = 0; u < units; u++) {
      for (let v = u; v < units; v++) {
        let sum = 0;
        for (let o = 0; o < outputs; o++) sum += d[ds + o * units + u]! * hd[o * units + v]!;
        coupling[ks + u * units + v] = sum;
        coupling[ks + v * units + u] = sum;
      }
    }
  }
  return coupling;
}

/**
 * G = Σ_s J_sᵀ H_s J_s over the batch, at the weights `w` (already masked), for the parameters
 * `active` (default all n, in canonical order): `k×k` row-major, the principal submatrix of the
 * full G in the order given, exactly symmetric.
 *
 * A parameter p reaches the logits only through its unit's pre-activation, linearly:
 * J_s[o, p] = D_s[o, u_p] · ã_s[p], with ã_s[p] the input it multiplies (1 for a bias). So
 * G[p, q] = Σ_s K_s[u_p, u_q] ã_s[p] ã_s[q] with K_s = D_sᵀ H_s D_s a small units×units matrix
 * (unitCouplings): one multiply-add per sample and entry, where Jᵀ(HJ) costs `outputs` of them.
 * With the parameters grouped by unit, the block of units (u, v) is Ãᵤᵀ·diag(K[·, u, v])·Ãᵥ;
 * all blocks v ≥ u of one unit are one matrix product, so only one block triangle is computed
 * (rows·k²/2 multiply-adds in all) and mirrored. `budget` (doubles of scratch per chunk of
 * rows) only changes how the rows are grouped, never the result beyond rounding.
 */
export function gaussNewtonGram(
  net: MLP, w: Float64Array, batch: Batch, task: Task, noiseVariance: number, budget = CHUNK_BUDGET, active?: ArrayLike<number>,
): Float64Array {
  const parameters = active ?? Int32Array.from({ length: net.parameterCount }, (_, j) => j);
  const k = parameters.length;
  const sites = parameterSites(net, parameters);
  const units = sites.units;
  // Grouped order: the parameters of unit 0, then of unit 1, ...; position[a] is where a goes.
  const grouped = Int32Array.from({ length: k }, (_, a) => a).sort((a, b) => sites.unit[a]! - sites.unit[b]! || a - b);
  const unitStart = new Int32Array(units + 1);
  for (let a = 0; a < k; a++) unitStart[sites.unit[a]! + 1]!++;
  for (let u = 0; u < units; u++) unitStart[u + 1]! += unitStart[u]!;
  const outputs = net.sizes[net.sizes.length - 1]!;
  // Scratch per row: Ã and its scaled copy (k each), K (units²), D and one layer's δ (outputs·(units + widest input)).
  let widest = outputs;
  for (const view of net.layers) widest = Math.max(widest, view.inputs);
  const perRow = 2 * k + units * units + outputs * (units + widest);
  const chunk = Math.max(1, Math.min(batch.rows, Math.floor(budget / perRow)));
  let largestUnit = 0;
  for (let u = 0; u < units; u++) largestUnit = Math.max(largestUnit, unitStart[u + 1]! - unitStart[u]!);
  const gram = new Float64Array(k * k); // in grouped order, blocks v ≥ u only
  const product = new Float64Array(largestUnit * k);
  const scaled = new Float64Array(chunk * k);
  // Per grouped column: its unit, layer and input column (−1: a bias, whose input is 1).
  const unitOf = Int32Array.from(grouped, (a) => sites.unit[a]!);
  const layerOf = Int32Array.from(grouped, (a) => sites.layer[a]!);
  const column = Int32Array.from(grouped, (a) => sites.input[a]!);
  for (let start = 0; start < batch.rows; start += chunk) {
    const rows = Math.min(chunk, batch.rows - start);
    const record = recordForward(net, w, batch, start, rows);
    const { hessian } = outputDerivatives(task, record.logits, batch, start, rows, noiseVariance);
    const coupling = unitCouplings(net, w, record, hessian, sites);
    // Ã in grouped order, [rows × k], written row by row.
    const inputs = new Float64Array(rows * k);
    for (let s = 0; s < rows; s++) {
      for (let c = 0; c < k; c++) {
        const j = column[c]!;
        inputs[s * k + c] = j < 0 ? 1 : record.inputs[layerOf[c]!]![s * net.layers[layerOf[c]!]!.inputs + j]!;
      }
    }
    for (let u = 0; u < units; u++) {
      const first = unitStart[u]!, count = unitStart[u + 1]! - first;
      if (count === 0) continue;
      const width = k - first;
      // Ãᵥ·K[s, u, v] for every v ≥ u, side by side: [rows × width].
      for (let s = 0; s < rows; s++) {
        const ks = (s * units + u) * units, to = s * width - first, from = s * k;
        for (let c = first; c < k; c++) scaled[to + c] = coupling[ks + unitOf[c]!]! * inputs[from + c]!;
      }
      const own = new Float64Array(rows * count);
      for (let s = 0; s < rows; s++) own.set(inputs.subarray(s * k + first, s * k + first + count), s * count);
      const block = product.subarray(0, count * width);
      matmulTN(own, scaled.subarray(0, rows * width), count, rows, width, block);
      for (let r = 0; r < count; r++) {
        const target = (first + r) * k + first;
        for (let c = 0; c < width; c++) gram[target + c]! += block[r * width + c]!;
      }
    }
  }
  // Back to the order asked for; entries below the computed block triangle come from its mirror.
  const position = new Int32Array(k);
  grouped.forEach((a, c) => (position[a] = c));
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      const pa = position[a]!, pb = position[b]!;
      const forward = sites.unit[a]! < sites.unit[b]! || (sites.unit[a] === sites.unit[b] && pa <= pb);
      const value = forward ? gram[pa * k + pb]! : gram[pb * k + pa]!;
      out[a * k + b] = value;
      out[b * k + a] = value;
    }
  }
  return out;
}
