import type { TFunction } from 'i18next';
import type { Condition, Step, Trigger, ValidationIssue } from '../../api/journeys.api';

/** A journey's parts in words, for the list, the cards of the builder and the stats. */

export function triggerText(t: TFunction, tr: Trigger | undefined): string {
  if (!tr) return '—';
  switch (tr.type) {
    case 'event': {
      const base = t(`journeys.event.${tr.event}`);
      const f = tr.filter;
      const bits: string[] = [];
      if (f?.segment) bits.push(t('journeys.words.segmentNamed', { code: f.segment }));
      if (f?.direction) bits.push(t(`journeys.words.direction_${f.direction}`));
      if (f?.toTier) bits.push(t('journeys.words.toTier', { tier: f.toTier }));
      if (f?.minAmountFen) bits.push(t('journeys.words.minAmount', { amount: (f.minAmountFen / 100).toFixed(0) }));
      return bits.length ? `${base} · ${bits.join(' · ')}` : base;
    }
    case 'date': {
      const off = tr.offsetDays ?? 0;
      const when = off === 0 ? t('journeys.words.onTheDay') : off < 0 ? t('journeys.words.daysBefore', { n: -off }) : t('journeys.words.daysAfter', { n: off });
      return t('journeys.words.dateTrigger', { date: t(`journeys.date.${tr.date}`), when, at: tr.at ?? '10:00' });
    }
    case 'inactivity':
      return t('journeys.words.inactivity', { n: tr.days });
    case 'schedule':
      return t('journeys.words.schedule', { every: t(`journeys.every.${tr.every ?? 'once'}`), at: tr.startAt ? tr.startAt.slice(0, 16).replace('T', ' ') : '—' });
  }
}

export function conditionText(t: TFunction, c: Condition): string {
  switch (c.type) {
    case 'segment':
      return t(c.in === false ? 'journeys.cond.notInSegment' : 'journeys.cond.inSegment', { code: c.segment || '—' });
    case 'tier':
      return t('journeys.cond.tierText', { tiers: c.tiers.join(t('journeys.words.listSep')) || '—' });
    case 'purchased':
      return t(c.value === false ? 'journeys.cond.notPurchased' : 'journeys.cond.purchasedText');
    case 'reachable':
      return t('journeys.cond.reachableText', { channel: t(`messaging.channel.${c.channel}`) });
    case 'age':
      return t('journeys.cond.ageText', { min: c.min ?? 0, max: c.max ?? '∞' });
    case 'tag':
      return t('journeys.cond.tagText', { tag: c.tag || '—' });
    case 'message':
      return t('journeys.cond.messageText', { step: c.step || '—', status: t(`messaging.status.${c.status}`) });
    case 'random':
      return t('journeys.cond.randomText', { percent: c.percent });
  }
}

export function conditionsText(t: TFunction, when: Condition[]): string {
  return when.map((c) => conditionText(t, c)).join(t('journeys.cond.and'));
}

export function waitText(t: TFunction, s: Extract<Step, { type: 'wait' }>): string {
  const parts: string[] = [];
  if (s.days) parts.push(t('journeys.words.days', { count: s.days }));
  if (s.hours) parts.push(t('journeys.words.hours', { count: s.hours }));
  if (s.minutes) parts.push(t('journeys.words.minutes', { count: s.minutes }));
  const span = parts.join(' ');
  if (s.until) return span ? t('journeys.words.waitThenUntil', { span, until: s.until }) : t('journeys.words.waitUntil', { until: s.until });
  return span ? t('journeys.words.waitFor', { span }) : t('journeys.words.waitNothing');
}

/** The one line under a step card's title. */
export function stepSummary(t: TFunction, s: Step, names: { template: (code: string) => string; coupon: (code: string) => string }): string {
  switch (s.type) {
    case 'wait':
      return waitText(t, s);
    case 'branch':
      return t('journeys.words.branches', { count: s.branches.length });
    case 'send':
      return [s.template ? names.template(s.template) : t('journeys.words.noTemplate'), t(`journeys.sendChannel.${s.channel ?? 'auto'}`), t(`journeys.sendAt.${s.sendAt ?? 'usual_hour'}`)].join(' · ');
    case 'coupon':
      return s.template ? names.coupon(s.template) : t('journeys.words.noCoupon');
    case 'points':
      return t('journeys.words.points', { n: s.points }) + (s.reason ? ` · ${s.reason}` : '');
    case 'tag': {
      const add = (s.add ?? []).map((x) => `+${x}`);
      const remove = (s.remove ?? []).map((x) => `−${x}`);
      return [...add, ...remove].join(' ') || t('journeys.words.noTags');
    }
    case 'task':
      return [s.template ? names.template(s.template) : t('journeys.words.noTemplate'), t('journeys.words.dueIn', { count: s.dueDays ?? 3 })].join(' · ');
    case 'exit':
      return t('journeys.words.exit');
  }
}

/** A server's validation message in the console's language where it is a missing or empty field; else as it came. */
export function issueText(t: TFunction, i: ValidationIssue): string {
  const field = String(i.path ?? '').split('.').filter((x) => !/^\d+$/.test(x)).pop() ?? '';
  const label = t(`journeys.issue.field.${field}`, { defaultValue: field });
  if (/received undefined|required|expected string|too small|at least 1|>=1 character/i.test(i.message)) return t('journeys.issue.required', { field: label });
  return i.message;
}
