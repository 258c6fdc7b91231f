/**
 * Loads the reference fixtures of test/fixtures (see its README) for tests: the model JSON as
 * an `MLP`, the data CSV as a standardized batch, and the reference derivatives.
 *
 * Deliberately independent of the model-file module: it reads only the fields the fixtures
 * use, so a bug there cannot hide behind the same bug here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Task } from '../../src/data/index.js';
import { makeBatch, type Batch } from '../../src/nn/losses.js';
import { MLP, type Activation } from '../../src/nn/mlp.js';

/** The fixtures shipped in test/fixtures. */
export const FIXTURE_NAMES = ['tiny-classifier', 'deep-regressor', 'masked-relu', 'wine-13-16-3'] as const;

/** One fixture's name. */
export type FixtureName = (typeof FIXTURE_NAMES)[number];

/** Value and derivatives of the summed NLL computed by PyTorch in float64. */
export interface FixtureReference {
  readonly loss: number;
  readonly gradient: Float64Array;
  readonly hessianDiag: Float64Array;
  /** The full Hessian, row-major n×n; only for the small fixtures. */
  readonly hessian?: Float64Array;
}

/** A fixture ready for a test. */
export interface Fixture {
  readonly name: FixtureName;
  readonly task: Task;
  readonly net: MLP;
  /** Inputs scaled by the model's `inputScaling`, targets by its `targetScaling` (regression). */
  readonly batch: Batch;
  readonly reference: FixtureReference;
}

interface LayerJson {
  weight: number[][];
  bias: number[];
  activation: Activation;
  weightMask?: number[][];
  biasMask?: number[];
}

interface ModelJson {
  task: Task;
  classes: string[] | null;
  inputScaling: { mean: number[]; std: number[] } | null;
  targetScaling: { mean: number; std: number } | null;
  layers: LayerJson[];
}

const directory = fileURLToPath(new URL('../fixtures/', import.meta.url));

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(directory + file, 'utf8'));
}

/** The MLP of a fixture model: weights row-major `[out][in]` then bias, layer by layer, with masks. */
function toNet(model: ModelJson): MLP {
  const sizes = [model.layers[0]!.weight[0]!.length, ...model.layers.map((layer) => layer.bias.length)];
  const params: number[] = [];
  const mask: number[] = [];
  for (const layer of model.layers) {
    params.push(...layer.weight.flat(), ...layer.bias);
    mask.push(...(layer.weightMask?.flat() ?? layer.weight.flat().map(() => 1)), ...(layer.biasMask ?? layer.bias.map(() => 1)));
  }
  return new MLP(sizes, model.layers.map((layer) => layer.activation), Float64Array.from(params), Float64Array.from(mask));
}

/** The data CSV (header, numeric features, target last) as a batch, scaled as the model says. */
function toBatch(model: ModelJson, csv: string, inputs: number): Batch {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '').slice(1);
  const x = new Float64Array(lines.length * inputs);
  const y = new Float64Array(lines.length);
  lines.forEach((line, r) => {
    const cells = line.split(',');
    if (cells.length !== inputs + 1) throw new Error(`fixture data row ${r} has ${cells.length} cells, expected ${inputs + 1}`);
    for (let j = 0; j < inputs; j++) {
      const raw = Number(cells[j]);
      x[r * inputs + j] = model.inputScaling === null ? raw : (raw - model.inputScaling.mean[j]!) / model.inputScaling.std[j]!;
    }
    const target = cells[inputs]!.trim();
    if (model.task === 'classification') {
      const index = model.classes!.indexOf(target);
      if (index < 0) throw new Error(`fixture data row ${r} has class "${target}", not one of ${model.classes!.join(', ')}`);
      y[r] = index;
    } else {
      const raw = Number(target);
      y[r] = model.targetScaling === null ? raw : (raw - model.targetScaling.mean) / model.targetScaling.std;
    }
  });
  return makeBatch(x, inputs, y, model.task);
}

/** Loads fixture `name` from test/fixtures. */
export function loadFixture(name: FixtureName): Fixture {
  const model = readJson(`${name}.model.json`) as ModelJson;
  const raw = readJson(`${name}.reference.json`) as { loss: number; gradient: number[]; hessianDiag: number[]; hessian?: number[][] };
  const net = toNet(model);
  const batch = toBatch(model, readFileSync(`${directory}${name}.data.csv`, 'utf8'), net.sizes[0]!);
  const reference: FixtureReference = {
    loss: raw.loss,
    gradient: Float64Array.from(raw.gradient),
    hessianDiag: Float64Array.from(raw.hessianDiag),
    ...(raw.hessian === undefined ? {} : { hessian: Float64Array.from(raw.hessian.flat()) }),
  };
  return { name, task: model.task, net, batch, reference };
}
