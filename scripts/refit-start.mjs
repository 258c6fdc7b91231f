// Where the elbo criterion's MAP refit should start (docs/methods.md, "Choosing the prior"):
// from the start's fit (300 L-BFGS iterations at α = 1, what prunus does) or from the variational
// posterior mean. For each data set (seed 0, 16 tanh units): the start's fit, the variational fit
// at its defaults, then fitMap at the chosen α and s² from both points; prints time, iterations,
// optimizer and the final negative log-posterior (lower is the better MAP estimate).
//
//   npm run build && node scripts/refit-start.mjs [wine boston friedman synthetic]
import { loadDataset } from '../dist/data/index.js';
import { prepareData } from '../dist/nn/fit.js';
import { MLP } from '../dist/nn/mlp.js';
import { fitMap } from '../dist/nn/train.js';
import { fitVariational } from '../dist/nn/variational.js';
import { Random } from '../dist/random/random.js';

const names = process.argv.length > 2 ? process.argv.slice(2) : ['wine', 'boston', 'friedman', 'synthetic'];
for (const name of names) {
  const dataset = loadDataset(name);
  const task = dataset.task;
  const data = prepareData(dataset, { seed: 0 });
  const outputs = task === 'classification' ? dataset.classes.length : 1;
  const start = MLP.initialized([dataset.m, 16, outputs], ['tanh', 'identity'], new Random(0).fork());
  fitMap(start, data.train, task, { alpha: 1, maxIterations: 300 });
  const variational = fitVariational(start, data.train, task, { prior: 'global', alpha: 1, ...(task === 'regression' ? { noiseVariance: 1 } : {}), rng: new Random(0) });
  const noiseVariance = task === 'regression' ? variational.noiseVariance : 1;
  const fromMean = start.clone();
  fromMean.params.set(variational.posterior.mean);
  fromMean.applyMask();
  for (const [label, net] of [['start fit', start.clone()], ['posterior mean', fromMean]]) {
    const t = performance.now();
    const r = fitMap(net, data.train, task, { alpha: variational.alpha, noiseVariance });
    console.log(`${name.padEnd(9)} from ${label.padEnd(14)} ${((performance.now() - t) / 1000).toFixed(2).padStart(7)} s  ${String(r.iterations).padStart(4)} iterations (${r.optimizer})  converged ${r.converged}  objective ${r.objective.toFixed(4)}  (α ${variational.alpha[0].toFixed(2)})`);
  }
}
