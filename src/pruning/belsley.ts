/**
 * Belsley–Kuh–Welsch collinearity diagnostics, applied to parameters instead of regressors
 * (docs/methods.md §2 item 4): condition indices and variance-decomposition proportions of a
 * symmetric positive semi-definite matrix `M = U Λ Uᵀ`, the least relevant parameter `ξ`
 * (the one carrying the largest share of the strongest dependency), and pruning by removing
 * `ξ` and recomputing while the largest condition index exceeds a threshold.
 *
 * Matrices are flat row-major `Float64Array`s. Everything here is a pure function.
 */
import { choleskyFactor, inverseDiagonal, type CholeskyFactor } from '../linalg/cholesky.js';
import { symmetricEigen } from '../linalg/eigen.js';
import { frobeniusNorm } from '../linalg/basics.js';
import { largestEigenvalue } from '../linalg/extreme-eigen.js';
import { lowestCluster, projectorDiagonalBounds } from '../linalg/lowest-cluster.js';
import { matmulTN } from '../linalg/matmul.js';

const EPSILON = Number.EPSILON;

/**
 * What rounding can explain, relative to the matrix's scale. A negative eigenvalue of magnitude
 * up to `√ε·λ_max` is rounding (a covariance of many samples, or an eigensolver, easily produces
 * −1e-14·λ_max); anything more negative means the matrix is genuinely indefinite, and Belsley's
 * proportions are meaningless for it. Likewise for asymmetry between `M_ij` and `M_ji`.
 */
const ROUNDING_TOLERANCE = Math.sqrt(EPSILON);

/**
 * Two parameters whose scores differ by less than this are tied, and the lower index wins.
 * Structural ties are common (in the illustration four columns carry exactly 5/8 of the null
 * space each); without a tolerance, rounding in the last bits would pick among them.
 */
const TIE_TOLERANCE = 1e-9;

/**
 * The smallest `c` in the exact-dependency threshold `λ_max · c · ε`. docs/methods.md §2 item 4 says
 * `c = n`; for small `n` that is tighter than the eigensolver's own error: on exactly singular
 * `B·Bᵀ` with small integer `B` (200 000 random cases, n ≤ 12) the computed null eigenvalues
 * reach 4.5·ε·λ_max at n = 3–5, above the literal 3ε, 4ε — an exact dependency would then get a
 * finite η ≈ 1e15 and be treated differently from its twin. From n = 10 on this is the `n` of docs/methods.md.
 */
const MIN_TOLERANCE_FACTOR = 10;

/** Options of {@link belsleyDiagnostics}. */
export interface BelsleyOptions {
  /**
   * Scale `M` to unit diagonal first, `M_ij / √(M_ii M_jj)`, as R's `colldiag` scales the
   * columns of a design matrix, so the diagnostics do not depend on each parameter's units.
   * A parameter with zero variance (`M_jj = 0`) keeps a zero row and column: it is an exact
   * dependency on its own (a constant), and is reported as one instead of becoming NaN.
   */
  readonly scale?: boolean;
}

/** The result of {@link belsleyDiagnostics}; `n` is the matrix order, components are eigenpairs. */
export interface BelsleyDiagnostics {
  /** Matrix order (number of parameters). */
  readonly n: number;
  /**
   * Eigenvalues `λ_k` of the analysed matrix (after scaling when `scaled`), descending, as the
   * eigensolver returned them: exact dependencies may show as tiny values of either sign.
   */
  readonly eigenvalues: Float64Array;
  /** `η_k = λ_max / λ_k`, ascending; `Infinity` for exact dependencies (`λ_k ≤ tolerance`). */
  readonly conditionIndices: Float64Array;
  /**
   * Variance-decomposition proportions, `n×n` row-major: entry `[j·n + k]` is the share of
   * parameter `j`'s variance that comes from component `k`. Every row lies in [0, 1] and sums
   * to 1. Exact dependencies are handled as described in {@link belsleyDiagnostics}.
   */
  readonly proportions: Float64Array;
  /** Number of components that are exact dependencies (`λ_k ≤ tolerance`). */
  readonly exactDependencies: number;
  /**
   * Per parameter, `Σ_{k exact} u_jk²`: the diagonal of the orthogonal projector onto the exact
   * null space, i.e. how much of the exact dependencies parameter `j` carries (all 0 when there
   * are none). Unlike per-component proportions it does not depend on the arbitrary basis the
   * eigensolver picks inside a null space of dimension above one.
   */
  readonly nullSpaceShare: Float64Array;
  /** `k* = argmax_k η_k`: the component with the smallest eigenvalue (index `n − 1`). */
  readonly mostDegenerate: number;
  /**
   * The components `ξ` was chosen from: all exact dependencies when there are any, otherwise
   * the components whose eigenvalue equals the smallest one within `tolerance` (usually just
   * `k*`). Inside such a group the eigenvectors are defined only up to rotation.
   */
  readonly degenerateComponents: readonly number[];
  /**
   * Per parameter `Σ_{k ∈ degenerateComponents} u_jk²`: its share of the degenerate group's
   * eigenspace (of k*'s eigenvector when the group is k* alone); basis-free, the tie-breaker of ξ.
   */
  readonly eigenspaceShare: Float64Array;
  /**
   * The score `ξ` maximizes, per parameter: `nullSpaceShare` when there are exact
   * dependencies, otherwise `Σ_{k ∈ degenerateComponents} q_jk` (which is `q_{j k*}`, BKW's own
   * rule, when the group is the single component `k*`).
   */
  readonly degenerateShare: Float64Array;
  /**
   * `ξ`: the parameter with the largest `degenerateShare`. Ties (within 1e-9) are broken by the
   * share of the degenerate group's eigenspace, `Σ_{k ∈ degenerateComponents} u_jk²`, then
   * towards the lower index.
   */
  readonly leastRelevant: number;
  /**
   * Absolute threshold `λ_max · max(n, 10) · ε` at or below which an eigenvalue is an exact
   * dependency (docs/methods.md's `λ_max · n · ε` (§2 item 4), floored for small `n`: see the source).
   */
  readonly tolerance: number;
  /** Whether `M` was scaled to unit diagonal before the decomposition. */
  readonly scaled: boolean;
}

/**
 * Belsley–Kuh–Welsch collinearity diagnostics of a symmetric positive semi-definite matrix.
 *
 * With `M = U Λ Uᵀ` (λ descending): condition indices `η_k = λ_max / λ_k`, proportions
 * `q_jk = (u_jk² / λ_k) / Σ_l (u_jl² / λ_l)`, the most degenerate component
 * `k* = argmax η` and the least relevant parameter `ξ = argmax_j q_{j k*}`.
 *
 * Exact dependencies — eigenvalues at or below `tolerance = λ_max · max(n, 10) · ε`, including the
 * slightly negative ones rounding produces — get `η = Infinity`, and:
 * - Proportions are computed with every eigenvalue floored at the tolerance,
 *   `λ̂_k = max(λ_k, tolerance)`. Below the tolerance an eigenvalue is indistinguishable from
 *   rounding, so this is the most the data can say, and it is the limit one wants: a parameter
 *   with real mass `p_j` in the null space gets `q_jk ≈ u_jk² / p_j` on the null components and
 *   ≈ 0 on the others; a parameter outside it (whose `p_j` is rounding noise, far below the
 *   tolerance) keeps the ordinary finite formula. The floor also keeps the proportions a
 *   continuous function of `M` as an eigenvalue crosses the threshold, never NaN, never
 *   negative. When `M = 0` every component is null and `q_jk = u_jk²`.
 * - `ξ` is the parameter with the largest share of the whole null space (the diagonal of its
 *   projector, {@link BelsleyDiagnostics.nullSpaceShare}), not of one null component: every
 *   parameter touching the null space has (in the limit) all its variance there, so
 *   `q_{j k*}` ties at 1 among them; and with two or more exact dependencies the individual
 *   null eigenvectors are an arbitrary, rounding-chosen basis, while the projector is not.
 *   For one exact dependency `Σ c_j w_j = 0` (`‖c‖ = 1`) the share is `c_j²`.
 * - Without exact dependencies `ξ = argmax_j q_{j k*}` (summed over components whose eigenvalue
 *   ties with the smallest). When `k*` is a dependency just above the threshold, that is ≈ 1
 *   for every parameter in it; such ties are broken by `u_{j k*}²`, the share the exact rule
 *   would use, so `ξ` does not jump when an eigenvalue crosses the threshold.
 *
 * The result is invariant to the signs of eigenvectors and, up to exact ties (broken towards
 * the lower index), to permuting the parameters.
 *
 * @param m symmetric PSD matrix, `n×n` row-major (a covariance, or an information matrix);
 *   asymmetry from rounding is averaged away, larger asymmetry is an error.
 * @param n matrix order, at least 1.
 * @throws RangeError if `m` has the wrong length, non-finite entries, is not symmetric, or is
 *   indefinite beyond rounding (an eigenvalue below `−√ε · λ_max`).
 * @example
 * const d = belsleyDiagnostics(new Float64Array([1, 1, 1, 1]), 2); // two identical parameters
 * d.conditionIndices; // [1, Infinity]
 * d.leastRelevant;    // 0 (a tie: both carry half of the dependency)
 */
export function belsleyDiagnostics(m: Float64Array, n: number, options: BelsleyOptions = {}): BelsleyDiagnostics {
  const scaled = options.scale ?? false;
  const matrix = symmetrized(m, n, 'belsleyDiagnostics');
  if (scaled) scaleToUnitDiagonal(matrix, n);
  // Bring the largest entry near 1 by a power of two (exact, so nothing is rounded): the
  // diagnostics do not depend on the scale of M, and the eigensolver's sums of squares would
  // overflow for entries near 1e300 or lose the small entries near 1e-300.
  const unit = powerOfTwoNear(largestAbs(matrix));
  for (let i = 0; i < n * n; i++) matrix[i]! /= unit;
  const { values, vectors } = symmetricEigen(matrix, n);
  for (let k = 0; k < n; k++) values[k]! *= unit;

  const lambdaMax = values[0]!;
  const lambdaMin = values[n - 1]!;
  if (!Number.isFinite(lambdaMax) || !Number.isFinite(lambdaMin)) {
    throw new RangeError('belsleyDiagnostics: the eigensolver returned a non-finite eigenvalue');
  }
  if (lambdaMin < -ROUNDING_TOLERANCE * Math.max(lambdaMax, 0) || (lambdaMax <= 0 && lambdaMin < 0)) {
    throw new RangeError(
      `belsleyDiagnostics: the matrix is not positive semi-definite (eigenvalue ${lambdaMin} against largest ${lambdaMax})`,
    );
  }
  // Relative eigenvalues keep the weights 1/λ̂ below 1/(n·ε) whatever the scale of M, so a
  // tiny (or huge) matrix neither overflows nor underflows.
  const relativeTolerance = Math.max(n, MIN_TOLERANCE_FACTOR) * EPSILON;
  const tolerance = lambdaMax * relativeTolerance;
  const isNull = (k: number): boolean => lambdaMax <= 0 || values[k]! <= tolerance;

  const conditionIndices = new Float64Array(n);
  const weight = new Float64Array(n);
  let exactDependencies = 0;
  for (let k = 0; k < n; k++) {
    if (isNull(k)) {
      exactDependencies++;
      conditionIndices[k] = Infinity;
    } else {
      conditionIndices[k] = lambdaMax / values[k]!;
    }
    // With M = 0 all weights are equal (1) and q_jk = u_jk²: every direction is a dependency.
    weight[k] = lambdaMax > 0 ? 1 / Math.max(values[k]! / lambdaMax, relativeTolerance) : 1;
  }

  const proportions = new Float64Array(n * n);
  const nullSpaceShare = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let variance = 0;
    let nullShare = 0;
    for (let k = 0; k < n; k++) {
      const u2 = vectors[j * n + k]! ** 2;
      const part = u2 * weight[k]!;
      proportions[j * n + k] = part;
      variance += part;
      if (isNull(k)) nullShare += u2;
    }
    // variance ≥ Σ_k u_jk² = 1 because every weight is at least 1: never zero, never NaN.
    for (let k = 0; k < n; k++) proportions[j * n + k]! /= variance;
    nullSpaceShare[j] = nullShare;
  }

  const mostDegenerate = n - 1;
  const degenerateComponents: number[] = [];
  for (let k = 0; k < n; k++) {
    if (exactDependencies > 0 ? isNull(k) : values[k]! - lambdaMin <= tolerance) degenerateComponents.push(k);
  }
  // Σ_{k∈G} u_jk² is the diagonal of the projector onto the group's eigenspace: basis-free.
  const eigenspaceShare = new Float64Array(n);
  const proportionShare = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (const k of degenerateComponents) {
      eigenspaceShare[j]! += vectors[j * n + k]! ** 2;
      proportionShare[j]! += proportions[j * n + k]!;
    }
  }
  const degenerateShare = exactDependencies > 0 ? nullSpaceShare : proportionShare;

  return {
    n,
    eigenvalues: values,
    conditionIndices,
    proportions,
    exactDependencies,
    nullSpaceShare,
    mostDegenerate,
    degenerateComponents,
    eigenspaceShare,
    degenerateShare,
    leastRelevant: argmaxWithTies(degenerateShare, eigenspaceShare),
    tolerance,
    scaled,
  };
}

/** Options of {@link belsleyFastDiagnostics}. */
export interface BelsleyFastOptions extends BelsleyOptions {
  /**
   * A number known to be at most λ_min(M) (before any scaling), e.g. α for `M = G + αI` with G
   * PSD. It only changes the speed: the smallest eigenvalues are found by inverse iteration
   * shifted to just below it, a few steps when they sit at or near it (as when G is singular).
   * Default 0, valid for any PSD M.
   */
  readonly spectrumFloor?: number;
}

/**
 * What {@link belsleyFastDiagnostics} computes: the scores and ξ of {@link belsleyDiagnostics},
 * from the smallest eigenpairs and diag(M⁻¹) only. The condition indices and proportions of the
 * other components are not computed.
 */
export interface BelsleyFastDiagnostics {
  readonly n: number;
  /**
   * λ_max by Lanczos: a lower bound with a residual below 1e-10·λ_max (a crowded top may stop
   * short of that after 80 steps). It only sets the tolerance and the largest condition index,
   * not the scores.
   */
  readonly largestEigenvalue: number;
  /**
   * The smallest eigenvalues found, ascending: the degenerate group (to rounding), then the next
   * one, which only bounds the gap and is known to within an eighth of it (from above).
   */
  readonly smallestEigenvalues: Float64Array;
  /** λ_max / λ_min: the largest condition index. */
  readonly largestConditionIndex: number;
  /** Always 0: the fast path is taken only when the smallest eigenvalue is far above the tolerance. */
  readonly exactDependencies: 0;
  /** `k* = n − 1`, as in {@link BelsleyDiagnostics.mostDegenerate}. */
  readonly mostDegenerate: number;
  /** As {@link BelsleyDiagnostics.degenerateComponents}: `n − m … n − 1` for a group of m. */
  readonly degenerateComponents: readonly number[];
  /** Per parameter Σ_{k ∈ group} u_jk²: its share of k*'s eigenvector (of the group's eigenspace). */
  readonly eigenspaceShare: Float64Array;
  /** Per parameter [M⁻¹]_jj = Σ_l u_jl²/λ_l, the proportions' denominator, from a Cholesky factor. */
  readonly inverseDiagonal: Float64Array;
  /** As {@link BelsleyDiagnostics.degenerateShare}: Σ_{k ∈ group} (u_jk²/λ_k) / [M⁻¹]_jj. */
  readonly degenerateShare: Float64Array;
  /** ξ, chosen exactly as {@link BelsleyDiagnostics.leastRelevant}. */
  readonly leastRelevant: number;
  /** `λ_max · max(n, 10) · ε`, as in {@link BelsleyDiagnostics.tolerance}. */
  readonly tolerance: number;
  readonly scaled: boolean;
  /** λ_{m+1} − λ_m: how far the group is from the rest of the spectrum. */
  readonly gap: number;
  /** The largest bound on the difference of a score from the full path's (see belsleyFastDiagnostics): the order is certain despite it. */
  readonly scoreError: number;
  /** Shifted subspace iterations and the block size used. */
  readonly iterations: number;
  readonly blockSize: number;
}

/** Either the fast diagnostics, or why they cannot stand in for the full decomposition. */
export type BelsleyFastResult =
  | { readonly ok: true; readonly diagnostics: BelsleyFastDiagnostics }
  | { readonly ok: false; readonly reason: string };

/** Below this order the full decomposition is cheap and is always used. */
const FAST_MIN_ORDER = 16;

/** First block size of the subspace iteration, and the extra vectors kept beyond the group and the next one. */
const FIRST_BLOCK = 24, GUARD_VECTORS = 8;

/** Largest block tried: a group this large means the fast path would cost what the full one does. */
const MAX_BLOCK = 128;

/**
 * The shift sits this far below the spectrum floor, relative to λ_max: M − σI keeps a smallest
 * eigenvalue 200× above what Cholesky can resolve at n ≈ 2400 (n·ε), while groups at the floor
 * separate from eigenvalues a gap g above it by a factor g/(1e-10·λ_max) per step.
 */
const SHIFT_OFFSET = 1e-10;

/**
 * Safety factor on the first-order bounds of the score errors (belsleyFastDiagnostics). On 142
 * random spectra (n 16–95, condition 30–1e6, scaled or not) the largest difference between a
 * fast and a full score was 1.5× the bound without it, and one case in the tests' runs reached
 * 2.0×; 8 leaves a factor 4 above that.
 */
const ROUNDING_CONSTANT = 8;

/**
 * The scores and ξ of {@link belsleyDiagnostics} without the full eigendecomposition — or a
 * refusal saying why they cannot be trusted to equal it. The proportions' denominator is
 * `Σ_l u_jl²/λ_l = [M⁻¹]_jj`, and ξ and every score need only the degenerate group (k* and the
 * eigenvalues tied with it): `q_{jk} = (u_jk²/λ_k)/[M⁻¹]_jj`. So: a Cholesky factor of M gives
 * diag(M⁻¹) (n³/2 multiply-adds in all, against ~3n³ for the eigendecomposition), Lanczos gives
 * λ_max, and subspace iteration with (M − σI)⁻¹, σ just below `spectrumFloor`, gives the
 * smallest eigenpairs (a block that grows until it holds the group, the next eigenvalue and 8
 * more).
 *
 * Refused (ok: false), so that callers fall back to the full path, when:
 * - n < 16, or M is not positive definite to working precision (Cholesky fails), or
 *   λ_min ≤ 1000·tolerance: exact dependencies are decided and scored by the full path
 *   (null-space shares);
 * - the group is not cleanly separated: the gap to the next eigenvalue below 1e5·ε‖M‖_F (the
 *   certificate below would fail anyway; this saves the factorization of M), an eigenvalue
 *   within a factor 2 of the tolerance boundary λ_min + tolerance, on either side, a group
 *   larger than 128 − 9, or a next eigenvalue that did not converge (30 iterations at most);
 * - the order could differ. Both paths decompose M plus a perturbation E: ours is the
 *   iteration's residuals, the full path's the backward error of a Householder-based solver,
 *   about ε·‖M‖_F per vector. To first order E moves the group's projector P so that P_jj
 *   changes by at most 2‖E‖·√P_jj·(Σ_{k near} |u_kj|/(λ_k − λ_m) + ‖P_far·e_j‖/(λ_far − λ_m)), the
 *   near eigenvectors being the converged Ritz pairs the block holds beyond the group (see
 *   `certify`); a score `(Σ u_jk²/λ_k)/[M⁻¹]_jj` moves by that over λ_min·[M⁻¹]_jj, and [M⁻¹]_jj
 *   by ε·‖M‖_F/λ_min relative. With these bounds (×8) per parameter, every decision of ξ's and
 *   the order's tie rule — is this score within 1e-9 of the largest of the others left? — must
 *   come out the same at both ends of every interval; otherwise rounding decides the order on
 *   either path, and only the full path reproduces the full path. So when the fast path
 *   answers, ξ and the order are the full path's (ties, which the order breaks by index,
 *   included), as far as first-order perturbation bounds hold and the iteration, started from a
 *   seeded random block, has not missed an eigenvector (the caveat of every subspace method).
 */
export function belsleyFastDiagnostics(m: Float64Array, n: number, options: BelsleyFastOptions = {}): BelsleyFastResult {
  const scaled = options.scale ?? false;
  const matrix = symmetrized(m, n, 'belsleyFastDiagnostics');
  let floor = Math.max(0, options.spectrumFloor ?? 0);
  if (scaled) {
    // D·M·D ≥ floor·min_j D_jj² for D = diag(M_jj^{-1/2}): the floor scales with the smallest 1/M_jj.
    let largestDiagonal = 0;
    for (let j = 0; j < n; j++) largestDiagonal = Math.max(largestDiagonal, matrix[j * n + j]!);
    floor = largestDiagonal > 0 ? floor / largestDiagonal : 0;
    scaleToUnitDiagonal(matrix, n);
  }
  const unit = powerOfTwoNear(largestAbs(matrix));
  for (let i = 0; i < n * n; i++) matrix[i]! /= unit;
  floor /= unit;
  const refuse = (reason: string): BelsleyFastResult => ({ ok: false, reason });
  if (n < FAST_MIN_ORDER) return refuse(`n = ${n} < ${FAST_MIN_ORDER}: the full decomposition is cheap`);
  const lambdaMax = largestEigenvalue(matrix, n);
  const tolerance = lambdaMax * Math.max(n, MIN_TOLERANCE_FACTOR) * EPSILON;
  // The factor of M itself is needed last (for diag(M⁻¹)); with a shift, M − σI is factored
  // first, so that a refusal costs one factorization, not two.
  const shift = Math.max(0, floor - SHIFT_OFFSET * lambdaMax);
  let shifted: CholeskyFactor;
  try {
    shifted = choleskyFactor(shift > 0 ? minusShift(matrix, n, shift) : matrix, n);
  } catch {
    return refuse(
      shift > 0
        ? `spectrumFloor ${options.spectrumFloor} is above λ_min(M): M − σI is not positive definite`
        : 'M is not positive definite to working precision (Cholesky failed): exact dependencies need the full decomposition',
    );
  }
  // What a backward-stable full decomposition commits per vector: about ε·‖M‖_F (the
  // Householder reduction's backward error; BENCHMARKS.md measures ‖AV − VΛ‖_F/‖A‖_F ≈ 3e-15
  // over all n vectors, n ≤ 1000). Our own vectors add their residuals.
  const rounding = EPSILON * frobeniusNorm(matrix);
  // A gap below 1e5 roundings leaves the group's eigenspace uncertain to sin θ > 1e-5: certifying
  // an order to 1e-9 would then need every parameter of the group to be untouched by the near
  // eigenvectors, and on the digits runs such steps were always refused at the end. Giving up
  // there saves the factorization of M; a refusal is never wrong, it only costs the full path.
  const found = lowestCluster(matrix, n, shifted, {
    tolerance, largest: lambdaMax, rounding, maxSine: 1e-5, firstBlock: FIRST_BLOCK, maxBlock: MAX_BLOCK, guard: GUARD_VECTORS,
  });
  if (!found.ok) {
    if (!('gap' in found)) return refuse(found.reason);
    return refuse(
      `the order is not certain: the group of ${found.size} is separated by ${(found.gap * unit).toExponential(2)} at most, ` +
        `only ${(found.gap / rounding).toExponential(1)}× the rounding of M (sin θ > 1e-5)`,
    );
  }
  const cluster = found.cluster, group = cluster.size, { values, vectors, residuals } = cluster.pairs;
  const lambdaMin = values[0]!;
  if (!(lambdaMin > 1000 * tolerance)) {
    return refuse(`λ_min = ${lambdaMin * unit} is within 1000× the tolerance: an exact or near-exact dependency`);
  }
  if (values[group - 1]! - lambdaMin > tolerance / 2 || values[group]! - lambdaMin < 2 * tolerance) {
    return refuse('an eigenvalue lies near the tolerance boundary λ_min + tolerance: the group is ambiguous');
  }
  let residualSquares = 0;
  for (let i = 0; i < group; i++) residualSquares += residuals[i]! ** 2;
  const perturbation = Math.sqrt(residualSquares) + rounding;
  const eigenspaceShare = new Float64Array(n);
  const groupPart = new Float64Array(n); // Σ_{k ∈ group} u_jk²/λ_k
  for (let i = 0; i < group; i++) {
    for (let j = 0; j < n; j++) {
      const u2 = vectors[i * n + j]! ** 2;
      eigenspaceShare[j]! += u2;
      groupPart[j]! += u2 / values[i]!;
    }
  }
  const factor = shift > 0 ? choleskyFactor(matrix, n) : shifted; // M = (M − σI) + σI: positive definite
  const inverse = inverseDiagonal(factor);
  // In exact arithmetic the group's part of [M⁻¹]_jj is at most all of it.
  const degenerateShare = groupPart.map((part, j) => Math.min(1, part / inverse[j]!));
  // How far each score and tie-breaker may be from the full path's: P_jj moves by the projector
  // bound, the score by that over λ_min·[M⁻¹]_jj, and [M⁻¹]_jj itself — on either path the
  // inverse of M plus E — by e_jᵀM⁻¹EM⁻¹e_j ≤ ‖E‖·[M⁻¹]_jj/λ_min.
  const moved = projectorDiagonalBounds(cluster, n, eigenspaceShare, perturbation);
  const condition = lambdaMax / lambdaMin;
  const shareErrors = moved.map((v) => ROUNDING_CONSTANT * v);
  const scoreErrors = moved.map((v, j) => ROUNDING_CONSTANT * (v / (lambdaMin * inverse[j]!) + (rounding / lambdaMin) * degenerateShare[j]!));
  const scoreError = scoreErrors.reduce((a, b) => Math.max(a, b), 0);
  const unstable = orderInstability(degenerateShare, scoreErrors, eigenspaceShare, shareErrors);
  if (unstable !== null) {
    return refuse(
      `the order is not certain: ${unstable} (scores uncertain to ±${scoreError.toExponential(1)}; gap ${(cluster.gap * unit).toExponential(2)} ` +
        `after the smallest ${group} eigenvalue(s), condition ${condition.toExponential(2)})`,
    );
  }
  return {
    ok: true,
    diagnostics: {
      n,
      largestEigenvalue: lambdaMax * unit,
      smallestEigenvalues: values.slice(0, group + 1).map((v) => v * unit),
      largestConditionIndex: condition,
      exactDependencies: 0,
      mostDegenerate: n - 1,
      degenerateComponents: Array.from({ length: group }, (_, i) => n - group + i),
      eigenspaceShare,
      inverseDiagonal: inverse.map((v) => v / unit),
      degenerateShare,
      leastRelevant: argmaxWithTies(degenerateShare, eigenspaceShare),
      tolerance: tolerance * unit,
      scaled,
      gap: cluster.gap * unit,
      scoreError,
      iterations: cluster.iterations,
      blockSize: cluster.block,
    },
  };
}

/** M − σI, a copy. */
function minusShift(m: Float64Array, n: number, shift: number): Float64Array {
  const out = m.slice();
  for (let j = 0; j < n; j++) out[j * n + j]! -= shift;
  return out;
}

/**
 * The empirical covariance of samples of a parameter vector: rows are samples, columns are
 * parameters; centered on the column means, divided by `rows − 1`.
 *
 * @param samples `rows×cols` row-major.
 * @returns the symmetric `cols×cols` covariance, row-major.
 * @throws RangeError with fewer than 2 rows, a wrong length or a non-finite entry (named by row
 *   and column, counted from 0).
 */
export function covarianceOfSamples(samples: Float64Array, rows: number, cols: number): Float64Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || cols < 1) {
    throw new RangeError(`covarianceOfSamples: bad shape ${rows}×${cols}`);
  }
  if (rows < 2) throw new RangeError(`covarianceOfSamples: need at least 2 samples (rows) for a covariance, got ${rows}`);
  if (samples.length !== rows * cols) {
    throw new RangeError(`covarianceOfSamples: expected ${rows}×${cols} = ${rows * cols} values, got ${samples.length}`);
  }
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const v = samples[r * cols + c]!;
    if (!Number.isFinite(v)) throw new RangeError(`covarianceOfSamples: sample ${r}, column ${c} is ${v}`);
    mean[c]! += v;
  }
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  // Second pass: the mean of the residuals corrects the first mean's rounding, so columns with
  // a large offset (2 + cos x) center as exactly as columns without one (cos x).
  const correction = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) correction[c]! += samples[r * cols + c]! - mean[c]!;
  for (let c = 0; c < cols; c++) mean[c]! += correction[c]! / rows;

  const centered = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) centered[r * cols + c] = samples[r * cols + c]! - mean[c]!;
  const covariance = matmulTN(centered, centered, cols, rows, cols);
  // A blocked product need not give bit-identical (i, j) and (j, i) sums; average them.
  for (let i = 0; i < cols; i++) for (let j = i; j < cols; j++) {
    const value = (covariance[i * cols + j]! + covariance[j * cols + i]!) / (2 * (rows - 1));
    covariance[i * cols + j] = value;
    covariance[j * cols + i] = value;
  }
  return covariance;
}

/**
 * What the matrix given to {@link belsleyPrune} is, which decides what removing a parameter
 * (setting `w_q = 0`) does to it:
 * - `samples`: the covariance of given samples (rows are samples, as in the illustration).
 *   Removing a column of the samples removes its row and column of the covariance.
 * - `precision`: a precision-like matrix, `M = H + αI` (the `information` form). Fixing
 *   `w_q = 0` leaves the quadratic form of the others, its row and column deleted.
 * - `covariance`: a covariance `Σ = P⁻¹` (the `laplace` form). Fixing `w_q = 0` CONDITIONS
 *   the others on it: their covariance becomes `(P_{−q,−q})⁻¹ = Σ_{−q,−q} − Σ_{−q,q} Σ_{q,−q} / Σ_qq`,
 *   the Schur complement. Deleting the row and column instead would marginalize `w_q` out,
 *   i.e. keep the others' uncertainty as if `w_q` were still free.
 */
export type BelsleyMatrixKind = 'samples' | 'precision' | 'covariance';

/**
 * What one removal did to the matrix: `delete` removed the row and column; `condition` took
 * the Schur complement (a covariance conditioned on `w_q = 0`).
 */
export type BelsleyRemoval = 'delete' | 'condition';

/** Options of {@link belsleyPrune}. */
export interface BelsleyPruneOptions extends BelsleyOptions {
  /** What `m` is (default `samples`); see {@link BelsleyMatrixKind}. */
  readonly matrix?: BelsleyMatrixKind;
  /**
   * Stop once the largest condition index is at or below this (default 1000: the λ-form of
   * BKW's threshold 30 on singular values, 30² ≈ 10³).
   */
  readonly maxCondition?: number;
  /** One name per parameter, for `removedNames`/`keptNames` (default: the indices as text). */
  readonly names?: readonly string[];
  /** Called after every round (e.g. to show progress: each round is an O(n³) eigendecomposition). */
  readonly onStep?: (step: BelsleyStep) => void;
}

/** One round of {@link belsleyPrune}: the diagnostics of the parameters still active. */
export interface BelsleyStep {
  /** Original indices of the parameters analysed in this round, in original order. */
  readonly active: readonly number[];
  /** Diagnostics of `M` restricted to `active` (its indices are positions in `active`). */
  readonly diagnostics: BelsleyDiagnostics;
  /** The largest condition index of this round (`Infinity` with an exact dependency). */
  readonly maxConditionIndex: number;
  /** Original index of the parameter removed after this round, or null on the final round. */
  readonly removed: number | null;
  /**
   * How it was removed (null on the final round): `condition` for a covariance, except that a
   * parameter with zero variance is deleted (see {@link removeParameter}); `delete` otherwise.
   */
  readonly operation: BelsleyRemoval | null;
}

/** The result of {@link belsleyPrune}. */
export interface BelsleyPruneResult {
  /** Original indices of the removed parameters, in the order they were removed. */
  readonly removed: readonly number[];
  /** Original indices of the parameters left, ascending. */
  readonly kept: readonly number[];
  /** Names of `removed`, in the same order. */
  readonly removedNames: readonly string[];
  /** Names of `kept`, in the same order. */
  readonly keptNames: readonly string[];
  /** Every round, the last one being the diagnostics of the kept set (absent if none is kept). */
  readonly steps: readonly BelsleyStep[];
  /** The threshold used. */
  readonly maxCondition: number;
  /** What the matrix was taken to be. */
  readonly matrix: BelsleyMatrixKind;
  /**
   * What a removal does to it: `condition` (Schur complement) for a covariance, `delete` (row
   * and column) for samples and a precision. The steps say what each removal actually did.
   */
  readonly operation: BelsleyRemoval;
  /** Whether each round scaled its matrix to unit diagonal. */
  readonly scaled: boolean;
}

/**
 * Prunes by Belsley: while the largest condition index exceeds `maxCondition`, removes the
 * least relevant parameter `ξ` (sets `w_ξ = 0`) and recomputes.
 *
 * What removing does to `M` depends on what `M` is ({@link BelsleyMatrixKind}): for `samples`
 * and `precision` it deletes the row and column; for a `covariance` it conditions the others on
 * `w_ξ = 0` (the Schur complement; {@link removeParameter}). Scaling to unit diagonal commutes
 * with both (it rescales the parameters, and the event `w_ξ = 0` is the same), so `scale` is
 * simply applied each round.
 *
 * @param m symmetric PSD `n×n` matrix, row-major (not modified).
 * @returns removed and kept indices, and every round's diagnostics so each choice can be audited.
 * @example
 * // Two copies of one parameter and an independent one: one copy goes.
 * const m = new Float64Array([1, 1, 0, 1, 1, 0, 0, 0, 2]);
 * belsleyPrune(m, 3, { names: ['a', 'a copy', 'b'] }).keptNames; // ['a copy', 'b']
 */
export function belsleyPrune(m: Float64Array, n: number, options: BelsleyPruneOptions = {}): BelsleyPruneResult {
  const maxCondition = options.maxCondition ?? 1000;
  if (Number.isNaN(maxCondition) || maxCondition < 1) {
    throw new RangeError(`belsleyPrune: maxCondition must be at least 1 (condition indices are), got ${maxCondition}`);
  }
  const names = options.names ?? Array.from({ length: n }, (_, j) => String(j));
  if (names.length !== n) throw new RangeError(`belsleyPrune: ${names.length} names for ${n} parameters`);
  const scale = options.scale ?? false;
  const matrix = options.matrix ?? 'samples';
  if (!['samples', 'precision', 'covariance'].includes(matrix)) {
    throw new RangeError(`belsleyPrune: matrix must be samples, precision or covariance, got ${String(matrix)}`);
  }

  let current = symmetrized(m, n, 'belsleyPrune');
  const active = Array.from({ length: n }, (_, j) => j);
  const removed: number[] = [];
  const steps: BelsleyStep[] = [];
  while (active.length > 0) {
    const diagnostics = belsleyDiagnostics(current, active.length, { scale });
    const maxConditionIndex = diagnostics.conditionIndices[active.length - 1]!;
    const done = !(maxConditionIndex > maxCondition);
    const position = diagnostics.leastRelevant;
    const parameter = active[position]!;
    const next = done ? null : removeParameter(current, active.length, position, matrix);
    const step: BelsleyStep = { active: [...active], diagnostics, maxConditionIndex, removed: done ? null : parameter, operation: next?.operation ?? null };
    steps.push(step);
    options.onStep?.(step);
    if (next === null) break;
    removed.push(parameter);
    current = next.matrix;
    active.splice(position, 1);
  }
  return {
    removed,
    kept: active,
    removedNames: removed.map((j) => names[j]!),
    keptNames: active.map((j) => names[j]!),
    steps,
    maxCondition,
    matrix,
    operation: matrix === 'covariance' ? 'condition' : 'delete',
    scaled: scale,
  };
}

/**
 * `M` without parameter `index`, as setting `w_index = 0` leaves it ({@link BelsleyMatrixKind}):
 * the row and column deleted for `samples` and `precision`; for a `covariance` `Σ`, the
 * covariance of the others conditioned on `w_q = 0`, `Σ_{−q,−q} − Σ_{−q,q} Σ_{q,−q} / Σ_qq`
 * (which equals `(P_{−q,−q})⁻¹` when `P = Σ⁻¹` exists). Two limits, neither giving NaN:
 * - `Σ_qq` zero (at or below `max_i Σ_ii · max(n, 10) · ε`, rounding of a zero): `w_q` is a
 *   constant, it carries no information about the others (for a PSD `Σ` its whole row is zero
 *   then), so conditioning changes nothing and the row and column are deleted (the Schur
 *   complement with the pseudo-inverse of a zero variance, 0). The operation says `delete`.
 * - `w_q` an exact linear function of the others, `w_q = cᵀw_{−q}`, with `Σ_qq > 0`: `P` does
 *   not exist but the Schur complement does, and it is what conditioning means: fixing
 *   `w_q = 0` forces `cᵀw_{−q} = 0`, so the result has `c` in its null space — the dependency
 *   carries over to the parameters left (e.g. `a`, `b`, `a + b`: conditioning on `a = 0` leaves
 *   `b` and `a + b` identical).
 *
 * @param m symmetric `n×n` row-major (not modified); `index` in `[0, n)`.
 * @returns the `(n−1)×(n−1)` matrix (exactly symmetric) and the operation applied.
 * @example
 * removeParameter(new Float64Array([2, 1, 1, 2]), 2, 0, 'covariance').matrix; // [1.5]
 * removeParameter(new Float64Array([2, 1, 1, 2]), 2, 0, 'precision').matrix;  // [2]
 */
export function removeParameter(m: Float64Array, n: number, index: number, kind: BelsleyMatrixKind): { matrix: Float64Array; operation: BelsleyRemoval } {
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`removeParameter: index ${index} is outside [0, ${n})`);
  if (m.length !== n * n) throw new RangeError(`removeParameter: expected ${n}×${n} = ${n * n} entries, got ${m.length}`);
  const reduced = withoutRowAndColumn(m, n, index);
  if (kind !== 'covariance') return { matrix: reduced, operation: 'delete' };
  let largestDiagonal = 0;
  for (let j = 0; j < n; j++) largestDiagonal = Math.max(largestDiagonal, m[j * n + j]!);
  const pivot = m[index * n + index]!;
  if (!(pivot > largestDiagonal * Math.max(n, MIN_TOLERANCE_FACTOR) * EPSILON)) return { matrix: reduced, operation: 'delete' };
  const column = new Float64Array(n - 1);
  for (let i = 0, r = 0; i < n; i++) if (i !== index) column[r++] = m[i * n + index]!;
  const size = n - 1;
  // One triangle, mirrored: the update is exactly symmetric whatever the rounding.
  for (let i = 0; i < size; i++) {
    const ci = column[i]! / pivot;
    for (let j = 0; j <= i; j++) {
      const value = reduced[i * size + j]! - ci * column[j]!;
      reduced[i * size + j] = value;
      reduced[j * size + i] = value;
    }
  }
  return { matrix: reduced, operation: 'condition' };
}

/**
 * Positions `0…n−1` ranked for removal as the Belsley method ranks them: `first` (ξ), then the
 * others by score, largest first, an exact tie to the lower position. Scores within 1e-9 of
 * each other are ties (the documented tie tolerance) and rounding may order them either way.
 *
 * @example
 * belsleyOrder(new Float64Array([0.2, 1e-30, 0.9, 3e-31]), 2); // [2, 0, 1, 3]
 */
export function belsleyOrder(scores: Float64Array, first: number): Int32Array {
  const rest = Array.from(scores.keys()).filter((j) => j !== first).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from([first, ...rest]);
}

/**
 * Why the full path, whose scores and tie-breakers lie anywhere within ±`primaryError` and
 * ±`secondaryError` of these, could choose another ξ ({@link argmaxWithTies}) or order two
 * parameters that are not tied (more than 1e-9 apart) the other way ({@link belsleyOrder});
 * null if it cannot. ξ's rule decides "is this score within 1e-9 of the largest of the others?":
 * certain when the answer is the same at both ends of the intervals. Two others a, b with
 * s_a ≥ s_b could swap when s_a − e_a < s_b + e_b; the full path's scores then differ by at most
 * (s_a − s_b) + e_a + e_b, which must not exceed 1e-9 (a tie, either order being right).
 */
function orderInstability(primary: Float64Array, primaryError: Float64Array, secondary: Float64Array, secondaryError: Float64Array): string | null {
  /**
   * Splits `candidates` into those surely tied with the largest and those surely not (or returns
   * one that is neither): j is tied iff its score is within 1e-9 of the largest of the OTHERS
   * (or is the largest), so it is surely tied when its lowest value clears the others' highest
   * minus 1e-9, and surely not when its highest stays below the others' lowest minus 1e-9.
   */
  const split = (candidates: readonly number[], scores: Float64Array, errors: Float64Array): { tied: number[]; rest: number[] } | number => {
    // The two largest highs and lows, so that "the largest of the others" is O(1) per candidate.
    let high1 = -Infinity, high2 = -Infinity, highAt = -1, low1 = -Infinity, low2 = -Infinity, lowAt = -1;
    for (const j of candidates) {
      const high = scores[j]! + errors[j]!, low = scores[j]! - errors[j]!;
      if (high > high1) { high2 = high1; high1 = high; highAt = j; } else if (high > high2) high2 = high;
      if (low > low1) { low2 = low1; low1 = low; lowAt = j; } else if (low > low2) low2 = low;
    }
    const tied: number[] = [], rest: number[] = [];
    for (const j of candidates) {
      const othersHigh = j === highAt ? high2 : high1, othersLow = j === lowAt ? low2 : low1;
      if (scores[j]! - errors[j]! >= othersHigh - TIE_TOLERANCE) tied.push(j);
      else if (scores[j]! + errors[j]! < othersLow - TIE_TOLERANCE) rest.push(j);
      else return j;
    }
    return { tied, rest };
  };
  let candidates = Array.from(primary.keys());
  for (const [scores, errors, what] of [[primary, primaryError, 'score'], [secondary, secondaryError, 'eigenspace share']] as const) {
    const parts = split(candidates, scores, errors);
    if (typeof parts === 'number') return `whether parameter ${parts} ties for ξ by ${what}`;
    candidates = parts.tied;
  }
  const xi = candidates[0]!;
  const rest = Array.from(primary.keys()).filter((j) => j !== xi).sort((a, b) => primary[b]! - primary[a]!);
  let largestError = 0;
  for (const j of rest) largestError = Math.max(largestError, primaryError[j]!);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!, low = primary[a]! - primaryError[a]!;
    // Only those still within reach of a's lowest value can swap with it.
    for (let t = i + 1; t < rest.length && primary[rest[t]!]! + largestError > low; t++) {
      const b = rest[t]!;
      if (primary[b]! + primaryError[b]! <= low) continue;
      if (primary[a]! - primary[b]! + primaryError[a]! + primaryError[b]! > TIE_TOLERANCE) {
        return `whether parameters ${a} and ${b}, not a tie, keep their order`;
      }
    }
  }
  return null;
}

/**
 * Index of the largest `primary` score. Scores within {@link TIE_TOLERANCE} of the maximum tie;
 * among tied indices the largest `secondary` score wins (again with ties), then the lowest index.
 */
function argmaxWithTies(primary: Float64Array, secondary: Float64Array): number {
  let candidates = Array.from(primary.keys());
  for (const scores of [primary, secondary]) {
    let best = -Infinity;
    for (const j of candidates) best = Math.max(best, scores[j]!);
    candidates = candidates.filter((j) => scores[j]! >= best - TIE_TOLERANCE);
  }
  return candidates[0]!;
}

function largestAbs(a: Float64Array): number {
  let largest = 0;
  for (const v of a) largest = Math.max(largest, Math.abs(v));
  return largest;
}

/** `2^round(log2 x)` (1 for 0), within the normal range so dividing by it is exact. */
function powerOfTwoNear(x: number): number {
  if (!(x > 0)) return 1;
  return 2 ** Math.min(1000, Math.max(-1000, Math.round(Math.log2(x))));
}

/** A validated, exactly symmetric copy of `m` (rounding asymmetry averaged away). */
function symmetrized(m: Float64Array, n: number, caller: string): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${caller}: matrix order must be a positive integer, got ${n}`);
  if (m.length !== n * n) throw new RangeError(`${caller}: expected ${n}×${n} = ${n * n} entries, got ${m.length}`);
  let largest = 0;
  for (let i = 0; i < n * n; i++) {
    const v = m[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`${caller}: entry (${Math.floor(i / n)}, ${i % n}) is ${v}`);
    largest = Math.max(largest, Math.abs(v));
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = m[i * n + i]!;
    for (let j = i + 1; j < n; j++) {
      const a = m[i * n + j]!;
      const b = m[j * n + i]!;
      if (Math.abs(a - b) > ROUNDING_TOLERANCE * largest) {
        throw new RangeError(`${caller}: matrix is not symmetric at (${i}, ${j}): ${a} vs ${b}`);
      }
      out[i * n + j] = out[j * n + i] = (a + b) / 2;
    }
  }
  return out;
}

/**
 * Scales a symmetric matrix in place to unit diagonal. Zero-variance parameters (diagonal ≤ 0;
 * a PSD matrix then has a zero row) keep a zero row and column rather than dividing by zero.
 */
function scaleToUnitDiagonal(a: Float64Array, n: number): void {
  let largestDiagonal = 0;
  for (let j = 0; j < n; j++) largestDiagonal = Math.max(largestDiagonal, a[j * n + j]!);
  const inverseRoot = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const d = a[j * n + j]!;
    if (d < -ROUNDING_TOLERANCE * largestDiagonal) {
      throw new RangeError(`belsleyDiagnostics: the matrix is not positive semi-definite (diagonal entry ${j} is ${d})`);
    }
    inverseRoot[j] = d > 0 ? 1 / Math.sqrt(d) : 0;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j]! *= inverseRoot[i]! * inverseRoot[j]!;
  // Exactly 1, not 1 ± ulp, so a scaled diagonal matrix is exactly the identity.
  for (let j = 0; j < n; j++) if (inverseRoot[j]! > 0) a[j * n + j] = 1;
}

/** A copy of the `n×n` matrix `a` without row and column `index`. */
function withoutRowAndColumn(a: Float64Array, n: number, index: number): Float64Array {
  const out = new Float64Array((n - 1) * (n - 1));
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (i === index) continue;
    for (let j = 0; j < n; j++) if (j !== index) out[p++] = a[i * n + j]!;
  }
  return out;
}
