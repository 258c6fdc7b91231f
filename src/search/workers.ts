/**
 * Running an experiment's cells on every core: a pool of `worker_threads`, each taking one seed
 * at a time (it trains that seed's model once and runs every method cell on it). Cells are
 * deterministic in their spec, so the results do not depend on the number of workers or the order
 * cells finish in.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runCell, trainForCell, type CellResult, type CellSpec, type ExperimentSettings } from './experiment.js';

/** One unit of work for a worker: some cells of one seed (its model trained once). */
export interface SeedTask {
  readonly settings: ExperimentSettings;
  readonly seed: number;
  readonly cells: readonly CellSpec[];
}

/** Messages from a worker. */
export type WorkerMessage = { readonly type: 'cell'; readonly result: CellResult } | { readonly type: 'done' } | { readonly type: 'error'; readonly message: string };

/** Runs a seed's cells in this thread, training its model once for all method cells. */
export function runSeedTask(task: SeedTask, onCell: (result: CellResult) => void): void {
  const methodCells = task.cells.filter((c) => c.method !== 'search');
  const trained = methodCells.length > 0 ? trainForCell(task.settings, task.seed) : undefined;
  for (const cell of task.cells) onCell(runCell(cell, cell.method === 'search' ? undefined : trained));
}

/** Groups cells into per-seed tasks; a seed's search is a task of its own (it trains its own model). */
export function seedTasks(cells: readonly CellSpec[]): SeedTask[] {
  const tasks: SeedTask[] = [];
  const seeds = [...new Set(cells.map((c) => c.seed))];
  for (const seed of seeds) {
    const mine = cells.filter((c) => c.seed === seed);
    const methods = mine.filter((c) => c.method !== 'search');
    const search = mine.filter((c) => c.method === 'search');
    if (methods.length > 0) tasks.push({ settings: methods[0]!.settings, seed, cells: methods });
    if (search.length > 0) tasks.push({ settings: search[0]!.settings, seed, cells: search });
  }
  return tasks;
}

/** The compiled worker entry, next to this module (dist) or in dist when running from the sources (tests). */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/search/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('experiment: the worker script is not built (run npm run build), or use --workers 1');
}

/**
 * Runs the cells on `workers` threads and calls `onCell` as each finishes. With `workers` 0 they
 * run in this thread (which is then busy until they are done: no progress, no signal handling).
 * Resolves when all are done; rejects with the first error (the other workers are stopped).
 */
export async function runCells(cells: readonly CellSpec[], workers: number, onCell: (result: CellResult) => void): Promise<void> {
  const tasks = seedTasks(cells);
  if (tasks.length === 0) return;
  if (workers <= 0) {
    for (const task of tasks) runSeedTask(task, onCell);
    return;
  }
  const script = workerScript();
  const queue = [...tasks];
  const pool: Worker[] = [];
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    let failed = false;
    const next = (worker: Worker): void => {
      const task = queue.shift();
      if (task === undefined) {
        void worker.terminate();
        if (--running === 0 && !failed) resolve();
        return;
      }
      worker.postMessage(task);
    };
    for (let w = 0; w < Math.min(workers, tasks.length); w++) {
      const worker = new Worker(script);
      pool.push(worker);
      running++;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'cell') onCell(message.result);
        else if (message.type === 'done') next(worker);
        else {
          failed = true;
          for (const other of pool) void other.terminate();
          reject(new Error(message.message));
        }
      });
      worker.on('error', (err) => {
        failed = true;
        for (const other of pool) void other.terminate();
        reject(err);
      });
      next(worker);
    }
  });
}
