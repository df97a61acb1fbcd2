/**
 * Kemai's in-process sentiment model for Chinese and English (issue 12): see README.md in this folder.
 */
export { SentimentModel, trainSentiment, extractTrainingSet, fitTrainingSet, DEFAULT_TRAINING } from './model.js';
export type { SentimentResult, SentimentModelInfo, TrainSentimentOptions, LabelledText, TrainingSet } from './model.js';
export { parseLabel, detectLabelScale } from './labels.js';
export type { SentimentLabel, LabelScale } from './labels.js';
export { trainFromFile, readLabelledFile, SentimentFileError } from './train-file.js';
export type { TrainFromFileOptions } from './train-file.js';
export { TfidfBaseline } from './baseline.js';
export type { BaselineOptions, BinaryText } from './baseline.js';
export { loadCorpora, loadCorpus, splitCorpora, CORPORA, SPLIT_RULE, DEFAULT_DATA_DIR } from './corpora.js';
export type { CorpusName, CorpusRow, CorpusSplit } from './corpora.js';
export { binaryScores } from './metrics.js';
export type { BinaryScores } from './metrics.js';
export { normalise, detectLang, DEFAULT_FEATURES } from './text.js';
export type { Lang, FeatureConfig } from './text.js';
