/**
 * The hourly mention series of one scope (a brand, product, store or keyword), made dense: hours missing between the
 * first bucket and any later hour count as zero, and window sums are O(1) from prefix sums.
 */

/** Bad input to the spike detector: the message names the field (and the bucket index). */
export class SpikeInputError extends Error {}

export const HOUR_MS = 3_600_000;

/** One hour of one scope's mentions. */
export interface HourBucket {
  /** Start of the hour, UTC (a whole hour). */
  hour: Date;
  /** Mentions in the hour (a non-negative integer). */
  mentions: number;
  /** Of those, mentions with negative sentiment (0 ≤ negatives ≤ mentions). */
  negatives: number;
}

/** Mentions and negatives summed over a window. */
export interface WindowCounts {
  mentions: number;
  negatives: number;
}

/** Options of {@link HourlySeries.from}. */
export interface SeriesOptions {
  /**
   * Where the history starts (a whole hour), when it starts before the first non-empty bucket: hours from here on
   * count as zero; hours before the history start are unknown and never used as baseline samples. Default: the
   * earliest bucket.
   */
  historyStart?: Date;
}

function requireHour(value: unknown, field: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new SpikeInputError(`${field}: not a valid Date`);
  const ms = value.getTime();
  if (ms % HOUR_MS !== 0) throw new SpikeInputError(`${field}: not the start of an hour (${value.toISOString()})`);
  return ms;
}

function requireCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new SpikeInputError(`${field}: must be a non-negative integer (got ${JSON.stringify(value)})`);
  return value;
}

/** A dense hourly series from its history start on; every hour after the stored ones is zero. */
export class HourlySeries {
  private constructor(
    /** First hour of the history (ms since the epoch), or null for an empty history. */
    readonly startMs: number | null,
    private readonly cumMentions: Float64Array,
    private readonly cumNegatives: Float64Array,
  ) {}

  /** Validates and densifies buckets (any order). Throws {@link SpikeInputError} naming `series[i].field`. */
  static from(buckets: readonly HourBucket[], opts: SeriesOptions = {}): HourlySeries {
    const hours = buckets.map((b, i) => {
      const hour = requireHour(b.hour, `series[${i}].hour`);
      const mentions = requireCount(b.mentions, `series[${i}].mentions`);
      const negatives = requireCount(b.negatives, `series[${i}].negatives`);
      if (negatives > mentions) throw new SpikeInputError(`series[${i}].negatives: ${negatives} is more than the ${mentions} mentions`);
      return { hour, mentions, negatives, i };
    });
    const declared = opts.historyStart === undefined ? null : requireHour(opts.historyStart, 'historyStart');
    const earliest = hours.reduce<number | null>((m, h) => (m === null || h.hour < m ? h.hour : m), null);
    if (declared !== null && earliest !== null && earliest < declared)
      throw new SpikeInputError(`historyStart: after the earliest bucket (${new Date(earliest).toISOString()})`);
    const start = declared ?? earliest;
    if (start === null) return new HourlySeries(null, new Float64Array(1), new Float64Array(1));
    const length = hours.reduce((n, h) => Math.max(n, (h.hour - start) / HOUR_MS + 1), 0);
    const mentions = new Float64Array(length);
    const negatives = new Float64Array(length);
    const seen = new Map<number, number>();
    for (const h of hours) {
      const idx = (h.hour - start) / HOUR_MS;
      const dup = seen.get(idx);
      if (dup !== undefined) throw new SpikeInputError(`series[${h.i}].hour: ${new Date(h.hour).toISOString()} repeats series[${dup}]`);
      seen.set(idx, h.i);
      mentions[idx] = h.mentions;
      negatives[idx] = h.negatives;
    }
    return new HourlySeries(start, prefixSums(mentions), prefixSums(negatives));
  }

  /** Whether the hour starting at `ms` lies inside the history (at or after its start). */
  covers(ms: number): boolean {
    return this.startMs !== null && ms >= this.startMs;
  }

  /** Counts over the hours [fromMs, toMs): hours before the history start or after the last bucket count as zero. */
  sum(fromMs: number, toMs: number): WindowCounts {
    return { mentions: this.cumulative(this.cumMentions, toMs) - this.cumulative(this.cumMentions, fromMs), negatives: this.cumulative(this.cumNegatives, toMs) - this.cumulative(this.cumNegatives, fromMs) };
  }

  /** Sum of the hours before `ms` (prefix index clamped to the stored range). */
  private cumulative(cum: Float64Array, ms: number): number {
    if (this.startMs === null) return 0;
    const idx = Math.min(Math.max(Math.ceil((ms - this.startMs) / HOUR_MS), 0), cum.length - 1);
    return cum[idx]!;
  }
}

/** cum[i] = Σ values[0..i). */
function prefixSums(values: Float64Array): Float64Array {
  const cum = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) cum[i + 1] = cum[i]! + values[i]!;
  return cum;
}

/**
 * A scope's series as callers pass it: the buckets (history starting at the earliest), the buckets with their
 * declared history start, or a series densified once for many evaluations.
 */
export type SeriesInput = HourlySeries | readonly HourBucket[] | { buckets: readonly HourBucket[]; historyStart?: Date };

/** Densifies a {@link SeriesInput} (a {@link HourlySeries} is returned as it is). */
export function asSeries(series: SeriesInput): HourlySeries {
  if (series instanceof HourlySeries) return series;
  if (Array.isArray(series)) return HourlySeries.from(series);
  const { buckets, historyStart } = series as { buckets: readonly HourBucket[]; historyStart?: Date };
  return HourlySeries.from(buckets, historyStart === undefined ? {} : { historyStart });
}
