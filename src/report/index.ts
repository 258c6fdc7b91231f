/**
 * The report layer: renders one `ExperimentResults` as a self-contained HTML page with SVG
 * figures (`writeReport`), and as a compact terminal table (`summaryTable`). It imports only
 * the results' types and plain helpers; the CLI calls it.
 */
export { renderReport, writeReport, type WrittenReport } from './html.js';
export { summaryTable, tableLevelIndices, TABLE_LEVELS } from './table.js';
export { buildFigures, methodStyles, type Figure, type MethodStyle } from './figures.js';
export {
  keptUpTo,
  methodFindings,
  metricView,
  ACCURACY_TOLERANCE,
  RMSE_RELATIVE_TOLERANCE,
  type MethodFinding,
  type MetricView,
} from './findings.js';
