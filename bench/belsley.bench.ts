/**
 * Belsley pruning of the 64-32-10 tanh network (2,410 parameters) on digits, 0 → 100% in 5%
 * steps, by the `information` form with the Gauss-Newton matrix (M = G + αI over the active
 * parameters): each step scores the active set and removes the next 5% of all parameters in
 * the method's order, so there are 20 scorings. At every step M is built once and scored by both
 * the forced full eigendecomposition and the default (fast path where it is safe, full
 * otherwise), back to back on the same matrix, timing the build and each decomposition and
 * comparing the two orders (the same ξ, the same order up to ties); the full path's removals
 * are applied, so both paths see the same networks even where a cut falls among tied scores.
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
import { belsleyOrder } from '../src/pruning/belsley.js';
import { posteriorCurvature } from '../src/pruning/dense.js';
import { Random } from '../src/random/random.js';

const STEPS = 20;

/** One path's scoring of a step: its time, which path answered and why, and its order. */
interface Scoring {
  readonly ms: number;
  readonly path: string;
  readonly note: string;
  readonly order: Int32Array;
  readonly scores: Float64Array;
}

function scoring(matrix: Float64Array, network: MLP, alpha: number, fullDecomposition: boolean): Scoring {
  const k = network.activeCount;
  const start = performance.now();
  const result = belsleyScores(matrix, k, alpha, { fullDecomposition });
  const ms = performance.now() - start;
  // The method's order (belsleyMethod.score): ξ first, then by score, largest first.
  const active = network.activeIndices();
  const order = Int32Array.from(belsleyOrder(result.scores, result.xi), (a) => active[a]!);
  return { ms, path: String(result.details['decomposition']), note: String(result.details['decompositionNote']), order, scores: result.scores };
}

/** The largest amount by which a later parameter of `order` outscores an earlier one, in the full path's scores (over the active set). */
function worstInversion(order: Int32Array, fullScores: Float64Array, network: MLP): number {
  const position = new Map(Array.from(network.activeIndices(), (j, a) => [j, a] as const));
  let worst = -Infinity, later = -Infinity;
  for (let i = order.length - 1; i >= 1; i--) {
    const score = fullScores[position.get(order[i]!)!]!;
    worst = Math.max(worst, later - score);
    later = Math.max(later, score);
  }
  return worst;
}

export async function run(): Promise<void> {
  const dataPath = fileURLToPath(new URL('../../data/digits.csv', import.meta.url));
  let start = performance.now();
  const fit = trainOnDataset(loadDataset(dataPath), { hidden: [32] });
  const fitSeconds = (performance.now() - start) / 1000;
  const base = { task: fit.model.task, batch: fit.data.train, alpha: fit.map.alpha[0]!, noiseVariance: 1, rng: new Random(0) };
  const network = fit.model.network.clone();
  const n = network.parameterCount;
  console.log(
    `64-32-10 tanh on digits: ${n} parameters, ${fit.data.train.rows} train rows; MAP fit (α = ${fit.map.alpha}, ` +
    `converged ${fit.map.converged}, ${fit.map.iterations} L-BFGS iterations, ${fitSeconds.toFixed(1)} s, not counted), test accuracy ${'accuracy' in fit.test ? fit.test.accuracy.toFixed(3) : '?'}`,
  );
  console.log(`belsley, information, Gauss-Newton; ${STEPS} scorings, each removing 5% of all parameters; load average before: ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  // The inline loop reproduces the method: check its order once on the unpruned network.
  const check = belsleyMethod.score({ ...base, network: network.clone() }, { matrix: 'information' });
  console.log('Per step, M is built once and decomposed by both paths back to back (alternating which goes first),');
  console.log('so that the load of this shared machine weighs on both alike; the full path\'s removals are applied.');
  console.log('step  active   build M   full path   default   default path');
  let buildTotal = 0, fullTotal = 0, fastTotal = 0;
  const differences: string[] = [];
  const refusals: string[] = [];
  let firstOrder: Int32Array | null = null;
  const wall = performance.now();
  for (let s = 0; s < STEPS; s++) {
    const k = network.activeCount;
    start = performance.now();
    const { matrix } = posteriorCurvature({ ...base, network }, 'gauss-newton', 'bench');
    const buildMs = performance.now() - start;
    const [full, fast] = s % 2 === 0
      ? [scoring(matrix, network, base.alpha, true), scoring(matrix, network, base.alpha, false)]
      : (([b, a]) => [a, b] as const)([scoring(matrix, network, base.alpha, false), scoring(matrix, network, base.alpha, true)]);
    firstOrder ??= fast.order;
    const count = Math.round(((s + 1) * n) / STEPS) - Math.round((s * n) / STEPS);
    const removed = Array.from(full.order.subarray(0, count));
    const fastRemoved = new Set(fast.order.subarray(0, count));
    const differ = removed.filter((j) => !fastRemoved.has(j)).length;
    // Up to ties: wherever the default puts p before q, the full path's score of q is not above
    // p's by more than 1e-9; removals may then differ only among parameters tied at the cut.
    const inversion = worstInversion(fast.order, full.scores, network);
    if (fast.order[0] !== full.order[0] || inversion > 1e-9) differences.push(`step ${s}: ξ or the order differ beyond ties (by ${inversion.toExponential(1)})`);
    if (differ > 0) differences.push(`step ${s}: ${differ} of ${count} removals differ, among parameters whose scores tie at the cut (orders agree up to ties)`);
    if (fast.path === 'full') refusals.push(`  step ${s} (k = ${k}): ${fast.note}`);
    buildTotal += buildMs; fullTotal += full.ms; fastTotal += fast.ms;
    console.log(
      `  ${String(s).padStart(2)}  ${String(k).padStart(5)}  ${(buildMs / 1000).toFixed(2).padStart(6)} s  ${(full.ms / 1000).toFixed(2).padStart(8)} s  ` +
      `${(fast.ms / 1000).toFixed(2).padStart(6)} s   ${fast.path}`,
    );
    network.prune(removed);
  }
  console.log(
    `totals: build M ${(buildTotal / 1000).toFixed(1)} s; decomposition ${(fullTotal / 1000).toFixed(1)} s full, ${(fastTotal / 1000).toFixed(1)} s default; ` +
    `pruning 0→100% would take ${((buildTotal + fullTotal) / 1000).toFixed(1)} s with the full path, ${((buildTotal + fastTotal) / 1000).toFixed(1)} s by default ` +
    `(this run, both: ${((performance.now() - wall) / 1000).toFixed(1)} s); load average after: ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`,
  );
  if (refusals.length > 0) console.log('steps where the default fell back to the full path:');
  for (const line of refusals) console.log(line);
  const methodOrderMatches = firstOrder !== null && Array.from(check.order).every((j, i) => j === firstOrder![i]);
  console.log(`belsleyMethod.score on the unpruned network gives the bench's first order: ${methodOrderMatches}`);
  console.log(differences.length === 0 ? `both paths gave the same ξ, the same order and the same removals at every one of the ${STEPS} steps` : differences.join('\n'));
}
