/**
 * The variational objective of `fitVariational` on the fused passes: for a mean-field Gaussian
 * q(w) = Π N(μ_j, σ_j²), σ_j = softplus(ρ_j), the per-step negative ELBO estimate
 *
 *     dataScale · mean over samples of NLL(w_s, s²)  +  KL(q ‖ N(0, 1/α)),
 *     KL = Σ_active ½[α(μ² + σ²) − 1 − log α − 2 log σ],
 *
 * with its gradient with respect to μ, ρ and log s², in one pass per sample: the sample
 * w_s = μ + σ ⊙ ε_s, the forward and backward pass, and the KL's closed-form gradient.
 *
 * Two estimators of the NLL term's gradient, with the same expectation:
 * - `weight-noise` (what `fitVariational` does): one weight vector per sample, shared by all rows;
 * - `local`: the local reparameterization trick (Kingma, Salimans & Welling 2015), see
 *   `fused-local.ts`.
 */
import { sigmoidScalar, softplusScalar } from '../autograd/kernels.js';
import type { Task } from '../data/index.js';
import { FusedMlp } from './fused.js';
import { LocalReparameterization } from './fused-local.js';
import type { Batch } from './losses.js';
import type { MLP } from './mlp.js';

/** Which Monte Carlo estimator of E_q[NLL] and its gradient a step uses. */
export type VariationalEstimator = 'weight-noise' | 'local';

/** The negative ELBO estimate's terms, as one step of `fitVariational` has them. */
export interface VariationalTerms {
  readonly task: Task;
  /** Prior precision α: one for every parameter, or one per parameter in canonical order. */
  readonly alpha: number | Float64Array;
  /**
   * Standard-normal draws, one vector per Monte Carlo sample. `weight-noise`: n values, the ε
   * of w = μ + σ ⊙ ε. `local`: {@link FusedVariational.localNoiseLength}(rows) values, one per
   * row and unit of every layer (the ξ of the pre-activations, layer by layer, row-major).
   */
  readonly noise: readonly Float64Array[];
  /** Default `weight-noise`. */
  readonly estimator?: VariationalEstimator;
  /** Factor on the sample-averaged NLL: N/B for a mini-batch of B of N rows (default 1). */
  readonly dataScale?: number;
  /** Batch rows to use, in order (default: all rows). */
  readonly rows?: ArrayLike<number>;
}

/**
 * Preallocated passes for the variational objective of one network shape, up to `maxRows`
 * rows. The packed variables are `fitVariational`'s: `[μ (n), ρ (n), log s² (1)]`.
 *
 * @example
 * const fused = new FusedVariational(net, train.rows);
 * const gradient = new Float64Array(2 * n + 1);
 * const value = fused.negativeElbo(z, train, { task, alpha, noise: [rng.normals(n)], dataScale: 1 }, gradient);
 */
export class FusedVariational {
  /** The weight-noise estimator's passes (also usable alone, e.g. for Monte Carlo ELBO estimates). */
  readonly passes: FusedMlp;
  private local: LocalReparameterization | null = null;
  private readonly sigma: Float64Array;
  /** ∂(scaled NLL)/∂μ and ∂(scaled NLL)/∂σ, summed over the samples. */
  private readonly meanGradient: Float64Array;
  private readonly sigmaGradient: Float64Array;

  /**
   * @param net the architecture and mask (read at every call)
   * @param maxRows the largest batch a step will get
   */
  constructor(readonly net: MLP, readonly maxRows: number) {
    this.passes = new FusedMlp(net, maxRows);
    const n = net.parameterCount;
    this.sigma = new Float64Array(n);
    this.meanGradient = new Float64Array(n);
    this.sigmaGradient = new Float64Array(n);
  }

  /** Standard normals one `local` sample needs for `rows` rows: rows × (units of all layers). */
  localNoiseLength(rows: number): number {
    return rows * this.net.layers.reduce((units, layer) => units + layer.outputs, 0);
  }

  /**
   * The negative ELBO estimate of one step and its gradient.
   *
   * @param packed `[μ (n), ρ (n), log s² (1)]`; log s² is read for regression only
   * @param gradient receives ∂/∂packed (2n + 1 values; 0 for log s² in classification, exactly
   *   0 for pruned μ and ρ)
   * @returns the value: `dataScale · mean_s NLL(w_s) + KL`
   */
  negativeElbo(packed: Float64Array, batch: Batch, terms: VariationalTerms, gradient: Float64Array): number {
    const net = this.net;
    const n = net.parameterCount;
    if (packed.length !== 2 * n + 1 || gradient.length !== 2 * n + 1) {
      throw new Error(`FusedVariational: expected ${2 * n + 1} packed values and gradient entries, got ${packed.length} and ${gradient.length}`);
    }
    const samples = terms.noise.length;
    if (samples < 1) throw new Error('FusedVariational: needs at least one noise sample');
    const mask = net.mask;
    const sigma = this.sigma;
    for (let j = 0; j < n; j++) sigma[j] = mask[j] === 0 ? 0 : softplusScalar(packed[n + j]!);
    const rows = terms.rows;
    const count = rows === undefined ? batch.rows : rows.length;
    const input = this.passes.input(batch, rows);
    const scale = (terms.dataScale ?? 1) / samples;
    const logNoise = packed[2 * n]!;
    this.meanGradient.fill(0);
    this.sigmaGradient.fill(0);
    let nll = 0;
    let noiseSlope = 0;
    const local = (terms.estimator ?? 'weight-noise') === 'local';
    for (const noise of terms.noise) {
      const loss = local
        ? this.localSample(packed, noise, batch, rows, input, count, terms.task, logNoise, scale)
        : this.weightSample(packed, noise, batch, rows, input, count, terms.task, logNoise, scale);
      nll += loss.value;
      noiseSlope += loss.noiseSlope;
    }
    gradient[2 * n] = terms.task === 'regression' ? scale * noiseSlope : 0;
    return scale * nll + this.addKl(packed, terms.alpha, gradient);
  }

  /** One weight-noise sample: w = μ + σ ⊙ ε, a forward and backward pass, its gradients added. */
  private weightSample(
    packed: Float64Array, noise: Float64Array, batch: Batch, rows: ArrayLike<number> | undefined, input: Float64Array,
    count: number, task: Task, logNoise: number, scale: number,
  ): { value: number; noiseSlope: number } {
    const n = this.net.parameterCount;
    if (noise.length !== n) throw new Error(`FusedVariational: a weight-noise sample needs ${n} normals, got ${noise.length}`);
    const passes = this.passes;
    const mask = this.net.mask;
    const w = passes.weights;
    for (let j = 0; j < n; j++) w[j] = mask[j] === 0 ? 0 : packed[j]! + this.sigma[j]! * noise[j]!;
    passes.forward(input, count);
    const loss = passes.outputLoss(task, batch, rows, count, logNoise, true, scale);
    passes.nllGradient.fill(0);
    passes.backward(input, count);
    // ∂w/∂μ = 1 and ∂w/∂σ = ε.
    const g = passes.nllGradient;
    for (let j = 0; j < n; j++) {
      this.meanGradient[j]! += g[j]!;
      this.sigmaGradient[j]! += g[j]! * noise[j]!;
    }
    return loss;
  }

  /** One local-reparameterization sample: the pre-activations drawn row by row, its gradients added. */
  private localSample(
    packed: Float64Array, noise: Float64Array, batch: Batch, rows: ArrayLike<number> | undefined, input: Float64Array,
    count: number, task: Task, logNoise: number, scale: number,
  ): { value: number; noiseSlope: number } {
    const n = this.net.parameterCount;
    if (noise.length !== this.localNoiseLength(count)) {
      throw new Error(`FusedVariational: a local sample of ${count} rows needs ${this.localNoiseLength(count)} normals, got ${noise.length}`);
    }
    const local = (this.local ??= new LocalReparameterization(this.net, this.maxRows));
    const mask = this.net.mask;
    for (let j = 0; j < n; j++) {
      local.means[j] = mask[j] === 0 ? 0 : packed[j]!;
      local.variances[j] = this.sigma[j]! * this.sigma[j]!;
    }
    local.forward(input, count, noise);
    const width = this.net.sizes[this.net.sizes.length - 1]!;
    const loss = local.outputLoss(task, width, batch, rows, count, logNoise, scale);
    local.meanGradient.fill(0);
    local.varianceGradient.fill(0);
    local.backward(input, count, noise);
    // ∂σ²/∂σ = 2σ.
    for (let j = 0; j < n; j++) {
      this.meanGradient[j]! += local.meanGradient[j]!;
      this.sigmaGradient[j]! += 2 * this.sigma[j]! * local.varianceGradient[j]!;
    }
    return loss;
  }

  /**
   * Adds the KL's gradient to the NLL's, writes ∂/∂μ and ∂/∂ρ (σ' = sigmoid(ρ)) into
   * `gradient`, exactly 0 where pruned, and returns the KL.
   */
  private addKl(packed: Float64Array, alpha: number | Float64Array, gradient: Float64Array): number {
    const n = this.net.parameterCount;
    const mask = this.net.mask;
    if (typeof alpha !== 'number' && alpha.length !== n) throw new Error(`FusedVariational: expected ${n} prior precisions, got ${alpha.length}`);
    const logAlpha = typeof alpha === 'number' ? Math.log(alpha) : 0;
    let kl = 0;
    for (let j = 0; j < n; j++) {
      if (mask[j] === 0) {
        gradient[j] = 0;
        gradient[n + j] = 0;
        continue;
      }
      const a = typeof alpha === 'number' ? alpha : alpha[j]!;
      const mu = packed[j]!;
      const s = this.sigma[j]!;
      kl += 0.5 * (a * (mu * mu + s * s) - 1 - (typeof alpha === 'number' ? logAlpha : Math.log(a)) - 2 * Math.log(s));
      gradient[j] = this.meanGradient[j]! + a * mu;
      gradient[n + j] = (this.sigmaGradient[j]! + a * s - 1 / s) * sigmoidScalar(packed[n + j]!);
    }
    return kl;
  }
}
