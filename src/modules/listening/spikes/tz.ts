/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl.DateTimeFormat: the local hour and weekday of an
 * instant (what "hour of day / day of week" seasonality means) and "the same wall-clock time d days earlier", which
 * is 24 h × d away except across a daylight-saving change.
 */
import { SpikeInputError } from './series.js';

/** Default time zone for hour-of-day and day-of-week seasonality. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** An instant as read on a wall clock in one time zone. */
export interface LocalClock {
  /** 0–23. */
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local date as `YYYY-MM-DD`. */
  date: string;
  /** Local time minus UTC, in minutes (+480 in Shanghai, +60 / +120 in Berlin). */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      });
    } catch {
      throw new SpikeInputError(`tz: unknown time zone '${tz}'`);
    }
    formatters.set(tz, f);
  }
  return f;
}

const offsets = new Map<string, number>();
/** Bound on remembered offsets; when reached the memo starts over. */
const OFFSET_MEMO_SIZE = 100_000;

/**
 * Local time minus UTC at `ms`, in milliseconds (seconds ignored). formatToParts costs ~15 µs, and a scan asks for
 * the same instants for every scope and rule, so offsets are remembered per (zone, instant).
 */
function offsetMs(ms: number, tz: string): number {
  const key = `${tz} ${ms}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const parts: Record<string, number> = {};
    for (const p of formatterFor(tz).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - (ms - (ms % 60_000));
    if (offsets.size >= OFFSET_MEMO_SIZE) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The local hour, minute, weekday, date and UTC offset of `at` in `tz` (throws naming `tz` when it is unknown). */
export function localClock(at: Date, tz: string): LocalClock {
  const ms = at.getTime();
  const d = new Date(ms + offsetMs(ms, tz));
  return {
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay() === 0 ? 7 : d.getUTCDay(),
    date: d.toISOString().slice(0, 10),
    offsetMinutes: Math.round(offsetMs(ms, tz) / 60_000),
  };
}

/**
 * The instant showing the same local wall-clock time as `at`, `days` days later (negative: earlier). 24 h × days
 * apart unless a daylight-saving change lies between; `null` when that wall-clock time does not exist on the target
 * day (the skipped hour of a spring-forward). Of a repeated autumn hour's two instants, the one 24 h × days away.
 */
export function shiftLocalDays(at: Date, days: number, tz: string): Date | null {
  const ms = at.getTime();
  const targetWall = ms + offsetMs(ms, tz) + days * DAY_MS;
  // Local = UTC + offset, with the offset read at a guess; a second pass settles a guess on the wrong side of a change.
  let candidate = targetWall - offsetMs(ms + days * DAY_MS, tz);
  for (let pass = 0; pass < 2; pass++) {
    if (candidate + offsetMs(candidate, tz) === targetWall) return new Date(candidate);
    candidate = targetWall - offsetMs(candidate, tz);
  }
  return null;
}
