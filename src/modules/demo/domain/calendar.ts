/**
 * The demo brand's retail calendar: local dates in China (UTC+08:00 all year, no daylight saving),
 * and how much each channel sells on a given day — weekends, the Spring Festival shopping peak
 * and holiday dip, National Day, and the shopping festivals (3.8, 520, 618, Double 11, Double 12).
 */
export const DEMO_CHANNELS = ['pos', 'online', 'miniprogram'] as const;
export type DemoChannel = (typeof DEMO_CHANNELS)[number];

export const UTC_OFFSET = '+08:00';
const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** Lunar New Year's day (春节), which moves every year; the demo needs the years around today. */
export const SPRING_FESTIVAL: Readonly<Record<number, string>> = {
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
  2031: '2031-01-23',
  2032: '2032-02-11',
  2033: '2033-01-31',
  2034: '2034-02-19',
  2035: '2035-02-08',
};
/** The demo's two-year window must lie inside the years the table covers. */
export const CALENDAR_RANGE = { from: '2020-01-01', to: '2035-12-31' } as const;

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (dateOf(ms / DAY_MS) !== date) throw new RangeError(`not a date: ${date}`);
  return ms / DAY_MS;
}

const dates = new Map<number, string>();
export function dateOf(day: number): string {
  let d = dates.get(day);
  if (d === undefined) {
    d = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dates.set(day, d);
  }
  return d;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** "2025-11-11T20:15:07+08:00" for a day and a second of that local day. */
export function instantAt(day: number, secondOfDay: number): string {
  const s = Math.max(0, Math.min(86_399, Math.floor(secondOfDay)));
  return `${dateOf(day)}T${TWO[Math.floor(s / 3600)]}:${TWO[Math.floor((s % 3600) / 60)]}:${TWO[s % 60]}${UTC_OFFSET}`;
}

export type Occasion =
  | 'spring_festival_shopping'
  | 'spring_festival'
  | 'womens_day'
  | 'may_20'
  | 'mid_year_618'
  | 'double_11'
  | 'double_12'
  | 'national_day';

/** Products the occasion sells more of (category → factor); others stay at 1. */
export const OCCASION_CATEGORY_BOOST: Readonly<Record<Occasion, Readonly<Record<string, number>>>> = {
  spring_festival_shopping: { 食品: 3, 家居: 1.5, 服装: 1.3 },
  spring_festival: { 食品: 2 },
  womens_day: { 美妆: 2.5, 服装: 1.3 },
  may_20: { 美妆: 2, 服装: 1.3 },
  mid_year_618: { 美妆: 1.5, 母婴: 1.4, 家居: 1.3 },
  double_11: { 美妆: 1.6, 母婴: 1.6, 家居: 1.5, 服装: 1.3 },
  double_12: { 美妆: 1.3, 食品: 1.3 },
  national_day: { 服装: 1.3 },
};

export interface DayProfile {
  occasion: Occasion | null;
  /** Ordinary demand per channel (1 = an average weekday). */
  base: Record<DemoChannel, number>;
  /** Extra demand a shopping festival adds; price-sensitive people respond to it more. */
  promo: Record<DemoChannel, number>;
  /** Typical festival discount on online and mini-program orders that day (0 … 0.3). */
  discount: number;
  /** The festival's peak day: online orders cluster at midnight and 20:00 (pre-sale balance payment). */
  peak: boolean;
}

const WEEKDAY_FACTOR: Record<DemoChannel, readonly number[]> = {
  // Sun, Mon, …, Sat
  pos: [1.35, 0.85, 0.85, 0.85, 0.9, 1.0, 1.45],
  online: [1.1, 1.0, 1.0, 1.0, 1.0, 0.95, 1.1],
  miniprogram: [1.15, 0.95, 0.95, 0.95, 0.95, 1.0, 1.15],
};
const MONTH_FACTOR = [1.0, 0.92, 1.0, 1.0, 1.0, 1.0, 0.94, 0.94, 1.0, 1.02, 1.05, 1.1];

export function dayProfile(day: number): DayProfile {
  const date = dateOf(day);
  const year = Number(date.slice(0, 4));
  const md = date.slice(5);
  const dow = weekday(day);
  const month = MONTH_FACTOR[Number(date.slice(5, 7)) - 1]!;
  const base = {
    pos: WEEKDAY_FACTOR.pos[dow]! * month,
    online: WEEKDAY_FACTOR.online[dow]! * month,
    miniprogram: WEEKDAY_FACTOR.miniprogram[dow]! * month,
  };
  const promo = { pos: 0, online: 0, miniprogram: 0 };
  let occasion: Occasion | null = null;
  let discount = 0;
  let peak = false;

  const sf = springFestivalOffset(day, year);
  if (sf !== null && sf >= -21 && sf <= -3) {
    // 年货: the weeks before the festival are the year's busiest in stores.
    const ramp = 1 + 0.7 * ((sf + 21) / 18);
    base.pos *= ramp;
    base.online *= 1 + 0.3 * ((sf + 21) / 18);
    base.miniprogram *= 1 + 0.5 * ((sf + 21) / 18);
    occasion = 'spring_festival_shopping';
  } else if (sf !== null && sf >= -2 && sf <= 6) {
    // Families are together, many shops close and couriers stop.
    base.pos *= 0.45;
    base.online *= 0.3;
    base.miniprogram *= 0.4;
    occasion = 'spring_festival';
  } else if (sf !== null && sf >= 7 && sf <= 14) {
    base.pos *= 0.8;
    base.online *= 0.85;
    base.miniprogram *= 0.85;
  }

  if (md >= '10-01' && md <= '10-07') {
    base.pos *= 1.3;
    base.online *= 0.85;
    occasion = 'national_day';
  } else if (md >= '03-06' && md <= '03-08') {
    Object.assign(promo, { pos: 0.3, online: 1.0, miniprogram: 1.2 });
    occasion = 'womens_day';
    discount = 0.1;
  } else if (md === '05-19' || md === '05-20') {
    Object.assign(promo, { pos: 0.2, online: 0.5, miniprogram: 0.6 });
    occasion = 'may_20';
    discount = 0.05;
  } else if (md >= '06-01' && md <= '06-18') {
    occasion = 'mid_year_618';
    if (md === '06-18') {
      Object.assign(promo, { pos: 0.5, online: 4.0, miniprogram: 2.5 });
      discount = 0.25;
      peak = true;
    } else if (md >= '06-16') {
      Object.assign(promo, { pos: 0.2, online: 1.0, miniprogram: 0.8 });
      discount = 0.2;
    } else {
      Object.assign(promo, { pos: 0.1, online: 0.4, miniprogram: 0.3 });
      discount = 0.15;
    }
  } else if (md >= '10-20' && md <= '11-12') {
    occasion = 'double_11';
    if (md === '11-11') {
      Object.assign(promo, { pos: 0.8, online: 6.0, miniprogram: 3.0 });
      discount = 0.3;
      peak = true;
    } else if (md === '11-12') {
      Object.assign(promo, { pos: 0.2, online: 0.8, miniprogram: 0.5 });
      discount = 0.2;
    } else {
      // Pre-sale: deposits now, balance on the 11th; some buy early at the pre-sale price.
      Object.assign(promo, { pos: 0.05, online: 0.35, miniprogram: 0.25 });
      discount = 0.15;
    }
  } else if (md === '12-12') {
    Object.assign(promo, { pos: 0.2, online: 1.5, miniprogram: 1.0 });
    occasion = 'double_12';
    discount = 0.15;
  }
  return { occasion, base, promo, discount, peak };
}

function springFestivalOffset(day: number, year: number): number | null {
  // The window around the festival crosses the new year: check this year's and next year's.
  for (const y of [year, year + 1]) {
    const d = SPRING_FESTIVAL[y];
    if (!d) continue;
    const offset = day - dayNumber(d);
    if (offset >= -21 && offset <= 14) return offset;
  }
  return null;
}

/** Relative order volume by hour of the local day. */
export const HOUR_WEIGHTS: Readonly<Record<DemoChannel | 'senior_pos' | 'peak_online', readonly number[]>> = {
  pos: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 6, 6, 7, 8, 8, 8, 9, 10, 9, 5, 0, 0],
  senior_pos: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 10, 8, 7, 7, 7, 6, 5, 4, 3, 2, 1, 0, 0],
  online: [5, 2, 1, 0.5, 0.3, 0.3, 0.6, 1.5, 2.5, 3, 4, 4, 5, 4.5, 4, 4, 4, 4, 4.5, 6, 8, 9, 8, 6],
  miniprogram: [1, 0.5, 0.2, 0.1, 0.1, 0.2, 0.5, 2, 3, 3, 3, 4, 7, 5, 3, 3, 3, 4, 5, 6, 7, 7, 5, 3],
  peak_online: [30, 10, 3, 1, 0.3, 0.3, 0.6, 1.5, 2.5, 3, 4, 4, 5, 4.5, 4, 4, 4, 4, 4.5, 6, 16, 12, 9, 7],
};
