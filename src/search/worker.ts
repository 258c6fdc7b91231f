/**
 * The worker thread of {@link runCells}: runs the seed tasks it is sent, posting each finished
 * cell back, then `done`; an error is posted as one message (the main thread stops the pool).
 */
import { parentPort } from 'node:worker_threads';
import { runSeedTask, type SeedTask, type WorkerMessage } from './workers.js';

const port = parentPort;
if (port === null) throw new Error('worker.js runs as a worker thread of prunus experiment');
port.on('message', (task: SeedTask) => {
  try {
    runSeedTask(task, (result) => port.postMessage({ type: 'cell', result } satisfies WorkerMessage));
    port.postMessage({ type: 'done' } satisfies WorkerMessage);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerMessage);
  }
});
