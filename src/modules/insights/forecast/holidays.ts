/**
 * Chinese retail calendar as data: the public holidays and the shopping festivals that move demand, 2010–2030.
 *
 * Lunar-calendar days are tables, not computed (no lunar library): Spring Festival (正月初一), Dragon Boat (五月初五),
 * Qixi (七月初七) and Mid-Autumn (八月十五) as published by the Purple Mountain Observatory's 《中国天文年历》 / the
 * Hong Kong Observatory's Gregorian–lunar conversion tables; Lantern is Spring Festival + 14 days. Qingming is the solar
 * term (4 or 5 April in these years, same sources). Statutory windows follow the State Council's 全国年节及纪念日放假办法
 * (New Year's Day, Spring Festival eve to day 6, Labour Day 1–5 May, National Day 1–7 October); the e-commerce
 * festivals (618 from 1 June, 双11 from the 20 October pre-sale, 双12) are the platforms' own fixed Gregorian dates.
 * Windows are fixed per holiday across years so a regressor means the same thing every year (the adjusted working
 * days the State Council moves around are left out: they shift demand by a day, not a week).
 */

/** Gregorian month-day (MM-DD) of each lunar festival, 2010–2030. */
const LUNAR: Record<'springFestival' | 'dragonBoat' | 'qixi' | 'midAutumn', readonly string[]> = {
  // 2010 … 2030
  springFestival: ['02-14', '02-03', '01-23', '02-10', '01-31', '02-19', '02-08', '01-28', '02-16', '02-05', '01-25', '02-12', '02-01', '01-22', '02-10', '01-29', '02-17', '02-06', '01-26', '02-13', '02-03'],
  dragonBoat: ['06-16', '06-06', '06-23', '06-12', '06-02', '06-20', '06-09', '05-30', '06-18', '06-07', '06-25', '06-14', '06-03', '06-22', '06-10', '05-31', '06-19', '06-09', '05-28', '06-16', '06-05'],
  qixi: ['08-16', '08-06', '08-23', '08-13', '08-02', '08-20', '08-09', '08-28', '08-17', '08-07', '08-25', '08-14', '08-04', '08-22', '08-10', '08-29', '08-19', '08-08', '08-26', '08-16', '08-05'],
  midAutumn: ['09-22', '09-12', '09-30', '09-19', '09-08', '09-27', '09-15', '10-04', '09-24', '09-13', '10-01', '09-21', '09-10', '09-29', '09-17', '10-06', '09-25', '09-15', '10-03', '09-22', '09-12'],
};
/** Qingming's day in April, 2010–2030. */
const QINGMING = [5, 5, 4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 5];

export const FIRST_YEAR = 2010;
export const LAST_YEAR = 2030;

/** A holiday's window: days relative to its anchor date, both included. */
export interface HolidayWindow {
  /** Regressor name. */
  name: string;
  /** What it is, for the model description. */
  label: string;
  /** The anchor's date in a year (YYYY-MM-DD), or undefined outside the table's years. */
  anchor(year: number): string | undefined;
  from: number;
  to: number;
}

const fixed = (md: string) => (year: number) => (year >= FIRST_YEAR && year <= LAST_YEAR ? `${year}-${md}` : undefined);
const lunar = (k: keyof typeof LUNAR) => (year: number) => {
  const md = LUNAR[k][year - FIRST_YEAR];
  return md ? `${year}-${md}` : undefined;
};

/** A date plus days (UTC arithmetic on calendar dates). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The windows used as regressors. Spring Festival is three: the pre-festival shopping (年货) weeks, when grocery and gift
 * sales peak; the holiday week (除夕 to 初六), when many stores close or trade thinly; and Lantern.
 */
export const HOLIDAYS: readonly HolidayWindow[] = [
  { name: 'newYear', label: "New Year's Day (31 Dec – 1 Jan)", anchor: fixed('01-01'), from: -1, to: 0 },
  { name: 'springFestivalShopping', label: 'Spring Festival shopping weeks (the 21 days before New Year’s Eve)', anchor: lunar('springFestival'), from: -22, to: -2 },
  { name: 'springFestival', label: 'Spring Festival holiday week (eve to day 6)', anchor: lunar('springFestival'), from: -1, to: 6 },
  { name: 'lantern', label: 'Lantern Festival (day 15)', anchor: (y) => lunar('springFestival')(y) && addDays(lunar('springFestival')(y)!, 14), from: 0, to: 0 },
  { name: 'qingming', label: 'Qingming', anchor: (y) => (y >= FIRST_YEAR && y <= LAST_YEAR ? `${y}-04-0${QINGMING[y - FIRST_YEAR]}` : undefined), from: 0, to: 0 },
  { name: 'labourDay', label: 'Labour Day week (1–5 May)', anchor: fixed('05-01'), from: 0, to: 4 },
  { name: 'dragonBoat', label: 'Dragon Boat Festival (and the day before)', anchor: lunar('dragonBoat'), from: -1, to: 0 },
  { name: 'd618', label: '618 (1–18 June)', anchor: fixed('06-18'), from: -17, to: 0 },
  { name: 'qixi', label: 'Qixi (and the day before)', anchor: lunar('qixi'), from: -1, to: 0 },
  { name: 'midAutumn', label: 'Mid-Autumn (the 7 days before and the day)', anchor: lunar('midAutumn'), from: -7, to: 0 },
  { name: 'nationalDay', label: 'National Day golden week (1–7 October)', anchor: fixed('10-01'), from: 0, to: 6 },
  { name: 'presale11', label: 'Double 11 pre-sale (20 Oct – 10 Nov)', anchor: fixed('11-11'), from: -22, to: -1 },
  { name: 'double11', label: 'Double 11 (11 November)', anchor: fixed('11-11'), from: 0, to: 0 },
  { name: 'double12', label: 'Double 12 (12 December)', anchor: fixed('12-12'), from: 0, to: 0 },
];

/** The dates of a holiday's windows from one year before `from` to one after `to` (windows cross the year's end). */
export function holidayDates(h: HolidayWindow, from: string, to: string): Set<string> {
  const out = new Set<string>();
  for (let y = Number(from.slice(0, 4)) - 1; y <= Number(to.slice(0, 4)) + 1; y++) {
    const a = h.anchor(y);
    if (!a) continue;
    for (let d = h.from; d <= h.to; d++) {
      const day = addDays(a, d);
      if (day >= from && day <= to) out.add(day);
    }
  }
  return out;
}

/** Whether the table covers these dates: outside 2010–2030 lunar holidays are unknown. */
export function calendarCovers(from: string, to: string): boolean {
  return Number(from.slice(0, 4)) >= FIRST_YEAR && Number(to.slice(0, 4)) <= LAST_YEAR;
}
