/** Business-time helpers: day boundaries and birthdays follow one configured zone. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date (YYYY-MM-DD) of an instant in the business time zone. One formatter per zone:
 * building an Intl.DateTimeFormat costs far more than using one (it was most of loyalty's per-order earn time).
 */
export function localDate(instant: Date, timeZone: string): string {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, f);
  }
  const parts = f.formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  date.setUTCFullYear(y);
  return date.getTime();
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = wallClockFormatter(timeZone).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const era = parts.find((p) => p.type === 'era');
  const year = era?.value === 'BC' ? 1 - get('year') : get('year');
  const wall = utcMillis(year, get('month'), get('day'), get('hour'), get('minute'), get('second'), 0);
  return wall - Math.floor(instant / 1000) * 1000;
}

const HOUR = 3_600_000;
const offsets = new Map<string, number>();

/**
 * zoneOffset through a cache per zone and UTC hour (Intl formatting costs tens of µs and a batch
 * of local times mostly shares a few hours). An hour is cached only when its offset is the same at
 * both ends, i.e. no transition falls inside it.
 */
function hourlyOffset(instant: number, timeZone: string): number {
  const hour = Math.floor(instant / HOUR);
  const key = `${timeZone}|${hour}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  const start = zoneOffset(hour * HOUR, timeZone);
  if (zoneOffset(hour * HOUR + HOUR - 1000, timeZone) !== start) return zoneOffset(instant, timeZone);
  if (offsets.size >= 100_000) offsets.clear();
  offsets.set(key, start);
  return start;
}

const WITH_OFFSET = /[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/**
 * An instant from API text: with an offset it is absolute; a local date-time (or a date, read as
 * its midnight) is wall-clock time in the business zone. Undefined when the text is neither.
 */
export function parseInstant(text: string, timeZone: string): Date | undefined {
  const t = text.trim();
  if (WITH_OFFSET.test(t)) {
    const d = new Date(t);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = LOCAL.exec(t);
  if (!m) return undefined;
  const num = (i: number) => Number(m[i] ?? 0);
  const [y, mo, d, h, mi, s] = [num(1), num(2), num(3), num(4), num(5), num(6)];
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const wall = utcMillis(y, mo, d, h, mi, s, ms);
  if (new Date(wall).getUTCDate() !== d) return undefined;
  // The offset at the wall time read as UTC is right except within hours of a DST transition;
  // one correction step settles it there.
  const first = wall - hourlyOffset(wall, timeZone);
  const second = wall - hourlyOffset(first, timeZone);
  return new Date(second);
}
