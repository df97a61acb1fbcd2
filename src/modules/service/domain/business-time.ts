/**
 * Business time: the minutes a service calendar is open. Pure and exact (to the millisecond), no I/O.
 *
 * A calendar gives each ISO weekday (1 = Monday … 7 = Sunday) its open intervals as "HH:MM" pairs of wall-clock time
 * in `timeZone` ("24:00" may end a day); `holidays` are closed dates; `workdays` are make-up working days (调休) that
 * open with `workdayHours` (default: Monday's hours) whatever their weekday. A null calendar is open around the clock.
 *
 * Both functions walk day by day over cached per-day spans, so a closed day costs one map lookup: a 30-day holiday is
 * 30 steps, never one per minute.
 */

export type OpenInterval = readonly [string, string];

export interface BusinessCalendar {
  timeZone: string;
  week: Readonly<Partial<Record<string, ReadonlyArray<OpenInterval>>>>;
  holidays?: readonly string[];
  workdays?: readonly string[];
  workdayHours?: ReadonlyArray<OpenInterval> | null;
}

export interface CalendarIssue {
  path: string;
  message: string;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far an addition may look ahead before deciding the calendar never opens (10 years). */
const MAX_DAYS = 3660;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function minuteOf(hhmm: string, end: boolean): number | null {
  if (end && hhmm === '24:00') return 1440;
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date; null when it is no real date. */
export function dayNumber(date: string): number | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number (day 0, 1970-01-01, was a Thursday). */
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

const zoneNames = new Map<string, boolean>();

/** An IANA zone name the runtime knows ("Asia/Shanghai", "UTC"); offsets like "+08:00" are refused. */
export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  let ok = zoneNames.get(name);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      ok = true;
    } catch {
      ok = false;
    }
    zoneNames.set(name, ok);
  }
  return ok;
}

function intervalIssues(list: unknown, path: string): CalendarIssue[] {
  if (!Array.isArray(list)) return [{ path, message: 'must be a list of ["HH:MM", "HH:MM"] intervals' }];
  const issues: CalendarIssue[] = [];
  let prevEnd = -1;
  list.forEach((iv, i) => {
    if (!Array.isArray(iv) || iv.length !== 2 || typeof iv[0] !== 'string' || typeof iv[1] !== 'string') {
      issues.push({ path: `${path}.${i}`, message: 'must be a pair ["HH:MM", "HH:MM"]' });
      prevEnd = Infinity;
      return;
    }
    const s = minuteOf(iv[0], false);
    const e = minuteOf(iv[1], true);
    if (s === null) issues.push({ path: `${path}.${i}.0`, message: 'must be a time HH:MM (00:00–23:59)' });
    if (e === null) issues.push({ path: `${path}.${i}.1`, message: 'must be a time HH:MM (00:01–24:00)' });
    if (s === null || e === null) {
      prevEnd = Infinity;
      return;
    }
    if (s >= e) issues.push({ path: `${path}.${i}`, message: `must start before it ends (${iv[0]} ≥ ${iv[1]})` });
    else if (s < prevEnd)
      issues.push({ path: `${path}.${i}`, message: prevEnd === Infinity ? 'follows an invalid interval' : 'must start after the previous interval ends (sorted, not overlapping)' });
    prevEnd = Math.max(prevEnd, e);
  });
  return issues;
}

function dateListIssues(list: unknown, path: string): CalendarIssue[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ path, message: 'must be a list of dates YYYY-MM-DD' }];
  const issues: CalendarIssue[] = [];
  list.forEach((d, i) => {
    if (typeof d !== 'string' || dayNumber(d) === null) issues.push({ path: `${path}.${i}`, message: 'must be a date YYYY-MM-DD' });
  });
  return issues;
}

/**
 * What is wrong with a calendar, each issue naming its field: `timeZone` (an IANA zone), `week.<1–7>.<i>` (intervals
 * HH:MM, start before end, sorted, not overlapping), `holidays.<i>` / `workdays.<i>` (real dates, no date in both),
 * `workdayHours.<i>`. A calendar with no open hours in its week is refused (its clocks would never run).
 */
export function calendarIssues(cal: unknown): CalendarIssue[] {
  if (!cal || typeof cal !== 'object') return [{ path: '(root)', message: 'must be a calendar object' }];
  const c = cal as Record<string, unknown>;
  const issues: CalendarIssue[] = [];
  if (!isTimeZone(c.timeZone)) issues.push({ path: 'timeZone', message: 'must be an IANA time zone such as Asia/Shanghai' });
  const week = c.week;
  if (!week || typeof week !== 'object' || Array.isArray(week)) issues.push({ path: 'week', message: 'must map weekdays 1 (Monday) … 7 (Sunday) to open intervals' });
  else {
    let open = 0;
    for (const [key, list] of Object.entries(week)) {
      if (!/^[1-7]$/.test(key)) {
        issues.push({ path: `week.${key}`, message: 'weekdays are 1 (Monday) … 7 (Sunday)' });
        continue;
      }
      issues.push(...intervalIssues(list, `week.${key}`));
      if (Array.isArray(list)) open += list.length;
    }
    if (open === 0 && issues.length === 0) issues.push({ path: 'week', message: 'needs at least one open interval (the clocks would never run)' });
  }
  issues.push(...dateListIssues(c.holidays, 'holidays'), ...dateListIssues(c.workdays, 'workdays'));
  if (c.workdayHours != null) issues.push(...intervalIssues(c.workdayHours, 'workdayHours'));
  if (Array.isArray(c.holidays) && Array.isArray(c.workdays)) {
    const holidays = new Set(c.holidays);
    c.workdays.forEach((d, i) => {
      if (holidays.has(d)) issues.push({ path: `workdays.${i}`, message: `${String(d)} is also a holiday` });
    });
  }
  return issues;
}

// ------------------------------------------------------------------ time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffset(ms: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(ms / 1000) * 1000;
}

// ------------------------------------------------------------------ compiled calendars

type Span = readonly [number, number];

class Compiled {
  private readonly week: Array<Array<[number, number]>> = [];
  private readonly holidays = new Set<number>();
  private readonly workdays = new Set<number>();
  private readonly workdayHours: Array<[number, number]>;
  private readonly spans = new Map<number, readonly Span[]>();
  private readonly offsets = new Map<number, number>();
  readonly timeZone: string;

  constructor(cal: BusinessCalendar) {
    const issues = calendarIssues(cal);
    if (issues.length > 0) throw new Error(`invalid calendar: ${issues[0]!.path}: ${issues[0]!.message}`);
    this.timeZone = cal.timeZone;
    const minutes = (list: ReadonlyArray<OpenInterval> | null | undefined) => (list ?? []).map(([s, e]) => [minuteOf(s, false)!, minuteOf(e, true)!] as [number, number]);
    for (let d = 1; d <= 7; d++) this.week[d] = minutes(cal.week[String(d)]);
    for (const h of cal.holidays ?? []) this.holidays.add(dayNumber(h)!);
    for (const w of cal.workdays ?? []) this.workdays.add(dayNumber(w)!);
    this.workdayHours = cal.workdayHours ? minutes(cal.workdayHours) : this.week[1]!;
  }

  /** The zone's offset at an instant, cached per UTC hour (offsets change on the hour in every zone in use). */
  private offset(ms: number): number {
    const hour = Math.floor(ms / 3_600_000);
    let off = this.offsets.get(hour);
    if (off === undefined) {
      off = zoneOffset(ms, this.timeZone);
      if (this.offsets.size > 50_000) this.offsets.clear();
      this.offsets.set(hour, off);
    }
    return off;
  }

  /** The local day (days since 1970-01-01 in the zone) an instant falls on. */
  localDay(ms: number): number {
    return Math.floor((ms + this.offset(ms)) / DAY);
  }

  /** The instant of a wall-clock minute of a local day (two passes settle the offset around DST changes). */
  private instant(day: number, minute: number): number {
    const wall = day * DAY + minute * MINUTE;
    const first = wall - this.offset(wall);
    return wall - this.offset(first);
  }

  hoursOf(day: number): ReadonlyArray<[number, number]> {
    if (this.holidays.has(day)) return [];
    if (this.workdays.has(day)) return this.workdayHours;
    return this.week[isoWeekday(day)]!;
  }

  /** The day's open spans as instants [start, end) in ms. */
  spansOf(day: number): readonly Span[] {
    let spans = this.spans.get(day);
    if (!spans) {
      spans = this.hoursOf(day).map(([s, e]) => [this.instant(day, s), this.instant(day, e)] as const);
      if (this.spans.size > 20_000) this.spans.clear();
      this.spans.set(day, spans);
    }
    return spans;
  }
}

const compiled = new WeakMap<BusinessCalendar, Compiled>();

function compile(cal: BusinessCalendar): Compiled {
  let c = compiled.get(cal);
  if (!c) {
    c = new Compiled(cal);
    compiled.set(cal, c);
  }
  return c;
}

/**
 * The instant `minutes` business minutes after `start`: the earliest instant by which the calendar has been open that
 * long since `start` (so it may fall exactly on a closing time: 10 minutes from 20:50 on a day closing at 21:00 is
 * 21:00, not the next opening). Fractions of a minute count to the millisecond. 0 minutes is `start` itself.
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar | null): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number ≥ 0 (got ${minutes})`);
  const from = start.getTime();
  let left = Math.round(minutes * MINUTE);
  if (!calendar || left === 0) return new Date(from + left);
  const c = compile(calendar);
  const first = c.localDay(from);
  for (let day = first - 1; day <= first + MAX_DAYS; day++) {
    for (const [s, e] of c.spansOf(day)) {
      const begin = Math.max(s, from);
      if (e <= begin) continue;
      if (e - begin >= left) return new Date(begin + left);
      left -= e - begin;
    }
  }
  throw new RangeError(`the calendar does not open for ${minutes} minutes within ${MAX_DAYS} days of ${start.toISOString()}`);
}

/** Business milliseconds between two instants (negative when `b` is before `a`). */
export function businessMsBetween(a: Date, b: Date, calendar: BusinessCalendar | null): number {
  const [x, y] = [a.getTime(), b.getTime()];
  if (y < x) return -businessMsBetween(b, a, calendar);
  if (!calendar || y === x) return y - x;
  const c = compile(calendar);
  let total = 0;
  const last = c.localDay(y);
  for (let day = c.localDay(x) - 1; day <= last + 1; day++) {
    for (const [s, e] of c.spansOf(day)) {
      const lo = Math.max(s, x);
      const hi = Math.min(e, y);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/** Business minutes between two instants (fractional; negative when `b` is before `a`). The inverse of addBusinessMinutes. */
export function businessMinutesBetween(a: Date, b: Date, calendar: BusinessCalendar | null): number {
  return businessMsBetween(a, b, calendar) / MINUTE;
}

/** Whether the calendar is open at an instant. */
export function isOpen(at: Date, calendar: BusinessCalendar | null): boolean {
  if (!calendar) return true;
  const c = compile(calendar);
  const ms = at.getTime();
  const day = c.localDay(ms);
  for (const d of [day - 1, day, day + 1]) for (const [s, e] of c.spansOf(d)) if (ms >= s && ms < e) return true;
  return false;
}
