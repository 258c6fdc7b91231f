/**
 * The `onnx` export: an ONNX model (IR version 7, opset 13) that ONNX Runtime and every other
 * ONNX runtime load. The graph, on input `features` `[N × features]` of raw rows:
 *
 *   Sub(mean) → Div(std)                      the model's input scaling, as ops
 *   Gemm(W, b, transB = 1) → Tanh|Relu|Sigmoid  per layer (W stored `[out][in]` as in prunus)
 *   Softmax(axis 1) → `probabilities` [N × classes]     classifier
 *   Mul(std) → Add(mean) → `prediction` [N × 1]         regressor, in the target's units
 *
 * The scalings stay ops rather than being folded into the first and last layer so the stored
 * weights are the trained ones: int8 quantization then sees their range, not one stretched by
 * the features' units. With `quantize: 'int8'` each weight matrix is an int8 initializer
 * dequantized by `DequantizeLinear` (one float32 scale per layer, zero point 0).
 *
 * The protobuf schema comes from the `onnx-proto` package, loaded only when exporting.
 */
import type { Model } from '../nn/model.js';
import { checkOptions, littleEndian, plainLayers, type ExportOptions } from './common.js';
import { quantizeInt8 } from './quantize.js';

type OnnxSchema = (typeof import('onnx-proto'))['onnx'];

/** The ONNX operator set the graph uses (Softmax over one axis and DequantizeLinear need 13). */
export const ONNX_OPSET = 13;

/** The names of the graph's input and output, for code that runs the model. */
export const ONNX_NAMES = { input: 'features', probabilities: 'probabilities', prediction: 'prediction' } as const;

/** onnx.TensorProto.DataType values used here. */
const FLOAT = 1;
const INT8 = 3;
const DOUBLE = 11;

async function schema(): Promise<OnnxSchema> {
  // onnx-proto is CommonJS: its namespace is the default export under Node's ESM loader.
  const loaded = (await import('onnx-proto')) as unknown as { onnx?: OnnxSchema; default?: { onnx: OnnxSchema } };
  const onnx = loaded.onnx ?? loaded.default?.onnx;
  if (onnx === undefined) throw new Error('onnx export: the onnx-proto package did not load');
  return onnx;
}

/**
 * The model as ONNX protobuf bytes (see the module comment). Precision float32 (default) or
 * float64 (tensor(double) throughout; int8 needs float32).
 * @example
 * writeFileSync('wine.onnx', await toOnnx(model));
 * // Python: onnxruntime.InferenceSession('wine.onnx').run(None, {'features': rows})
 */
export async function toOnnx(model: Model, options: ExportOptions = {}): Promise<Uint8Array> {
  const precision = checkOptions(options, 'onnx export', ['float32', 'float64']);
  const onnx = await schema();
  const elemType = precision === 'float64' ? DOUBLE : FLOAT;
  const floats = (name: string, dims: number[], values: ArrayLike<number>) =>
    onnx.TensorProto.create({ name, dims, dataType: elemType, rawData: littleEndian(values, precision) });
  const nodes: InstanceType<OnnxSchema['NodeProto']>[] = [];
  const initializers: InstanceType<OnnxSchema['TensorProto']>[] = [];
  const node = (opType: string, input: string[], output: string, attributes: Record<string, number> = {}) =>
    nodes.push(onnx.NodeProto.create({
      opType, input, output: [output], name: `${opType}_${nodes.length}`,
      attribute: Object.entries(attributes).map(([name, i]) => onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT })),
    }));

  let current: string = ONNX_NAMES.input;
  const m = model.features.length;
  if (model.inputScaling !== null) {
    initializers.push(floats('input_mean', [m], model.inputScaling.mean), floats('input_std', [m], model.inputScaling.std));
    node('Sub', [current, 'input_mean'], 'centred');
    node('Div', ['centred', 'input_std'], 'scaled');
    current = 'scaled';
  }
  plainLayers(model).forEach((layer, index) => {
    const l = index + 1;
    if (options.quantize === 'int8') {
      const q = quantizeInt8(layer.weight);
      initializers.push(
        onnx.TensorProto.create({ name: `W${l}_quantized`, dims: [layer.outputs, layer.inputs], dataType: INT8, rawData: littleEndian(q.values, 'int8') }),
        onnx.TensorProto.create({ name: `W${l}_scale`, dims: [], dataType: FLOAT, rawData: littleEndian([q.scale], 'float32') }),
        onnx.TensorProto.create({ name: `W${l}_zero_point`, dims: [], dataType: INT8, rawData: littleEndian([0], 'int8') }),
      );
      node('DequantizeLinear', [`W${l}_quantized`, `W${l}_scale`, `W${l}_zero_point`], `W${l}`);
    } else {
      initializers.push(floats(`W${l}`, [layer.outputs, layer.inputs], layer.weight));
    }
    initializers.push(floats(`b${l}`, [layer.outputs], layer.bias));
    node('Gemm', [current, `W${l}`, `b${l}`], `z${l}`, { transB: 1 });
    current = `z${l}`;
    const op = { tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid', identity: null }[layer.activation];
    if (op !== null) {
      node(op, [current], `h${l}`);
      current = `h${l}`;
    }
  });
  const outputs = model.network.sizes[model.network.sizes.length - 1]!;
  let output: string;
  if (model.task === 'classification') {
    output = ONNX_NAMES.probabilities;
    node('Softmax', [current], output, { axis: 1 });
  } else {
    output = ONNX_NAMES.prediction;
    if (model.targetScaling === null) {
      node('Identity', [current], output);
    } else {
      initializers.push(floats('target_std', [], [model.targetScaling.std]), floats('target_mean', [], [model.targetScaling.mean]));
      node('Mul', [current, 'target_std'], 'target_scaled');
      node('Add', ['target_scaled', 'target_mean'], output);
    }
  }

  const valueInfo = (name: string, width: number) => onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  });
  const net = model.network;
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'prunus',
    // The feature and class names are in the metadata; the description only says how to use them.
    docString: `prunus ${model.task} ${net.sizes.join('-')}: input "features" = raw rows (columns: metadata "features"), ` +
      (model.task === 'classification' ? 'output "probabilities" (columns: metadata "classes")' : `output "prediction" = "${model.target}" in its own units`),
    graph: {
      name: 'prunus',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(ONNX_NAMES.input, m)],
      output: [valueInfo(output, outputs)],
    },
    metadataProps: [
      { key: 'task', value: model.task },
      { key: 'features', value: JSON.stringify(model.features) },
      { key: 'target', value: model.target },
      { key: 'classes', value: JSON.stringify(model.classes) },
      { key: 'weights', value: options.quantize === 'int8' ? 'int8, per-layer scale' : precision },
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}
