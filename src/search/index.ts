/**
 * The structure search (docs/methods.md §3) and the seed's experiments (§5), returning plain data.
 */
export * from './results.js';
export * from './select.js';
export * from './experiment.js';
