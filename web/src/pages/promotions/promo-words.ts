import type { TFunction } from 'i18next';
import { isApiError } from '../../api/api-client';
import type { Conditions, Definition, Rule, Scope } from '../../api/promotions.api';

/** Fen → yuan as people write it in a rule: 30000 → "300", 3990 → "39.9", 1999 → "19.99". */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2).replace(/\.?0+$/, '');
}

/** Yuan typed in a form ("300", "39.9") → integer fen; NaN for anything else (the form marks it). */
export function toFen(text: string): number {
  const s = text.trim().replace(/^[¥￥]/, '');
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return Number.NaN;
  return Math.round(Number(s) * 100);
}

/** Fen → the yuan text a form shows ("" for none). */
export function fenText(fen: number | null | undefined): string {
  return fen === null || fen === undefined ? '' : yuan(fen);
}

/** 20 % off → 8折, 15 % off → 8.5折 (Chinese price tags give what is paid, in tenths). */
function zhe(percent: number): string {
  return String(Number(((100 - percent) / 10).toFixed(2)));
}

/** A discount rate as the language writes it: "20" (% off) in English, "8" (折, what is paid in tenths) in Chinese. */
function rate(t: TFunction, percent: number): string {
  return t('promotions.rule.rateStyle') === 'zhe' ? zhe(percent) : String(percent);
}

/** A rule in words, the way it is printed on a shelf: 满300减50 · 满500减100, 8折, 买2送1. */
export function ruleText(t: TFunction, rule: Rule): string {
  const k = 'promotions.rule.text';
  switch (rule.kind) {
    case 'threshold':
      return rule.tiers.map((x) => t(rule.repeat ? `${k}.thresholdRepeat` : `${k}.threshold`, { min: yuan(x.minFen), off: yuan(x.offFen) })).join(' · ');
    case 'percent':
      return t(`${k}.percent`, { rate: rate(t, rule.percent) });
    case 'fixed':
      return t(`${k}.fixed`, { off: yuan(rule.offFen) });
    case 'quantity':
      return t(`${k}.quantity`, { n: rule.minUnits, rate: rate(t, rule.percent) });
    case 'buyGet':
      return t(`${k}.buyGet`, { buy: rule.buy, get: rule.get });
    case 'bundle':
      return t(`${k}.bundle`, { items: rule.items.map((i) => `${i.sku}×${i.quantity}`).join(' + '), price: yuan(rule.priceFen) });
    case 'gift':
      return t(rule.repeat ? `${k}.giftRepeat` : `${k}.gift`, { min: yuan(rule.minFen), gifts: rule.gifts.map((g) => `${g.name || g.sku}×${g.quantity}`).join('、') });
    case 'price':
      return rule.prices.length === 1
        ? t(`${k}.priceOne`, { sku: rule.prices[0]!.sku, price: yuan(rule.prices[0]!.priceFen) })
        : t(`${k}.priceMany`, { count: rule.prices.length });
  }
}

export function scopeText(t: TFunction, scope: Scope): string {
  const k = 'promotions.scope.text';
  switch (scope.kind) {
    case 'order':
      return t(`${k}.order`);
    case 'skus':
      return scope.skus.length <= 3 ? t(`${k}.skus`, { list: scope.skus.join(', ') }) : t(`${k}.skusMany`, { count: scope.skus.length });
    case 'categories':
      return t(`${k}.categories`, { list: scope.paths.join('、') });
    case 'brands':
      return t(`${k}.brands`, { list: scope.brands.join('、') });
  }
}

export function definitionText(t: TFunction, d: Definition): string {
  const parts = [ruleText(t, d.rule)];
  if (d.capFen) parts.push(t('promotions.rule.text.cap', { cap: yuan(d.capFen) }));
  return parts.join(' · ');
}

/** Who and where, in words; empty when it applies to everyone everywhere. */
export function conditionTexts(t: TFunction, c: Conditions): string[] {
  const out: string[] = [];
  const k = 'promotions.conditions.text';
  if (c.channels?.length) out.push(c.channels.map((ch) => t(`channel.${ch}`)).join(' / '));
  if (c.stores?.length) out.push(t(`${k}.stores`, { count: c.stores.length, list: c.stores.slice(0, 3).join(', ') }));
  if (c.fulfillment?.length) out.push(c.fulfillment.map((x) => t(`promotions.fulfillment.${x}`)).join(' / '));
  if (c.audience && c.audience !== 'everyone') out.push(t(`promotions.audience.${c.audience}`));
  if (c.tiers?.length) out.push(t(`${k}.tiers`, { list: c.tiers.join(', ') }));
  if (c.segments?.length) out.push(t(`${k}.segments`, { count: c.segments.length }));
  if (c.birthdayMonth) out.push(t(`${k}.birthday`));
  if (c.minSubtotalFen) out.push(t(`${k}.minSubtotal`, { min: yuan(c.minSubtotalFen) }));
  return out;
}

/** The API's refusal as field → message (paths like "definition.rule.tiers.0.minFen"); what names no field is `_`. */
export function fieldErrors(error: unknown, strip = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(error)) return out;
  const issues = error.body.details?.issues ?? [];
  for (const i of issues) {
    const path = strip && i.path.startsWith(strip) ? i.path.slice(strip.length) : i.path;
    out[path] ??= i.message;
  }
  if (issues.length === 0) out._ = error.message;
  return out;
}

/** The first message for a field or anything under it ("definition.rule" catches "definition.rule.tiers.0.offFen"). */
export function errorAt(errors: Record<string, string>, ...prefixes: string[]): string | undefined {
  for (const p of prefixes) for (const [k, v] of Object.entries(errors)) if (k === p || k.startsWith(`${p}.`)) return v;
  return undefined;
}

/** A validity window ends before `validTo` (half-open): the last day it can be used is the day just before that instant. */
export function lastDay(validTo: string | null | undefined): string | null {
  return validTo ? new Date(Date.parse(validTo) - 1).toISOString() : null;
}
