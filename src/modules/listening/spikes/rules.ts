/**
 * Spike rules ("+500 % within 1 hour, at least 20 mentions, p < 0.001") and their evaluation for one scope at one
 * instant. A rule fires only when the increase, the minimum count and the significance test all pass (and, for the
 * negative share, the minimum share). See README.md § Rules.
 */
import { z } from 'zod';
import { seasonalBaseline, requireWindowEnd, type BaselineOptions } from './baseline.js';
import { HOUR_MS, SpikeInputError, asSeries, type SeriesInput } from './series.js';
import { DEFAULT_TIME_ZONE } from './tz.js';
import { binomialUpperTail, poissonUpperTail } from './stats.js';

const POSITIVE_MULTIPLE_OF_60 = 'must be a positive multiple of 60';

/**
 * A spike rule, validated (zod 4), for the lead's API. Unknown fields are refused, so a misspelt setting is an error
 * rather than a silent default. `metric: 'volume'` tests mention counts; `metric: 'negative_share'` tests the share
 * of negative mentions and also requires `minNegativeShare` (default 0.3; ignored by a volume rule).
 */
export const spikeRuleSchema = z.strictObject({
  id: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
  metric: z.enum(['volume', 'negative_share'], { error: "must be 'volume' or 'negative_share'" }),
  windowMinutes: z
    .number({ error: 'must be a number of minutes' })
    .int({ error: POSITIVE_MULTIPLE_OF_60 })
    .min(60, { error: POSITIVE_MULTIPLE_OF_60 })
    .multipleOf(60, { error: POSITIVE_MULTIPLE_OF_60 })
    .max(1440, { error: 'must be at most 1440 (a day): a longer window would overlap the previous day’s baseline sample' })
    .default(60),
  increasePct: z.number({ error: 'must be a number' }).gt(0, { error: 'must be above 0 (percent over the baseline)' }).default(500)
    .describe('e.g. 500 for "+500 %": observed ≥ expected × 6'),
  minCount: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, { error: 'must be at least 1' }).default(20)
    .describe('least mentions in the window'),
  alpha: z.number({ error: 'must be a number' }).gt(0, { error: 'must be in (0, 0.5)' }).lt(0.5, { error: 'must be in (0, 0.5)' }).default(0.001)
    .describe('the one-sided p-value must be below this'),
  minNegativeShare: z.number({ error: 'must be a number' }).min(0, { error: 'must be in [0, 1]' }).max(1, { error: 'must be in [0, 1]' }).optional()
    .describe('negative_share only: least share of negative mentions in the window (default 0.3)'),
});

/** A rule as written by a user: only `id` and `metric` are required. */
export type SpikeRule = z.input<typeof spikeRuleSchema>;
/** A validated rule, defaults filled in. */
export type ParsedSpikeRule = z.output<typeof spikeRuleSchema> & { minNegativeShare: number };

/** Default least negative share of a negative_share rule. */
export const DEFAULT_MIN_NEGATIVE_SHARE = 0.3;

/**
 * Validates a rule, throwing {@link SpikeInputError} whose message names every bad field, after `label` and the
 * rule's id: "spike rule 'x': windowMinutes: must be a positive multiple of 60".
 */
export function parseSpikeRule(input: unknown, label = 'spike rule'): ParsedSpikeRule {
  const parsed = spikeRuleSchema.safeParse(input);
  if (parsed.success) return { ...parsed.data, minNegativeShare: parsed.data.minNegativeShare ?? DEFAULT_MIN_NEGATIVE_SHARE };
  const id = (input as { id?: unknown } | null)?.id;
  const issues = parsed.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `${i.keys.join(', ')}: unknown field`;
    return i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : `a rule must be an object (${i.message})`;
  });
  throw new SpikeInputError(`${label}${typeof id === 'string' ? ` '${id}'` : ''}: ${issues.join('; ')}`);
}

/** One window's numbers for one rule, whether or not the rule fires. */
export interface SpikeFinding {
  ruleId: string;
  metric: ParsedSpikeRule['metric'];
  windowStart: Date;
  windowEnd: Date;
  /** volume: mentions in the window; negative_share: negative mentions in it. */
  observed: number;
  /** volume: the baseline's expected mentions; negative_share: mentions × baselineShare. */
  expected: number;
  /** (observed / expected − 1) × 100; for negative_share (negativeShare / baselineShare − 1) × 100, the same ratio. */
  increasePct: number;
  /** One-sided: Poisson P(X ≥ observed | expected) for volume, binomial P(X ≥ negatives | mentions, baselineShare) for the share. */
  pValue: number;
  mentions: number;
  negatives: number;
  /** negatives / mentions in the window (0 without mentions). */
  negativeShare: number;
  baselineShare: number;
  /** Past windows behind the baseline (0: it is the history mean or the floor). */
  samples: number;
}

/** A check a rule makes; `failed` lists those that did not pass. */
export type SpikeCheck = 'increase' | 'minCount' | 'pValue' | 'minNegativeShare';

/** A rule's evaluation with its verdict: it fires when `failed` is empty. */
export interface RuleAssessment {
  finding: SpikeFinding;
  fires: boolean;
  failed: SpikeCheck[];
}

/** Baseline settings of an evaluation besides the time zone (the window length comes from the rule). */
export type BaselineSettings = Omit<BaselineOptions, 'windowHours' | 'tz'>;

/** A window's counts and baseline, before a rule's test. */
type Measured = Omit<SpikeFinding, 'observed' | 'expected' | 'increasePct' | 'pValue'>;
/** A test's numbers and the checks it failed. */
type Tested = { numbers: Pick<SpikeFinding, 'observed' | 'expected' | 'increasePct' | 'pValue'>; failed: SpikeCheck[] };

/** Volume: m against the expected count E; m ≥ E × factor; Poisson tail. */
function testVolume(m: Measured, expected: number, factor: number): Tested {
  const numbers = { observed: m.mentions, expected, increasePct: (m.mentions / expected - 1) * 100, pValue: poissonUpperTail(m.mentions, expected) };
  return { numbers, failed: m.mentions < expected * factor ? ['increase'] : [] };
}

/** Negative share: n/m against the baseline share s₀; n/m ≥ s₀ × factor and ≥ the rule's minimum; binomial tail. */
function testShare(m: Measured, factor: number, minNegativeShare: number): Tested {
  const s0 = m.baselineShare;
  const numbers = { observed: m.negatives, expected: m.mentions * s0, increasePct: (m.negativeShare / s0 - 1) * 100, pValue: binomialUpperTail(m.negatives, m.mentions, s0) };
  const failed: SpikeCheck[] = [];
  if (m.negativeShare < s0 * factor) failed.push('increase');
  if (m.negativeShare < minNegativeShare) failed.push('minNegativeShare');
  return { numbers, failed };
}

/**
 * Evaluates a rule on the window [at − windowMinutes, at) and says which checks pass. `at` must be a whole hour;
 * the series is one scope's hourly buckets (see {@link SeriesInput}); `tz` the scope's time zone for seasonality.
 */
export function assessRule(rule: SpikeRule, series: SeriesInput, at: Date, tz: string = DEFAULT_TIME_ZONE, settings: BaselineSettings = {}): RuleAssessment {
  const r = parseSpikeRule(rule);
  const s = asSeries(series);
  const endMs = requireWindowEnd(at);
  const windowHours = r.windowMinutes / 60;
  const startMs = endMs - windowHours * HOUR_MS;
  const { mentions, negatives } = s.sum(startMs, endMs);
  const base = seasonalBaseline(s, at, { ...settings, tz, windowHours });
  const measured: Measured = {
    ruleId: r.id, metric: r.metric, windowStart: new Date(startMs), windowEnd: new Date(endMs), mentions, negatives,
    negativeShare: mentions > 0 ? negatives / mentions : 0, baselineShare: base.expectedNegShare, samples: base.samples,
  };
  const factor = 1 + r.increasePct / 100;
  const { numbers, failed } = r.metric === 'volume' ? testVolume(measured, base.expected, factor) : testShare(measured, factor, r.minNegativeShare);
  if (mentions < r.minCount) failed.push('minCount');
  if (numbers.pValue >= r.alpha) failed.push('pValue');
  return { finding: { ...measured, ...numbers }, fires: failed.length === 0, failed };
}

/** The finding when the rule fires on the window ending at `at`, else null. See {@link assessRule}. */
export function evaluateRule(rule: SpikeRule, series: SeriesInput, at: Date, tz: string = DEFAULT_TIME_ZONE, settings: BaselineSettings = {}): SpikeFinding | null {
  const a = assessRule(rule, series, at, tz, settings);
  return a.fires ? a.finding : null;
}

/** Every rule that fires for one scope at `at` (the series densified once). Rule ids must be distinct. */
export function scan(series: SeriesInput, rules: readonly SpikeRule[], at: Date, tz: string = DEFAULT_TIME_ZONE, settings: BaselineSettings = {}): SpikeFinding[] {
  const parsed = rules.map((rule, i) => parseSpikeRule(rule, `rules[${i}]`));
  const seen = new Map<string, number>();
  parsed.forEach((rule, i) => {
    const first = seen.get(rule.id);
    if (first !== undefined) throw new SpikeInputError(`rules[${i}].id: '${rule.id}' repeats rules[${first}]`);
    seen.set(rule.id, i);
  });
  const s = asSeries(series);
  return parsed.map((rule) => evaluateRule(rule, s, at, tz, settings)).filter((f): f is SpikeFinding => f !== null);
}
