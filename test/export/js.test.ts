import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exportedEquivalent, toJsModule, type ExportOptions } from '../../src/export/index.js';
import { argmaxRow } from '../../src/nn/metrics.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { float32Rows, randomModel, relativeError, selectColumns, trainedCases } from './models.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-js-export-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface JsModule {
  predict(row: ArrayLike<number>): { label: string; probabilities: number[] } | number;
  features: string[];
  classes: string[] | null;
}

let written = 0;
/** Writes the module and imports it, as a user would. */
async function load(model: Model, options: ExportOptions = {}): Promise<JsModule> {
  const path = join(folder, `model-${written++}.mjs`);
  writeFileSync(path, toJsModule(model, options).text);
  return (await import(pathToFileURL(path).href)) as JsModule;
}

/** The module's predictions for raw rows, flattened like predictRaw's; labels checked on the way. */
function predictAll(module: JsModule, model: Model, rows: Float64Array): Float64Array {
  const m = model.features.length;
  const out: number[] = [];
  for (let i = 0; i < rows.length / m; i++) {
    const result = module.predict(Array.from(rows.subarray(i * m, (i + 1) * m)));
    if (typeof result === 'number') out.push(result);
    else {
      expect(result.label).toBe(model.classes![argmaxRow(Float64Array.from(result.probabilities), 0, result.probabilities.length)]);
      out.push(...result.probabilities);
    }
  }
  return Float64Array.from(out);
}

const trained = trainedCases();
const cases = Object.entries(trained).flatMap(([task, c]) =>
  (['full', 'pruned', 'shrunk'] as const).map((form) => ({ name: `${task}, ${form}`, model: c[form], rows: selectColumns(c.rows, c.full.features, c[form].features) })),
);
for (const activation of ['relu', 'identity'] as const) {
  const model = randomModel({ seed: 5, task: 'classification', inputs: 5, hidden: [6, 4], activations: [activation, 'tanh'], pruneRate: 0.5 });
  cases.push({ name: `random ${activation} classifier, pruned`, model, rows: Float64Array.from({ length: 50 }, (_, k) => Math.sin(k) * 4) });
}

describe('js export: import the written module and compare with prunus', () => {
  for (const { name, model, rows } of cases) {
    it(`${name}: float32 to 1e-5, float64 to 1e-12, int8 to 1e-5 of its dequantized model`, async () => {
      const x = float32Rows(rows);
      const expected = predictRaw(model, x);
      expect(relativeError(predictAll(await load(model), model, x), expected)).toBeLessThan(1e-5);
      expect(relativeError(predictAll(await load(model, { precision: 'float64' }), model, x), expected)).toBeLessThan(1e-12);
      const int8 = { quantize: 'int8' } as const;
      expect(relativeError(predictAll(await load(model, int8), model, x), predictRaw(exportedEquivalent(model, int8), x))).toBeLessThan(1e-5);
    });
  }

  it('the result has the shape of one element of prunus predict --json: a labelled probability vector, or a number', async () => {
    const classifier = await load(trained.classifier.shrunk);
    const row = Array.from(trained.classifier.rows.subarray(0, 13)).filter((_, c) => trained.classifier.shrunk.features.includes(trained.classifier.full.features[c]!));
    const result = classifier.predict(row);
    expect(Object.keys(result)).toEqual(['label', 'probabilities']);
    expect(classifier.features).toEqual(trained.classifier.shrunk.features);
    expect(classifier.classes).toEqual(['0', '1', '2']);
    const regressor = await load(trained.regressor.full);
    expect(typeof regressor.predict(Array.from(trained.regressor.rows.subarray(0, 13)))).toBe('number');
    expect(regressor.classes).toBeNull();
  });

  it('a row of the wrong length is a one-line TypeError naming the features', async () => {
    const module = await load(trained.regressor.full);
    expect(() => module.predict([1, 2])).toThrow(/expected an array of 13 numbers \(crim, zn, .*got 2 values/);
  });

  it('unstructured pruning: sparse layers make the module smaller; structured pruning: shrinking does', () => {
    const spec = { seed: 9, task: 'classification', inputs: 60, hidden: [40], activations: ['tanh'] } as const;
    // The weights' share of the text: the code, names and scalings, measured on a one-unit network.
    const code = toJsModule(randomModel({ ...spec, hidden: [1], pruneRate: 0 })).text.length;
    const full = toJsModule(randomModel({ ...spec, pruneRate: 0 }));
    const pruned = toJsModule(randomModel({ ...spec, pruneRate: 0.8 }));
    const int8 = toJsModule(randomModel({ ...spec, pruneRate: 0 }), { quantize: 'int8' });
    expect(full.layers.map((l) => l.storage)).toEqual(['dense', 'dense']);
    expect(pruned.layers.map((l) => l.storage)).toEqual(['csr', 'csr']);
    // 20% of the weights at 5 bytes (float32 value, uint8 column) against 4 bytes each.
    expect(pruned.text.length - code).toBeLessThan(0.3 * (full.text.length - code));
    expect(int8.text.length - code).toBeLessThan(0.3 * (full.text.length - code));
    expect(toJsModule(trained.classifier.shrunk).text.length).toBeLessThan(toJsModule(trained.classifier.pruned).text.length);
  });
});
