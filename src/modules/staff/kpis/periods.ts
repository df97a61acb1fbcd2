import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';

/** A reporting period: [from, to) in the business time zone, with its key (`2026-W47`, `2026-11`) when it is one. */
export interface Period {
  key: string | null;
  kind: 'week' | 'month' | 'range';
  from: Date;
  to: Date;
}

const WEEK = /^(\d{4})-W(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** The Monday (YYYY-MM-DD) of ISO week `week` of ISO year `year`; undefined when the year has no such week. */
export function isoWeekMonday(year: number, week: number): string | undefined {
  if (week < 1 || week > 53) return undefined;
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday1 = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
  const monday = new Date(monday1.getTime() + (week - 1) * 7 * 86_400_000);
  // Week 53 exists only when the year's last ISO week is 53: its Thursday is still in the year.
  const thursday = new Date(monday.getTime() + 3 * 86_400_000);
  if (thursday.getUTCFullYear() !== year) return undefined;
  return ymd(monday);
}

/** The ISO week key (`2026-W47`) of a calendar date (YYYY-MM-DD). */
export function isoWeekOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * A period key: `YYYY-Www` (ISO week, Monday 00:00 to the next Monday 00:00) or `YYYY-MM` (calendar month), in the
 * business time zone. A bad key is a 400 naming `field`.
 */
export function parsePeriodKey(key: string, timeZone: string, field = 'period'): Period {
  const w = WEEK.exec(key);
  if (w) {
    const monday = isoWeekMonday(Number(w[1]), Number(w[2]));
    if (!monday) throw badPeriod(field, key);
    const next = ymd(new Date(new Date(`${monday}T00:00:00Z`).getTime() + 7 * 86_400_000));
    return { key, kind: 'week', from: parseInstant(monday, timeZone)!, to: parseInstant(next, timeZone)! };
  }
  const m = MONTH.exec(key);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const next = mo === 12 ? `${y + 1}-01-01` : `${y}-${String(mo + 1).padStart(2, '0')}-01`;
    return { key, kind: 'month', from: parseInstant(`${key}-01`, timeZone)!, to: parseInstant(next, timeZone)! };
  }
  throw badPeriod(field, key);
}

const badPeriod = (field: string, key: string) =>
  invalid('staff.bad_period', `Not a period: ${key} (use 2026-W47 or 2026-11)`, [{ path: field, message: 'must be an ISO week (YYYY-Www) or a month (YYYY-MM)' }]);

/**
 * [from, to) from API text: a date (its midnight in the business time zone) or a date-time (with or without an offset).
 * Both are required; from must be before to. Errors name the field.
 */
export function parseRange(fromText: string, toText: string, timeZone: string, prefix = ''): Period {
  const from = parseInstant(fromText, timeZone);
  if (!from) throw invalid('staff.bad_range', `from: not a date or date-time: ${fromText}`, [{ path: `${prefix}from`, message: 'must be a date (YYYY-MM-DD) or an ISO date-time' }]);
  const to = parseInstant(toText, timeZone);
  if (!to) throw invalid('staff.bad_range', `to: not a date or date-time: ${toText}`, [{ path: `${prefix}to`, message: 'must be a date (YYYY-MM-DD) or an ISO date-time' }]);
  if (from.getTime() >= to.getTime()) throw invalid('staff.bad_range', 'from must be before to', [{ path: `${prefix}from`, message: 'must be before to' }]);
  return { key: null, kind: 'range', from, to };
}
