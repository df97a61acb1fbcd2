import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** Amounts arrive from the API as exact decimal strings ("398.00"); display only, never arithmetic. */
export type Money = string | number;

function toNumber(v: Money): number {
  return typeof v === 'number' ? v : Number(v);
}

/**
 * Locale-aware formatters for the current language. Dates show in the browser's zone, which for
 * the staff of a Chinese brand is the business zone.
 */
export function useFormat() {
  const { i18n } = useTranslation();
  return useMemo(() => formatters(i18n.language), [i18n.language]);
}

function formatters(locale: string) {
  const number = new Intl.NumberFormat(locale);
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' });
  const compactMoney = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    notation: 'compact',
    maximumFractionDigits: 1,
  });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const date = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
  const dateTime = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  const orDash = <T>(v: T | null | undefined, f: (v: T) => string) => (v === null || v === undefined || v === '' ? '—' : f(v));
  return {
    locale,
    number: (v: number | null | undefined) => orDash(v, (n) => number.format(n)),
    money: (v: Money | null | undefined) => orDash(v, (m) => money.format(toNumber(m))),
    compactMoney: (v: Money | null | undefined) => orDash(v, (m) => compactMoney.format(toNumber(m))),
    percent: (v: number | null | undefined) => orDash(v, (n) => percent.format(n)),
    /** A calendar date ("1990-05-01") stays that date whatever the zone. */
    day: (v: string | null | undefined) => orDash(v, (d) => date.format(new Date(`${d.slice(0, 10)}T12:00:00`))),
    dateTime: (v: string | null | undefined) => orDash(v, (d) => dateTime.format(new Date(d))),
    date: (v: string | null | undefined) => orDash(v, (d) => date.format(new Date(d))),
    /** Stored E.164; a mainland mobile reads as people write it (138 0013 8000). Masked values pass through. */
    phone: (v: string | null | undefined) => orDash(v, formatPhone),
  };
}

export type Format = ReturnType<typeof formatters>;

export function formatPhone(e164: string): string {
  const cn = /^\+86(1\d{2})(\d{4})(\d{4})$/.exec(e164);
  if (cn) return `${cn[1]} ${cn[2]} ${cn[3]}`;
  const other = /^\+(\d{1,3})(\d{4,})$/.exec(e164);
  return other && !e164.startsWith('+86') ? `+${other[1]} ${other[2]}` : e164;
}
