/**
 * The report's figures, each a standalone SVG built from one `ExperimentResults`: quality
 * against the share removed (as pruned, fine-tuned, R²), output-noise heat maps, the structure
 * search's ELBO, the methods' own ELBO, the Belsley illustration and the Belsley matrices
 * compared. A figure whose data is absent is left out, never drawn empty.
 */
import type { ExperimentResults } from '../search/results.js';
import type { Context, Figure } from './figure-kit.js';
import { metricView } from './findings.js';
import { illustrationFigure, noiseFigure } from './matrix-figures.js';
import { belsleyFigure, methodElboFigure, qualityFigure, r2Figure } from './quality-figures.js';
import { searchFigure } from './search-figure.js';
import { methodStyles } from './styles.js';

export type { Figure } from './figure-kit.js';
export { robustDomain } from './figure-kit.js';
export { heatMapLabels } from './matrix-figures.js';
export { keptLogAxis } from './search-figure.js';
export { methodStyles, type MethodStyle } from './styles.js';

/** All figures that the results have data for, in reading order. */
export function buildFigures(results: ExperimentResults): Figure[] {
  const keys = Object.keys(results.methods);
  const ctx: Context = { results, view: metricView(results.metric), styles: methodStyles(keys), keys };
  const anyFineTuned = keys.some((k) => results.methods[k]!.fineTuned !== undefined);
  const figures = [
    qualityFigure(ctx, 'quality', (m) => m.quality, 'Test quality as pruned'),
    anyFineTuned ? qualityFigure(ctx, 'quality-fine-tuned', (m) => m.fineTuned, `Test quality after fine-tuning (${results.fineTuneEpochs} epochs per step)`) : undefined,
    r2Figure(ctx),
    noiseFigure(ctx, 'noise', (m) => m.noise, 'Output noise under input noise, as pruned'),
    noiseFigure(ctx, 'noise-fine-tuned', (m) => m.fineTunedNoise, 'Output noise under input noise, fine-tuned'),
    searchFigure(ctx),
    methodElboFigure(ctx),
    belsleyFigure(ctx),
    illustrationFigure(ctx),
  ];
  return figures.filter((f): f is Figure => f !== undefined);
}
