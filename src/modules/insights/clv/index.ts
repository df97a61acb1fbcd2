/**
 * CLV models (issue 7): BG/NBD, Pareto/NBD and Gamma-Gamma fitted by maximum likelihood, per-customer predictions and
 * a calibration/holdout validation report. Pure functions over customer summaries, so the same code can fit from a
 * file (`kemai clv`) or from the database.
 */
export { fitBgnbd, bgnbdPAlive, bgnbdExpected, bgnbdConditionalExpected, bgnbdLogLik, bgnbdNegLogLik, BGNBD_NAMES, type BgnbdParams } from './bgnbd.js';
export { fitParetoNbd, paretoPAlive, paretoExpected, paretoConditionalExpected, paretoNegLogLik, PARETO_NAMES, type ParetoNbdParams } from './pareto-nbd.js';
export { fitGammaGamma, gammaGammaConditionalMean, gammaGammaNegLogLik, SpendDataError, GAMMA_GAMMA_NAMES, type GammaGammaParams, type SpendData } from './gamma-gamma.js';
export { type FitResult, type FrequencyData } from './model.js';
export { pAlive, conditionalExpected, expectedRepeats, clvOf, daysToNextPurchase, predictCustomers, type FrequencyModel, type CustomerPrediction, type PredictOptions } from './predict.js';
export { validate, type ValidationReport, type FrequencyBucket } from './validation.js';
export {
  summarize,
  aggregateTriples,
  addTransaction,
  cumulativeRepeatsByWeek,
  dayNumber,
  dayDate,
  PERIOD_DAYS,
  type PurchaseLog,
  type CustomerSummary,
  type Period,
  type AggregatedTriples,
} from './summary.js';
export { readTransactions, parseDateCell, ClvFileError, type FileFormat, type TransactionFileOptions, type TransactionFileResult } from './transactions-file.js';
