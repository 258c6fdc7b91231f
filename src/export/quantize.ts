/**
 * Int8 weights with one scale per layer (symmetric, zero point 0): `w ≈ scale·q` with
 * `scale = max|w| / 127` and `q = round(w / scale)` in [−127, 127]. A quarter of float32's
 * bytes; the rounding error of each weight is at most `scale / 2`. Pruned weights stay exactly
 * 0. Biases are left in float: there are few of them, and an error in a bias shifts a unit's
 * whole output, not one input's share of it.
 */

/** One layer's quantized weights. */
export interface QuantizedWeights {
  /** `round(w / scale)`, same order and length as the weights. */
  readonly values: Int8Array;
  /** The step, a float32 number (ONNX stores it as float32), > 0. */
  readonly scale: number;
  /** Largest |w − scale·q| over the layer. */
  readonly maxError: number;
}

/**
 * Quantizes one layer's weights (any order; typically `[out][in]`).
 * @example
 * quantizeInt8(Float64Array.of(0.5, -1.27, 0)); // values [50, -127, 0], scale ≈ 0.01
 */
export function quantizeInt8(weights: Float64Array): QuantizedWeights {
  let largest = 0;
  for (const w of weights) {
    if (!Number.isFinite(w)) throw new Error(`quantizeInt8: weight ${w} is not finite`);
    largest = Math.max(largest, Math.abs(w));
  }
  // An all-zero layer (every weight pruned) keeps scale 1: q is 0 whatever the scale.
  const scale = largest === 0 ? 1 : Math.fround(largest / 127);
  const values = new Int8Array(weights.length);
  let maxError = 0;
  weights.forEach((w, k) => {
    const q = Math.max(-127, Math.min(127, Math.round(w / scale)));
    values[k] = q;
    maxError = Math.max(maxError, Math.abs(w - q * scale));
  });
  return { values, scale, maxError };
}
