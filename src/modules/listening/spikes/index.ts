/**
 * Spike detection for social listening (issue 12): seasonal baselines, exact Poisson / binomial tests, rules and
 * alert dedup, for one scope's hourly series at a time. Pure TypeScript, no database; see README.md.
 */
export { HourlySeries, SpikeInputError, HOUR_MS, type HourBucket, type SeriesInput, type SeriesOptions, type WindowCounts } from './series.js';
export { localClock, shiftLocalDays, DEFAULT_TIME_ZONE, type LocalClock } from './tz.js';
export { seasonalBaseline, BASELINE_DEFAULTS, type Baseline, type BaselineOptions } from './baseline.js';
export { poissonUpperTail, logPoissonUpperTail, binomialUpperTail, logBinomialUpperTail } from './stats.js';
export {
  spikeRuleSchema, parseSpikeRule, assessRule, evaluateRule, scan, DEFAULT_MIN_NEGATIVE_SHARE,
  type SpikeRule, type ParsedSpikeRule, type SpikeFinding, type SpikeCheck, type RuleAssessment, type BaselineSettings,
} from './rules.js';
export { nextAlertState, type OpenSpike, type SpikePeak, type AlertAction, type LifecycleOptions } from './lifecycle.js';
