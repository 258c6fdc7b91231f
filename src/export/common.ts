/**
 * What every exporter shares: the options, the layers as plain arrays, the number formats of
 * the written weights, and the float64 model that computes what an export computes (the
 * reference the round-trip tests and the accuracy report compare against).
 */
import type { Activation } from '../nn/mlp.js';
import type { Model } from '../nn/model.js';
import { quantizeInt8 } from './quantize.js';

/** Number type of the written weights. */
export type Precision = 'float32' | 'float64';

/** Options every exporter reads (each says which it supports). */
export interface ExportOptions {
  /** Floating-point type of the weights and the computation (default float32, what phones run). */
  readonly precision?: Precision;
  /** `int8`: each layer's weights as int8 with one float scale per layer (biases stay float). */
  readonly quantize?: 'int8';
}

/** One layer's numbers, copied out of the canonical vector (pruned weights are 0). */
export interface PlainLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: Activation;
  /** `[outputs][inputs]` row-major, as in prunus. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/** The layers of a model's network as plain arrays. */
export function plainLayers(model: Model): PlainLayer[] {
  const net = model.network;
  return net.layers.map((layer, l) => ({
    inputs: layer.inputs,
    outputs: layer.outputs,
    activation: layer.activation,
    weight: net.weight(l).slice(),
    bias: net.bias(l).slice(),
  }));
}

/** Checks an option combination; returns the precision in force. */
export function checkOptions(options: ExportOptions, format: string, precisions: readonly Precision[]): Precision {
  const precision = options.precision ?? 'float32';
  if (!precisions.includes(precision)) throw new Error(`${format}: precision ${precision} is not supported (${precisions.join(' or ')})`);
  if (options.quantize === 'int8' && precision !== 'float32') throw new Error(`${format}: int8 weights are dequantized to float32; use precision float32`);
  return precision;
}

/** `values` as little-endian bytes of the given type (Float32 rounds to nearest). */
export function littleEndian(values: ArrayLike<number>, type: 'float32' | 'float64' | 'int8' | 'uint8' | 'uint16' | 'uint32'): Uint8Array {
  const size = { float32: 4, float64: 8, int8: 1, uint8: 1, uint16: 2, uint32: 4 }[type];
  const view = new DataView(new ArrayBuffer(values.length * size));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (type === 'float32') view.setFloat32(i * 4, v, true);
    else if (type === 'float64') view.setFloat64(i * 8, v, true);
    else if (type === 'int8') view.setInt8(i, v);
    else if (type === 'uint8') view.setUint8(i, v);
    else if (type === 'uint16') view.setUint16(i * 2, v, true);
    else view.setUint32(i * 4, v, true);
  }
  return new Uint8Array(view.buffer);
}

/**
 * The model whose float64 predictions are what an export with these options computes, up to
 * the rounding of its arithmetic: weights replaced by their int8 dequantization `q·scale`, or
 * rounded to float32, and biases and scalings rounded to float32 (float64: the model itself).
 * The masks are kept, so a weight quantized to 0 still counts as active.
 */
export function exportedEquivalent(model: Model, options: ExportOptions = {}): Model {
  const precision = options.precision ?? 'float32';
  if (precision === 'float64' && options.quantize === undefined) return model;
  const net = model.network.clone();
  const round = precision === 'float32' ? Math.fround : (v: number) => v;
  net.params.forEach((v, j) => (net.params[j] = round(v)));
  if (options.quantize === 'int8') {
    net.layers.forEach((_, l) => {
      const weight = net.weight(l);
      const q = quantizeInt8(model.network.weight(l));
      weight.forEach((_, k) => (weight[k] = q.values[k]! * q.scale));
    });
  }
  net.applyMask();
  const scaling = model.inputScaling;
  const target = model.targetScaling;
  return {
    ...model,
    network: net,
    inputScaling: scaling === null ? null : { mean: scaling.mean.map(round), std: scaling.std.map(round) },
    targetScaling: target === null ? null : { mean: round(target.mean), std: round(target.std) },
  };
}
