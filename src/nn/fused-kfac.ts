/**
 * A Kronecker-factored preconditioner (K-FAC, Martens & Grosse 2015) for the conjugate-gradient
 * solves of a Newton-type MAP fit: per layer, the Gauss-Newton block plus the prior,
 *
 *     M_l = A_l ⊗ B_l + α_l I,   A_l = Σ_s Σ_{o,q} H_{s,oq} d^o_s d^qᵀ_s,   B_l = (1/N) Σ_s ā_s ā_sᵀ,
 *
 * with d^o_s = ∂f_o/∂z_l (`FusedCurvature.outputChains`) and ā_s = [a_s; 1] the layer's input
 * with a one for the bias. The exact block is Σ_s C_s ⊗ ā_s ā_sᵀ; K-FAC takes the per-sample
 * factors as independent. Layers are treated as independent too (M is block diagonal).
 *
 * Why not the diagonal (Jacobi): in the near-linear regime a small-residual regression fit
 * settles in, d_s hardly varies between samples, so a hidden layer's block is close to
 * rank-deficient in the units (vvᵀ ⊗ XᵀX for one output) and strongly coupled across inputs
 * when the inputs are correlated; a diagonal sees neither, the Kronecker factors see both.
 *
 * M⁻¹ is applied through the factors' eigendecompositions, A = Q_A Λ_A Q_Aᵀ, B = Q_B Λ_B Q_Bᵀ:
 * M⁻¹ vec(Θ) = vec(Q_A [(Q_Aᵀ Θ Q_B) ⊘ (λ_A λ_Bᵀ + α)] Q_Bᵀ), Θ = [W_l, b_l] (m × (n+1)) —
 * four small products per layer, negligible beside a curvature product.
 */
import { symmetricEigen } from '../linalg/eigen.js';
import { matmul, matmulNT, matmulTN } from '../linalg/matmul.js';
import type { FusedCurvature } from './fused-curvature.js';

/** One layer's factors, their eigendecompositions and scratch. */
interface LayerFactors {
  readonly m: number;
  /** n + 1: the layer's inputs and the bias. */
  readonly k: number;
  readonly a: Float64Array;
  /** Σ_s e_s e_sᵀ's e_s = Σ_o p_o d^o_s (classification), `[rows × m]`. */
  readonly sums: Float64Array;
  readonly scaled: Float64Array;
  vectorsA: Float64Array;
  valuesA: Float64Array;
  vectorsB: Float64Array;
  valuesB: Float64Array;
  /** The prior precision α_l plus a floor (so a zero α leaves M positive definite). */
  shift: number;
  readonly theta: Float64Array;
  readonly work: Float64Array;
}

/**
 * The K-FAC preconditioner of a {@link FusedCurvature}'s network, rebuilt at its current
 * linearization point by {@link update}, applied by {@link apply}.
 */
export class KroneckerPreconditioner {
  private readonly layers: LayerFactors[];
  /** B_0 of the last whole-batch input (the data do not change between points of one fit). */
  private inputFactor: { input: Float64Array; count: number; vectors: Float64Array; values: Float64Array } | null = null;

  constructor(readonly curvature: FusedCurvature) {
    const maxRows = curvature.passes.maxRows;
    this.layers = curvature.net.layers.map(({ inputs, outputs }) => ({
      m: outputs,
      k: inputs + 1,
      a: new Float64Array(outputs * outputs),
      sums: new Float64Array(maxRows * outputs),
      scaled: new Float64Array(maxRows * outputs),
      vectorsA: new Float64Array(0),
      valuesA: new Float64Array(0),
      vectorsB: new Float64Array(0),
      valuesB: new Float64Array(0),
      shift: 0,
      theta: new Float64Array(outputs * (inputs + 1)),
      work: new Float64Array(outputs * (inputs + 1)),
    }));
  }

  /**
   * Rebuilds the factors at the curvature's linearization point, with the prior precision α_l of
   * each layer (one per layer) added to its block.
   */
  update(alpha: readonly number[]): void {
    const net = this.curvature.net;
    if (alpha.length !== net.layers.length) throw new Error(`KroneckerPreconditioner: expected ${net.layers.length} prior precisions, got ${alpha.length}`);
    const { input, count: all, wholeBatch, weight, task, probabilities } = this.curvature.linearization();
    const classification = task === 'classification';
    const width = net.layers[net.layers.length - 1]!.outputs;
    // The factors are averages: estimated from evenly spaced rows when there are many, since
    // their cost (outputs × rows × width²) is paid at every point and they only precondition.
    const stride = Math.ceil(all / FACTOR_ROWS);
    const sample = stride > 1 ? Int32Array.from({ length: Math.ceil(all / stride) }, (_, k) => k * stride) : undefined;
    const count = sample?.length ?? all;
    for (const f of this.layers) {
      f.a.fill(0);
      f.sums.fill(0, 0, count * f.m);
    }
    const product = new Float64Array(Math.max(...this.layers.map((f) => f.m * f.m)));
    this.curvature.outputChains((o, l, d) => {
      const f = this.layers[l]!;
      const rows = d.subarray(0, count * f.m);
      let chain = rows;
      if (classification) {
        // Σ_s p_o d dᵀ as (√p ⊙ d)ᵀ(√p ⊙ d), and e_s += p_o d for the −Σ e eᵀ term.
        chain = f.scaled.subarray(0, count * f.m);
        for (let r = 0, at = 0; r < count; r++) {
          const p = probabilities[(sample?.[r] ?? r) * width + o]!;
          const root = Math.sqrt(p);
          for (let i = 0; i < f.m; i++, at++) {
            chain[at] = root * rows[at]!;
            f.sums[at]! += p * rows[at]!;
          }
        }
      }
      const block = product.subarray(0, f.m * f.m);
      matmulTN(chain, chain, f.m, count, f.m, block);
      for (let t = 0; t < block.length; t++) f.a[t]! += block[t]!;
    }, sample);
    this.layers.forEach((f, l) => {
      if (classification) {
        const sums = f.sums.subarray(0, count * f.m);
        const block = product.subarray(0, f.m * f.m);
        matmulTN(sums, sums, f.m, count, f.m, block);
        for (let t = 0; t < block.length; t++) f.a[t]! -= block[t]!;
      }
      for (let t = 0; t < f.a.length; t++) f.a[t]! *= (weight * all) / count;
      const eigenA = symmetricEigen(symmetrized(f.a, f.m), f.m);
      f.vectorsA = eigenA.vectors;
      f.valuesA = eigenA.values.map((v) => Math.max(v, 0));
      const b = l === 0 ? this.firstInputFactor(input, all, wholeBatch) : inputEigen(gatherRows(this.curvature.passes.layerValues(l - 1), f.k - 1, sample, count), count, f.k - 1);
      f.vectorsB = b.vectors;
      f.valuesB = b.values;
      const largest = (f.valuesA[0] ?? 0) * (f.valuesB[0] ?? 0);
      f.shift = alpha[l]! + (largest > 0 ? 1e-10 * largest : 1e-10);
    });
  }

  /** B_0's eigendecomposition, reused while the pass reads the same whole batch. */
  private firstInputFactor(input: Float64Array, count: number, wholeBatch: boolean): { vectors: Float64Array; values: Float64Array } {
    const cached = this.inputFactor;
    if (wholeBatch && cached !== null && cached.input === input && cached.count === count) return cached;
    const eigen = inputEigen(input, count, this.layers[0]!.k - 1);
    this.inputFactor = wholeBatch ? { input, count, ...eigen } : null;
    return eigen;
  }

  /** `out = M⁻¹ r`, exactly 0 at pruned parameters (whose entries of `r` are ignored). */
  apply(r: Float64Array, out: Float64Array): void {
    const net = this.curvature.net;
    const mask = net.mask;
    net.layers.forEach(({ inputs, weightOffset, biasOffset }, l) => {
      const f = this.layers[l]!;
      const { m, k, theta, work } = f;
      if (f.vectorsA.length === 0) throw new Error('KroneckerPreconditioner.apply: call update first');
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < inputs; j++) {
          const at = weightOffset + i * inputs + j;
          theta[i * k + j] = mask[at] === 0 ? 0 : r[at]!;
        }
        theta[i * k + inputs] = mask[biasOffset + i] === 0 ? 0 : r[biasOffset + i]!;
      }
      matmulTN(f.vectorsA, theta, m, m, k, work);
      matmul(work, f.vectorsB, m, k, k, theta);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < k; j++) theta[i * k + j]! /= f.valuesA[i]! * f.valuesB[j]! + f.shift;
      }
      matmul(f.vectorsA, theta, m, m, k, work);
      matmulNT(work, f.vectorsB, m, k, k, theta);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < inputs; j++) {
          const at = weightOffset + i * inputs + j;
          out[at] = mask[at] === 0 ? 0 : theta[i * k + j]!;
        }
        out[biasOffset + i] = mask[biasOffset + i] === 0 ? 0 : theta[i * k + inputs]!;
      }
    });
  }
}

/** Rows the factors are estimated from, at most (evenly spaced over the pass's rows). */
const FACTOR_ROWS = 512;

/** Rows `sample` of a `[rows × width]` array (all of its first `count` rows without a sample). */
function gatherRows(a: Float64Array, width: number, sample: Int32Array | undefined, count: number): Float64Array {
  if (sample === undefined) return a.subarray(0, count * width);
  const out = new Float64Array(count * width);
  for (let k = 0; k < count; k++) out.set(a.subarray(sample[k]! * width, (sample[k]! + 1) * width), k * width);
  return out;
}

/** (M + Mᵀ)/2: the rounding of a product of a matrix with itself can leave it a hair asymmetric. */
function symmetrized(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  return out;
}

/**
 * Eigendecomposition of B = (1/N) Σ_s ā_s ā_sᵀ, ā_s = [a_s; 1], for `count` rows of width n
 * (eigenvalues clamped at 0 against rounding).
 */
function inputEigen(a: Float64Array, count: number, n: number): { vectors: Float64Array; values: Float64Array } {
  const k = n + 1;
  const rows = a.subarray(0, count * n);
  const gram = matmulTN(rows, rows, n, count, n);
  const b = new Float64Array(k * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * k + j] = gram[i * n + j]! / count;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let r = 0; r < count; r++) sum += rows[r * n + j]!;
    b[j * k + n] = b[n * k + j] = sum / count;
  }
  b[n * k + n] = 1;
  const eigen = symmetricEigen(symmetrized(b, k), k);
  return { vectors: eigen.vectors, values: eigen.values.map((v) => Math.max(v, 0)) };
}
