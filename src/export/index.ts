/**
 * Leaving prunus: a model as a file other runtimes load and run — ONNX, a TensorFlow.js
 * LayersModel, a dependency-free ES module — optionally with int8 weights, plus sparse (CSR)
 * inference for unstructured pruning. Every export takes raw feature rows (the model's input
 * scaling is part of it) and returns what `predictRaw` returns: class probabilities in
 * `classes` order, or the target in its own units.
 *
 * Above `pruning` in the import order; nothing below imports it. The ONNX schema package is
 * loaded (dynamic `import()`) only by the ONNX exporter.
 */
import type { Model } from '../nn/model.js';
import type { ExportOptions } from './common.js';
import { toJsModule } from './js.js';
import { toOnnx } from './onnx.js';
import { TFJS_WEIGHTS_FILE, toTfjs } from './tfjs.js';

export { exportedEquivalent, type ExportOptions, type Precision } from './common.js';
export { toJsModule, type JsExport, type JsLayerStorage } from './js.js';
export { toOnnx, ONNX_NAMES, ONNX_OPSET } from './onnx.js';
export { toTfjs, TFJS_WEIGHTS_FILE, type TfjsExport } from './tfjs.js';
export { quantizeInt8, type QuantizedWeights } from './quantize.js';
export { toCsr, fromCsr, sparseNetwork, sparseForward, sparsePredict, type CsrMatrix, type SparseNetwork } from './sparse.js';

/** The export formats. */
export const EXPORT_FORMATS = ['onnx', 'tfjs', 'js'] as const;

/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One file of an export: its name (relative to the export's folder for tfjs; `null` for the single file of onnx and js) and contents. */
export interface ExportedFile {
  readonly name: string | null;
  readonly contents: Uint8Array;
}

/**
 * The files of a model in a format: one for `onnx` and `js` (written at the path the user
 * gives), `model.json` and the weights for `tfjs` (written into a folder).
 */
export async function exportModel(model: Model, format: ExportFormat, options: ExportOptions = {}): Promise<ExportedFile[]> {
  const utf8 = (text: string) => new TextEncoder().encode(text);
  switch (format) {
    case 'onnx':
      return [{ name: null, contents: await toOnnx(model, options) }];
    case 'js':
      return [{ name: null, contents: utf8(toJsModule(model, options).text) }];
    case 'tfjs': {
      const { modelJson, weights } = toTfjs(model, options);
      return [{ name: 'model.json', contents: utf8(modelJson) }, { name: TFJS_WEIGHTS_FILE, contents: weights }];
    }
  }
}
