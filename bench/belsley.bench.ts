/**
 * Belsley pruning of the 64-32-10 tanh network (2,410 parameters) on digits, 0 → 100% in 5%
 * steps, by the `information` form with the Gauss-Newton matrix (M = G + αI over the active
 * parameters): each step scores the active set and removes the next 5% of all parameters in
 * the method's order, so there are 20 scorings. Run twice — forced full eigendecomposition, and
 * the default (fast path where it is safe, full otherwise) — timing per step the build of M and
 * the decomposition, and comparing what the two runs removed.
 *
 * The network is a MAP fit (trainOnDataset, α = 1, L-BFGS to convergence; its time is printed
 * but not counted) on the train rows of the default 75/25 split of the built-in digits data.
 */

import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/index.js';
import { trainOnDataset } from '../src/nn/fit.js';
import type { MLP } from '../src/nn/mlp.js';
import { belsleyMethod, belsleyScores } from '../src/pruning/belsley-method.js';
import { orderWithTies } from '../src/pruning/belsley.js';
import { posteriorCurvature } from '../src/pruning/dense.js';
import type { RelevanceContext } from '../src/pruning/relevance.js';
import { Random } from '../src/random/random.js';

const STEPS = 20;

interface Step {
  readonly active: number;
  readonly path: string;
  readonly note: string;
  readonly buildMs: number;
  readonly decompositionMs: number;
  /** Removed after this scoring, and the scores they and the next in line had. */
  readonly removed: number[];
  readonly scores: Float64Array;
  readonly order: Int32Array;
}

/** One pruning run: score, remove the next 5% of all n parameters in the order, repeat. */
function prune(network: MLP, base: Omit<RelevanceContext, 'network'>, fullDecomposition: boolean, log: (line: string) => void): Step[] {
  const n = network.parameterCount;
  const steps: Step[] = [];
  for (let s = 0; s < STEPS; s++) {
    const context: RelevanceContext = { ...base, network };
    const k = network.activeCount;
    let start = performance.now();
    const { matrix } = posteriorCurvature(context, 'gauss-newton', 'bench');
    const buildMs = performance.now() - start;
    start = performance.now();
    const result = belsleyScores(matrix, k, context.alpha, { fullDecomposition });
    const decompositionMs = performance.now() - start;
    // The method's order (belsleyMethod.score): ξ first, then by score, ties by index.
    const active = network.activeIndices();
    const scores = new Float64Array(n).fill(Number.NaN);
    active.forEach((j, a) => (scores[j] = result.scores[a]!));
    const order = Int32Array.from(orderWithTies(result.scores, result.xi), (a) => active[a]!);
    const count = Math.round(((s + 1) * n) / STEPS) - Math.round((s * n) / STEPS);
    const removed = Array.from(order.subarray(0, count));
    const path = String(result.details['decomposition']);
    steps.push({ active: k, path, note: String(result.details['decompositionNote']), buildMs, decompositionMs, removed, scores, order });
    log(`  ${String(s).padStart(2)}  ${String(k).padStart(5)}  ${path.padEnd(5)}  ${(buildMs / 1000).toFixed(2).padStart(7)} s  ${(decompositionMs / 1000).toFixed(2).padStart(7)} s`);
    network.prune(removed);
  }
  return steps;
}

function total(steps: Step[], pick: (s: Step) => number): number {
  return steps.reduce((sum, s) => sum + pick(s), 0) / 1000;
}

/** Whether two runs removed the same parameters at every step; if not, where and whether only ties differ. */
function compare(full: Step[], fast: Step[]): string[] {
  const lines: string[] = [];
  for (let s = 0; s < STEPS; s++) {
    const a = new Set(full[s]!.removed), b = new Set(fast[s]!.removed);
    const onlyFull = [...a].filter((j) => !b.has(j)), onlyFast = [...b].filter((j) => !a.has(j));
    if (onlyFull.length === 0) continue;
    // A difference is a tie when the swapped parameters' full-path scores are within 1e-9.
    const scores = full[s]!.scores;
    const spread = Math.max(...[...onlyFull, ...onlyFast].map((j) => scores[j]!)) - Math.min(...[...onlyFull, ...onlyFast].map((j) => scores[j]!));
    lines.push(`step ${s}: ${onlyFull.length} of ${a.size} removals differ (full-path scores of the swapped parameters span ${spread.toExponential(1)}${spread <= 1e-9 ? ', a tie' : ''}); later steps prune different networks`);
    return lines;
  }
  lines.push(`both runs removed exactly the same parameters at every one of the ${STEPS} steps`);
  return lines;
}

export async function run(): Promise<void> {
  const dataPath = fileURLToPath(new URL('../../data/digits.csv', import.meta.url));
  let start = performance.now();
  const fit = trainOnDataset(loadDataset(dataPath), { hidden: [32] });
  const fitSeconds = (performance.now() - start) / 1000;
  const base = { task: fit.model.task, batch: fit.data.train, alpha: fit.map.alpha, noiseVariance: 1, rng: new Random(0) };
  const network = fit.model.network;
  console.log(
    `64-32-10 tanh on digits: ${network.parameterCount} parameters, ${fit.data.train.rows} train rows; MAP fit (α = ${fit.map.alpha}, ` +
    `converged ${fit.map.converged}, ${fit.map.iterations} L-BFGS iterations, ${fitSeconds.toFixed(1)} s, not counted), test accuracy ${'accuracy' in fit.test ? fit.test.accuracy.toFixed(3) : '?'}`,
  );
  console.log(`belsley, information, Gauss-Newton; ${STEPS} scorings, each removing 5% of all parameters; load average before: ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  // The inline loop reproduces the method: check its order once on the unpruned network.
  const check = belsleyMethod.score({ ...base, network: network.clone() }, { matrix: 'information' });
  const results: Record<string, Step[]> = {};
  for (const [name, fullDecomposition] of [['full', true], ['fast', false]] as const) {
    console.log(`\n${name === 'full' ? 'forced full eigendecomposition (fullDecomposition: true)' : 'default: fast path where it is safe, full otherwise'}`);
    console.log('step  active  path     build M   decomposition');
    start = performance.now();
    results[name] = prune(network.clone(), base, fullDecomposition, (line) => console.log(line));
    const steps = results[name]!;
    console.log(
      `total ${((performance.now() - start) / 1000).toFixed(1)} s: build M ${total(steps, (s) => s.buildMs).toFixed(1)} s, decomposition ${total(steps, (s) => s.decompositionMs).toFixed(1)} s; ` +
      `load average after: ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`,
    );
    for (const s of steps) if (s.path === 'full' && name === 'fast') console.log(`  step ${steps.indexOf(s)} (k = ${s.active}) full: ${s.note}`);
  }
  const methodOrderMatches = Array.from(check.order).every((j, i) => j === results['fast']![0]!.order[i]);
  console.log(`\nbelsleyMethod.score on the unpruned network gives the bench's first order: ${methodOrderMatches}`);
  for (const line of compare(results['full']!, results['fast']!)) console.log(line);
}
