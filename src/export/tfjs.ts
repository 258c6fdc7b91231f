/**
 * The `tfjs` export: a TensorFlow.js LayersModel — `model.json` (a Keras `Sequential` of
 * `Dense` layers and the weights manifest) and one binary file of little-endian float32
 * weights — which `tf.loadLayersModel` loads (from a URL, `file://` under tfjs-node, or any
 * IOHandler) and which the Keras converters understand.
 *
 * TensorFlow.js has no float64 and a LayersModel has no plain "subtract a constant" layer, so
 * the scalings are folded into the weights: the input scaling into the first layer
 * (`W'[r][c] = W[r][c]/std_c`, `b'_r = b_r − Σ_c W[r][c]·mean_c/std_c`) and a regressor's target
 * scaling into the last (`W' = std·W`, `b' = std·b + mean`). The model then takes raw rows and
 * returns class probabilities (a softmax activation on the last layer) or the target value,
 * `[N × classes]` or `[N × 1]`.
 */
import type { Model } from '../nn/model.js';
import { checkOptions, littleEndian, plainLayers, type ExportOptions, type PlainLayer } from './common.js';

/** The name of the weights file next to `model.json`. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** The two files of a LayersModel. */
export interface TfjsExport {
  /** The text of `model.json`. */
  readonly modelJson: string;
  /** The contents of {@link TFJS_WEIGHTS_FILE}. */
  readonly weights: Uint8Array;
}

/** Keras's names of prunus's activations (`identity` is `linear`). */
const KERAS_ACTIVATION = { tanh: 'tanh', relu: 'relu', sigmoid: 'sigmoid', identity: 'linear' } as const;

/**
 * The model as a TensorFlow.js LayersModel (see the module comment); float32 only, no
 * quantization (tfjs's own weight quantization is a different scheme).
 * @example
 * const { modelJson, weights } = toTfjs(model);
 * // tfjs-node: await tf.loadLayersModel('file://wine-tfjs/model.json')
 */
export function toTfjs(model: Model, options: ExportOptions = {}): TfjsExport {
  checkOptions(options, 'tfjs export', ['float32']);
  if (options.quantize !== undefined) throw new Error('tfjs export: int8 quantization is offered for onnx and js only');
  const layers = foldScalings(model, plainLayers(model));
  const last = layers.length - 1;
  const kerasLayers = layers.map((layer, l) => ({
    class_name: 'Dense',
    config: {
      name: `dense_${l + 1}`,
      trainable: true,
      dtype: 'float32',
      units: layer.outputs,
      activation: l === last ? (model.task === 'classification' ? 'softmax' : 'linear') : KERAS_ACTIVATION[layer.activation],
      use_bias: true,
      ...(l === 0 ? { batch_input_shape: [null, layer.inputs] } : {}),
    },
  }));
  const specs = layers.flatMap((layer, l) => [
    { name: `dense_${l + 1}/kernel`, shape: [layer.inputs, layer.outputs], dtype: 'float32' },
    { name: `dense_${l + 1}/bias`, shape: [layer.outputs], dtype: 'float32' },
  ]);
  // Keras kernels are [inputs][outputs]: the transpose of prunus's [outputs][inputs].
  const values: number[] = [];
  for (const layer of layers) {
    for (let c = 0; c < layer.inputs; c++) for (let r = 0; r < layer.outputs; r++) values.push(layer.weight[r * layer.inputs + c]!);
    values.push(...layer.bias);
  }
  const json = {
    format: 'layers-model',
    generatedBy: 'prunus',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'prunus', layers: kerasLayers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    userDefinedMetadata: { task: model.task, features: model.features, target: model.target, classes: model.classes },
  };
  return { modelJson: JSON.stringify(json) + '\n', weights: littleEndian(values, 'float32') };
}

/** The layers with the input scaling folded into the first and the target scaling into the last. */
function foldScalings(model: Model, layers: PlainLayer[]): PlainLayer[] {
  const input = model.inputScaling;
  if (input !== null) {
    const { inputs, outputs, weight, bias } = layers[0]!;
    for (let r = 0; r < outputs; r++) {
      for (let c = 0; c < inputs; c++) {
        const w = weight[r * inputs + c]! / input.std[c]!;
        weight[r * inputs + c] = w;
        bias[r] = bias[r]! - w * input.mean[c]!;
      }
    }
  }
  const target = model.targetScaling;
  if (target !== null) {
    const { weight, bias } = layers[layers.length - 1]!;
    weight.forEach((w, k) => (weight[k] = target.std * w));
    bias.forEach((b, k) => (bias[k] = target.std * b + target.mean));
  }
  return layers;
}
