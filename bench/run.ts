/**
 * Benchmark entry: prints the machine, then runs each registered bench file in turn.
 * `node dist-bench/bench/run.js` runs all; `node dist-bench/bench/run.js matmul eigen` runs some.
 * To add a bench, export `run(): Promise<void>` from a file and add one line to BENCHES.
 */

import os from 'node:os';

/** Registered benches, loaded lazily so running one does not load the others' peers. */
const BENCHES: { name: string; load: () => Promise<{ run: () => Promise<void> }> }[] = [
  { name: 'matmul', load: () => import('./matmul.bench.js') },
  { name: 'eigen', load: () => import('./eigen.bench.js') },
  { name: 'curvature', load: () => import('./curvature.bench.js') },
  { name: 'sparse', load: () => import('./sparse.bench.js') },
  { name: 'training', load: () => import('./training.bench.js') },
  { name: 'belsley', load: () => import('./belsley.bench.js') },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  }
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}`);
  for (const bench of BENCHES) {
    if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
    console.log(`\n## ${bench.name}`);
    await (await bench.load()).run();
  }
}

await main();
