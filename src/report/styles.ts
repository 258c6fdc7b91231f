/**
 * How each method is drawn in every figure: colour, dash pattern and marker, fixed for the
 * known methods so figures of different data sets compare at a glance.
 */
import type { MarkerShape } from './charts.js';

/** How one method is drawn everywhere: colour, dash pattern, marker. */
export interface MethodStyle {
  readonly color: string;
  readonly dash?: string;
  readonly marker: MarkerShape;
}

/**
 * Okabe–Ito colours (colour-blind safe), with the yellow darkened to be visible as a line on
 * white, and two of Paul Tol's for the ninth and tenth method. Known methods keep their
 * style in every report, so figures of different data sets compare at a glance.
 */
const KNOWN: Record<string, MethodStyle> = {
  obd: { color: '#0072B2', marker: 'circle' },
  'obd-seed': { color: '#0072B2', dash: '5 2', marker: 'square' },
  variational: { color: '#009E73', marker: 'square' },
  belsley: { color: '#D55E00', marker: 'diamond' },
  magnitude: { color: '#E69F00', dash: '7 3', marker: 'triangle' },
  obs: { color: '#56B4E9', dash: '7 3', marker: 'triangle-down' },
  random: { color: '#000000', dash: '2 3', marker: 'cross' },
  'belsley-laplace': { color: '#CC79A7', dash: '8 3 2 3', marker: 'diamond' },
  'belsley-trajectory': { color: '#A08C00', dash: '4 2', marker: 'star' },
  'belsley-exact': { color: '#882255', dash: '1 2', marker: 'plus' },
  'belsley-information': { color: '#D55E00', marker: 'diamond' },
};
const FALLBACK: MethodStyle[] = [
  { color: '#0072B2', dash: '4 2', marker: 'square' },
  { color: '#009E73', dash: '4 2', marker: 'triangle' },
  { color: '#D55E00', dash: '4 2', marker: 'circle' },
  { color: '#CC79A7', marker: 'triangle-down' },
  { color: '#44AA99', marker: 'circle' },
  { color: '#332288', dash: '6 2', marker: 'square' },
  { color: '#E69F00', marker: 'plus' },
  { color: '#56B4E9', marker: 'star' },
];

/** The style of every method key: the known ones fixed, the others from a fallback cycle avoiding styles in use. */
export function methodStyles(keys: readonly string[]): Map<string, MethodStyle> {
  const styles = new Map<string, MethodStyle>();
  const used = new Set<string>();
  const id = (s: MethodStyle): string => `${s.color}|${s.dash ?? ''}|${s.marker}`;
  for (const key of keys) {
    const known = KNOWN[key];
    if (known !== undefined && !used.has(id(known))) {
      styles.set(key, known);
      used.add(id(known));
    }
  }
  let next = 0;
  for (const key of keys) {
    if (styles.has(key)) continue;
    let style = FALLBACK[next % FALLBACK.length]!;
    for (let tries = 0; tries < FALLBACK.length && used.has(id(style)); tries++) style = FALLBACK[++next % FALLBACK.length]!;
    next++;
    styles.set(key, style);
    used.add(id(style));
  }
  return styles;
}
