import { localDate, parseInstant } from '../../../platform/clock.js';
import type { Channel } from '../messaging.contract.js';

/**
 * The contact policy (messaging.policies, one row per key) and the time rules it implies: frequency-cap windows,
 * quiet hours, the usual hour. Pure: instants in, instants out, in the business time zone.
 */
export interface ContactPolicy {
  /** Marketing messages per customer across channels per local calendar day, ISO week (Monday) and month. */
  caps: { day: number; week: number; month: number };
  /** Local wall-clock "HH:MM"; start > end spans midnight; start = end means none. `service`: service messages wait too. */
  quietHours: { start: string; end: string; service: boolean };
  /** opt_in: marketing needs a granted consent for the channel (or all); opt_out: allowed unless withdrawn. */
  consent: 'opt_in' | 'opt_out';
  /** The channel order when nothing else decides (customer-facing channels). */
  channelOrder: Channel[];
  /** The hour (0–23) a usual-hour message goes to a customer without orders to learn it from. */
  defaultHour: number;
}

export const DEFAULT_POLICY: ContactPolicy = {
  caps: { day: 1, week: 3, month: 8 },
  quietHours: { start: '21:00', end: '09:00', service: false },
  consent: 'opt_in',
  channelOrder: ['wechat', 'app_push', 'sms', 'email'],
  defaultHour: 10,
};

/** Policy row keys → ContactPolicy fields. */
export const POLICY_KEYS = { caps: 'caps', quiet_hours: 'quietHours', consent: 'consent', channel_order: 'channelOrder', default_hour: 'defaultHour' } as const;

/** The stored rows over the defaults (a row that is not the right shape is ignored: the default holds). */
export function policyFromRows(rows: ReadonlyArray<{ key: string; value: unknown }>): ContactPolicy {
  const p: ContactPolicy = structuredClone(DEFAULT_POLICY);
  for (const { key, value } of rows) {
    const v = typeof value === 'string' && key !== 'consent' ? safeJson(value) : value;
    if (key === 'caps' && v && typeof v === 'object') {
      const c = v as Record<string, unknown>;
      for (const k of ['day', 'week', 'month'] as const) if (Number.isInteger(c[k]) && (c[k] as number) >= 0) p.caps[k] = c[k] as number;
    } else if (key === 'quiet_hours' && v && typeof v === 'object') {
      const q = v as Record<string, unknown>;
      if (typeof q.start === 'string' && minutesOf(q.start) !== undefined) p.quietHours.start = q.start;
      if (typeof q.end === 'string' && minutesOf(q.end) !== undefined) p.quietHours.end = q.end;
      if (typeof q.service === 'boolean') p.quietHours.service = q.service;
    } else if (key === 'consent') {
      const m = typeof v === 'string' ? (safeJson(v) ?? v) : v;
      const model = typeof m === 'object' && m ? (m as Record<string, unknown>).model : m;
      if (model === 'opt_in' || model === 'opt_out') p.consent = model;
    } else if (key === 'channel_order' && Array.isArray(v)) p.channelOrder = v.filter((c): c is Channel => typeof c === 'string') as Channel[];
    else if (key === 'default_hour') {
      const h = typeof v === 'object' && v ? (v as Record<string, unknown>).hour : v;
      if (Number.isInteger(h) && (h as number) >= 0 && (h as number) <= 23) p.defaultHour = h as number;
    }
  }
  return p;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** "HH:MM" → minutes after midnight; undefined when not a time. */
export function minutesOf(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local date, hour, minute and ISO weekday (Monday 1) of an instant. */
export function localClock(instant: Date, timeZone: string): { date: string; hour: number; minute: number; weekday: number } {
  let f = clockFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    clockFormatters.set(timeZone, f);
  }
  const parts = f.formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1;
  return { date: localDate(instant, timeZone), hour: Number(get('hour')), minute: Number(get('minute')), weekday };
}

/** A calendar date plus n days. */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The instant of a local wall-clock time (minutes after midnight) on a local date. */
export function wallTime(date: string, minutes: number, timeZone: string): Date {
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return parseInstant(`${date}T${hh}:${mm}`, timeZone)!;
}

/** Starts of the cap windows containing `now`: local day, ISO week (Monday), month. */
export function capWindows(now: Date, timeZone: string): { day: Date; week: Date; month: Date } {
  const c = localClock(now, timeZone);
  return {
    day: wallTime(c.date, 0, timeZone),
    week: wallTime(addDays(c.date, 1 - c.weekday), 0, timeZone),
    month: wallTime(`${c.date.slice(0, 8)}01`, 0, timeZone),
  };
}

/** Whether one more marketing message fits the caps, given those already sent (and approved) in each window. */
export function withinCaps(used: { day: number; week: number; month: number }, caps: ContactPolicy['caps']): boolean {
  return used.day < caps.day && used.week < caps.week && used.month < caps.month;
}

/** Whether a local minute-of-day falls in the quiet hours. */
export function quietAtMinute(minute: number, q: ContactPolicy['quietHours']): boolean {
  const s = minutesOf(q.start)!;
  const e = minutesOf(q.end)!;
  if (s === e) return false;
  return s < e ? minute >= s && minute < e : minute >= s || minute < e;
}

export function isQuiet(instant: Date, q: ContactPolicy['quietHours'], timeZone: string): boolean {
  const c = localClock(instant, timeZone);
  return quietAtMinute(c.hour * 60 + c.minute, q);
}

/** The end of the quiet period `instant` is in (the next local `end` after it). */
export function quietEnd(instant: Date, q: ContactPolicy['quietHours'], timeZone: string): Date {
  const c = localClock(instant, timeZone);
  const e = minutesOf(q.end)!;
  const today = wallTime(c.date, e, timeZone);
  return today.getTime() > instant.getTime() ? today : wallTime(addDays(c.date, 1), e, timeZone);
}

/** A stable 0–59 minutes per customer (FNV-1a of the id), so the morning after quiet hours is not one burst. */
export function jitterMinutes(customerId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    h ^= customerId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 60;
}

/** When a message held by quiet hours may go: the quiet end plus the customer's jitter. */
export function afterQuiet(instant: Date, q: ContactPolicy['quietHours'], timeZone: string, customerId: string): Date {
  return new Date(quietEnd(instant, q, timeZone).getTime() + jitterMinutes(customerId) * 60_000);
}

/** The mode of a customer's order hours; ties go to the earliest hour. Undefined without orders. */
export function usualHourOf(counts: ReadonlyArray<{ hour: number; count: number }>): number | undefined {
  let best: { hour: number; count: number } | undefined;
  for (const c of counts) if (!best || c.count > best.count || (c.count === best.count && c.hour < best.hour)) best = c;
  return best?.hour;
}

/**
 * An hour moved out of the quiet hours to the nearer allowed hour: the last hour before quiet starts or the hour
 * quiet ends (ties: the end). An hour outside them stays.
 */
export function clampHour(hour: number, q: ContactPolicy['quietHours']): number {
  if (!quietAtMinute(hour * 60, q)) return hour;
  const s = minutesOf(q.start)!;
  const e = minutesOf(q.end)!;
  const before = Math.floor((s - 1 + 1440) % 1440 / 60); // the hour holding the last minute before quiet
  const after = Math.ceil(e / 60) % 24; // the first whole hour after quiet
  const dist = (a: number, b: number) => Math.min((a - b + 24) % 24, (b - a + 24) % 24);
  return dist(hour, before) < dist(hour, after) ? before : after;
}

/**
 * A usual-hour message: undefined when the local hour is already the (clamped) usual hour, else the next local
 * HH:00 of it.
 */
export function nextUsualHour(now: Date, hour: number, q: ContactPolicy['quietHours'], timeZone: string): Date | undefined {
  const h = clampHour(hour, q);
  const c = localClock(now, timeZone);
  if (c.hour === h) return undefined;
  const today = wallTime(c.date, h * 60, timeZone);
  return today.getTime() > now.getTime() ? today : wallTime(addDays(c.date, 1), h * 60, timeZone);
}

/** Whole years between a birthday (YYYY-MM-DD) and a local date. */
export function ageOn(birthday: string, today: string): number {
  const [by, bm, bd] = birthday.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}
