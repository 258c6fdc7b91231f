/**
 * MacKay's evidence framework (docs/methods.md §1): the Laplace approximation of the log evidence
 * log p(D | α, s²) at a MAP fit ŵ, and the fixed-point updates of the prior precision α and the
 * regression noise variance s² that maximize it.
 *
 * With G the Gauss-Newton matrix of the NLL over the active parameters (including the factor
 * 1/s²) and A = G + diag(α):
 *
 *     log p(D) ≈ −E(ŵ) − ½ log det A + Σ_l (n_l/2) log α_l  [− (N/2) log(2π s²) for regression]
 *     γ_l = n_l − α_l · tr_l(A⁻¹)              (effective number of parameters of layer l)
 *     α_l ← γ_l / ‖ŵ_l‖²,    s² ← Σ residual² / (N − γ)
 *
 * E(ŵ) is the NLL without its normalizing constant plus ½ Σ α_j ŵ_j². With one global α, γ is
 * Σ λ_i/(λ_i + α) over the eigenvalues λ_i of G. For a linear model (no hidden layer, identity
 * output) all of this is exact Bayesian linear regression.
 */
import { cholesky, spdInverse } from '../linalg/index.js';
import type { Task } from '../data/index.js';
import { gaussNewtonMatrix } from './curvature.js';
import { alphaPerLayer, negLogLikelihood, noiseVarianceOf, type Batch, type PriorPrecision } from './losses.js';
import { forward, type MLP } from './mlp.js';
import { noGrad, Tensor } from '../autograd/index.js';

/** The Laplace evidence at ŵ and the quantities its fixed-point updates need. */
export interface LaplaceEvidence {
  /** The Laplace approximation of log p(D | α, s²). */
  readonly logEvidence: number;
  /** γ per layer: the number of parameters the data determine. */
  readonly gammaPerLayer: number[];
  /** Σ_l γ_l. */
  readonly gamma: number;
  /** log det(G + diag α) over the active parameters. */
  readonly logDeterminant: number;
  /** E(ŵ): NLL without its normalizing constant, plus the prior's ½ Σ α_j ŵ_j². */
  readonly misfit: number;
  /** ‖ŵ_l‖² over each layer's active parameters. */
  readonly squaredNorms: number[];
  /** Active parameters per layer. */
  readonly activePerLayer: number[];
  /** Σ (y − f)² over the rows (regression, standardized units; NaN for classification). */
  readonly residualSumOfSquares: number;
  /** Rows of the batch. */
  readonly rows: number;
}

/**
 * The Laplace approximation of the log evidence of the network's current weights (taken to be
 * the MAP fit at `alpha` and `noiseVariance`), with γ per layer.
 *
 * @throws when some α is not positive: with α = 0 the prior is improper, A may be singular and
 *   the evidence is not defined — the message says to use a positive α or another criterion.
 */
export function laplaceEvidence(net: MLP, batch: Batch, task: Task, alpha: PriorPrecision, noiseVariance = 1): LaplaceEvidence {
  const perLayer = alphaPerLayer(net, alpha);
  if (!perLayer.every((a) => a > 0 && Number.isFinite(a))) {
    throw new Error(
      `laplace evidence: α must be positive and finite, got ${perLayer.join(', ')} — with α = 0 the prior is improper and the evidence is undefined; ` +
        'use a positive --alpha, or --alpha elbo',
    );
  }
  const s2 = task === 'regression' ? noiseVariance : 1;
  const active = net.activeIndices();
  const k = active.length;
  const n = net.parameterCount;
  const layerOf = layerIndexOf(net);
  const full = gaussNewtonMatrix(net, batch, task, { noiseVariance: s2 });
  const a = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const row = active[i]! * n;
    for (let j = 0; j < k; j++) a[i * k + j] = full[row + active[j]!]!;
    a[i * k + i]! += perLayer[layerOf[active[i]!]!]!;
  }
  const factor = cholesky(a, k);
  let logDeterminant = 0;
  for (let i = 0; i < k; i++) logDeterminant += 2 * Math.log(factor[i * k + i]!);
  const inverse = spdInverse(a, k);
  const layers = net.layers.length;
  const trace = new Array<number>(layers).fill(0);
  const activePerLayer = new Array<number>(layers).fill(0);
  const squaredNorms = new Array<number>(layers).fill(0);
  active.forEach((j, i) => {
    const l = layerOf[j]!;
    trace[l]! += inverse[i * k + i]!;
    activePerLayer[l]!++;
    squaredNorms[l]! += net.params[j]! ** 2;
  });
  const gammaPerLayer = perLayer.map((al, l) => activePerLayer[l]! - al * trace[l]!);
  const outputs = noGrad(() => forward(net, new Tensor(net.params), batch.x));
  const nll = noGrad(() => negLogLikelihood(task, outputs, batch, Math.log(s2), false).item());
  const misfit = nll + perLayer.reduce((sum, al, l) => sum + 0.5 * al * squaredNorms[l]!, 0);
  const logPriorNormalizer = perLayer.reduce((sum, al, l) => sum + 0.5 * activePerLayer[l]! * Math.log(al), 0);
  const noiseNormalizer = task === 'regression' ? 0.5 * batch.rows * Math.log(2 * Math.PI * s2) : 0;
  const residualSumOfSquares = task === 'regression' ? noiseVarianceOf(outputs.data, batch.y) * batch.rows : Number.NaN;
  return {
    logEvidence: -misfit - 0.5 * logDeterminant + logPriorNormalizer - noiseNormalizer,
    gammaPerLayer,
    gamma: gammaPerLayer.reduce((x, y) => x + y, 0),
    logDeterminant,
    misfit,
    squaredNorms,
    activePerLayer,
    residualSumOfSquares,
    rows: batch.rows,
  };
}

/**
 * One step of MacKay's fixed point: α_l ← γ_l/‖ŵ_l‖² (per layer) or α ← γ/‖ŵ‖² (global), and
 * for regression s² ← Σ residual²/(N − γ). A layer whose weights are all zero keeps its α
 * (the update would divide by zero).
 */
export function evidenceUpdate(evidence: LaplaceEvidence, alpha: readonly number[], mode: 'global' | 'layer', task: Task): { alpha: number[]; noiseVariance: number } {
  const { gammaPerLayer, squaredNorms } = evidence;
  let next: number[];
  if (mode === 'global') {
    const norm = squaredNorms.reduce((x, y) => x + y, 0);
    const value = norm > 0 ? evidence.gamma / norm : alpha[0]!;
    next = alpha.map(() => value);
  } else {
    next = alpha.map((a, l) => (squaredNorms[l]! > 0 ? gammaPerLayer[l]! / squaredNorms[l]! : a));
  }
  const noiseVariance = task === 'regression' ? evidence.residualSumOfSquares / Math.max(evidence.rows - evidence.gamma, 1e-12) : 1;
  return { alpha: next, noiseVariance };
}

/** Layer index of every parameter, in canonical order. */
function layerIndexOf(net: MLP): Int32Array {
  const out = new Int32Array(net.parameterCount);
  net.layers.forEach((layer, l) => out.fill(l, layer.weightOffset, layer.biasOffset + layer.outputs));
  return out;
}
