/**
 * The seasonal rolling baseline: how many mentions (and what negative share) a window "normally" has, from the same
 * local hour on recent days and the same local hour and weekday in recent weeks. See README.md § Baseline.
 */
import { HOUR_MS, SpikeInputError, asSeries, type HourlySeries, type SeriesInput, type WindowCounts } from './series.js';
import { DEFAULT_TIME_ZONE, shiftLocalDays } from './tz.js';

/** Options of {@link seasonalBaseline}; every field has a default. */
export interface BaselineOptions {
  /** Same local hour and weekday over this many previous weeks (default 4). */
  weeks?: number;
  /** Same local hour over this many previous days (default 14). */
  days?: number;
  /** IANA time zone of "hour of day" and "day of week" (default Asia/Shanghai). */
  tz?: string;
  /** Window length in hours, 1–24 (default 1). */
  windowHours?: number;
  /** Least expected mentions per hour of window (default 0.5), so an empty history does not make every mention a spike. */
  floorPerHour?: number;
  /** Least expected negative share (default 0.01), so a history without a negative mention does not make every one significant. */
  shareFloor?: number;
  /** Fewest mentions in the seasonal windows for their pooled share to stand (default 50); fewer → all history's share. */
  shareMinMentions?: number;
}

/** What a window is expected to hold. */
export interface Baseline {
  /** Expected mentions in the window, at least floorPerHour × windowHours. */
  expected: number;
  /** Expected share of negative mentions, at least shareFloor. */
  expectedNegShare: number;
  /** Distinct past windows the seasonal estimate used; 0 means it fell back to the history mean (or to the floor). */
  samples: number;
  /** Where `expected` came from before the floor: the seasonal samples, the mean rate of all history, or nothing. */
  source: 'seasonal' | 'history_mean' | 'none';
}

export const BASELINE_DEFAULTS = { weeks: 4, days: 14, tz: DEFAULT_TIME_ZONE, windowHours: 1, floorPerHour: 0.5, shareFloor: 0.01, shareMinMentions: 50 } as const;

type ResolvedOptions = Required<BaselineOptions>;

function resolveOptions(opts: BaselineOptions): ResolvedOptions {
  const d = BASELINE_DEFAULTS;
  const o: ResolvedOptions = {
    weeks: opts.weeks ?? d.weeks, days: opts.days ?? d.days, tz: opts.tz ?? d.tz, windowHours: opts.windowHours ?? d.windowHours,
    floorPerHour: opts.floorPerHour ?? d.floorPerHour, shareFloor: opts.shareFloor ?? d.shareFloor, shareMinMentions: opts.shareMinMentions ?? d.shareMinMentions,
  };
  const intIn = (field: 'weeks' | 'days' | 'windowHours', min: number, max: number) => {
    if (!Number.isInteger(o[field]) || o[field] < min || o[field] > max) throw new SpikeInputError(`${field}: must be an integer from ${min} to ${max} (got ${o[field]})`);
  };
  intIn('weeks', 0, 52);
  intIn('days', 0, 90);
  intIn('windowHours', 1, 24);
  if (!(o.floorPerHour > 0)) throw new SpikeInputError(`floorPerHour: must be above 0 (got ${o.floorPerHour})`);
  if (!(o.shareFloor > 0 && o.shareFloor < 1)) throw new SpikeInputError(`shareFloor: must be between 0 and 1 (got ${o.shareFloor})`);
  return o;
}

/** The end of an evaluation window: a valid Date on a whole hour. */
export function requireWindowEnd(at: Date): number {
  const ms = at instanceof Date ? at.getTime() : NaN;
  if (Number.isNaN(ms) || ms % HOUR_MS !== 0) throw new SpikeInputError(`at: must be a Date on a whole hour (got ${String(at)})`);
  return ms;
}

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The window of `windowHours` hours ending `d` days before `at` in local wall-clock time, keyed by d; skipped when
 * that time does not exist (DST), when the window starts before the history, or when it would overlap the current
 * window.
 */
function pastWindows(series: HourlySeries, at: Date, dayOffsets: readonly number[], o: ResolvedOptions): Map<number, WindowCounts> {
  const windowMs = o.windowHours * HOUR_MS;
  const currentStart = at.getTime() - windowMs;
  const out = new Map<number, WindowCounts>();
  for (const d of dayOffsets) {
    const end = shiftLocalDays(at, -d, o.tz)?.getTime();
    if (end === undefined || end > currentStart || !series.covers(end - windowMs)) continue;
    out.set(d, series.sum(end - windowMs, end));
  }
  return out;
}

const range = (n: number, step: number) => Array.from({ length: n }, (_, i) => (i + 1) * step);

/**
 * Expected mentions and negative share for the window [at − windowHours, at).
 *
 * expected = ½ · median(same hour, previous `days` days) + ½ · median(same hour and weekday, previous `weeks` weeks);
 * one median alone when the other set is empty; the history's mean hourly rate × windowHours when both are; then
 * at least floorPerHour × windowHours. The negative share is pooled (Σ negatives / Σ mentions) over the same windows
 * when they hold at least shareMinMentions mentions, else over all history, then at least shareFloor. The current window is never a sample.
 */
export function seasonalBaseline(series: SeriesInput, at: Date, opts: BaselineOptions = {}): Baseline {
  const o = resolveOptions(opts);
  const s = asSeries(series);
  requireWindowEnd(at);
  const daily = pastWindows(s, at, range(o.days, 1), o);
  const weekly = pastWindows(s, at, range(o.weeks, 7), o);
  const samples = new Map([...daily, ...weekly]);
  const history = historyBefore(s, at.getTime() - o.windowHours * HOUR_MS);
  const { raw, source } = rawExpected(daily, weekly, history, o.windowHours);
  const pooled = [...samples.values()].reduce((a, c) => ({ mentions: a.mentions + c.mentions, negatives: a.negatives + c.negatives }), { mentions: 0, negatives: 0 });
  // A share from a handful of mentions is noise (3 of 8 at 20:00 would hide a real rise): below shareMinMentions the
  // share pools over all the history before the window, where negative share is far less seasonal than volume.
  const shareFrom = pooled.mentions >= o.shareMinMentions || history.mentions === 0 ? pooled : history;
  const share = shareFrom.mentions > 0 ? shareFrom.negatives / shareFrom.mentions : 0;
  return { expected: Math.max(raw, o.floorPerHour * o.windowHours), expectedNegShare: Math.max(share, o.shareFloor), samples: samples.size, source };
}

/** The expected count before the floor: the mean of the two medians (or the one there is), else the history's rate. */
function rawExpected(
  daily: Map<number, WindowCounts>, weekly: Map<number, WindowCounts>, history: { mentions: number; hours: number }, windowHours: number,
): { raw: number; source: Baseline['source'] } {
  const medians = [daily, weekly].filter((m) => m.size > 0).map((m) => median([...m.values()].map((c) => c.mentions)));
  if (medians.length > 0) return { raw: medians.reduce((a, b) => a + b, 0) / medians.length, source: 'seasonal' };
  if (history.hours > 0) return { raw: (history.mentions / history.hours) * windowHours, source: 'history_mean' };
  return { raw: 0, source: 'none' };
}

/** Counts and length (hours) of the history before `endMs`. */
function historyBefore(series: HourlySeries, endMs: number): WindowCounts & { hours: number } {
  const start = series.startMs;
  if (start === null || start >= endMs) return { mentions: 0, negatives: 0, hours: 0 };
  return { ...series.sum(start, endMs), hours: (endMs - start) / HOUR_MS };
}
