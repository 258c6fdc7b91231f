/**
 * The data layer: CSV in and out, the built-in and synthetic data sets, seeded (stratified)
 * splits and training-set standardization. Plain arrays in and out; no CLI code.
 */
export { DataError } from './errors.js';
export type { CsvOptions, CsvTable, FeatureTable, FeatureTableOptions, ReadFeatureOptions } from './csv.js';
export { formatCsv, formatMatrixCsv, isMissing, parseCsv, parseFeatureTable, parseNumber, readCsvFile, readFeatureTable, toFeatureTable } from './csv.js';
export type { Dataset, Task } from './dataset.js';
export { MAX_INFERRED_CLASSES, toDataset } from './dataset.js';
export type { BuiltinDataset, LoadOptions } from './datasets.js';
export { BUILTIN_DATASETS, DATA_DIR, isBuiltinDataset, loadDataset } from './datasets.js';
export type { SyntheticDataset, SyntheticOptions, SyntheticReading } from './synthetic.js';
export { generateSynthetic, syntheticCovariance, syntheticMean } from './synthetic.js';
export type { FriedmanOptions } from './friedman.js';
export { FRIEDMAN_SIGNAL_STD, generateFriedman } from './friedman.js';
export type { Split, SplitOptions } from './split.js';
export { subsetDataset, takeRows, trainTestSplit, trainValidationSplit } from './split.js';
export type { Standardizer, TargetScaling } from './scaling.js';
export { applyStandardizer, fitStandardizer, fitTargetScaling, scaleTarget, unscaleTarget } from './scaling.js';
export { writeFileAtomic } from './files.js';
export { chunked, jsonPieces, writePiecesAtomic } from './json.js';
