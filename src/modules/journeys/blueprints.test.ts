import { describe, expect, it } from 'vitest';
import { CouponTemplateInput } from '../promotions/promotions.schemas.js';
import { validateContents, templatePaths } from '../messaging/domain/template.js';
import { CHANNELS } from '../messaging/messaging.contract.js';
import { BLUEPRINTS, triggerSummary } from './blueprints.js';
import { DefinitionInput, JourneyInput } from './journeys.schemas.js';

const CODES = ['welcome', 'second_purchase', 'win_back', 'birthday', 'tier_upgrade', 'quarterly_callback', 'referral', 'complaint_care', 'birthday_call'];
/** Variables a blueprint's text may use: the preparer's base ones and the personalisation providers'. */
const KNOWN = new Set(['name', 'tierName', 'pointsBalance', 'brand', 'unsubscribeUrl', 'nearbyStores', 'nearestStore', 'nearestStoreKm', 'nearbyStoresLine',
  'recommendation', 'recommendationSku', 'winBackOffer', 'favouriteCategory', 'averageOrder', 'churnScore', 'referralLink', 'referralCode', 'tierBenefits']);

describe('blueprints', () => {
  it('are the eight journeys of the seeds and the birthday call, each valid as a journey with a 10 % holdout and a goal', () => {
    expect(BLUEPRINTS.map((b) => b.code)).toEqual(CODES);
    for (const b of BLUEPRINTS) {
      const parsed = JourneyInput.safeParse({ ...b.journey, blueprint: b.code });
      expect(parsed.error?.issues ?? [], b.code).toEqual([]);
      expect(DefinitionInput.safeParse(b.journey.definition).success, b.code).toBe(true);
      expect(parsed.data!.holdoutPercent, b.code).toBe(10);
      expect(parsed.data!.definition.goal, b.code).toMatchObject({ event: 'order_placed' });
      expect(b.name['zh-CN'].length * b.name.en.length * b.description['zh-CN'].length * b.description.en.length, b.code).toBeGreaterThan(0);
    }
  });

  it('have the triggers the issue names', () => {
    const trigger = Object.fromEntries(BLUEPRINTS.map((b) => [b.code, JourneyInput.parse({ ...b.journey, blueprint: b.code }).definition.trigger]));
    expect(trigger).toEqual({
      welcome: { type: 'event', event: 'first_purchase' },
      second_purchase: { type: 'event', event: 'first_purchase' },
      win_back: { type: 'inactivity', days: 90, at: '10:00' },
      birthday: { type: 'date', date: 'birthday', offsetDays: 0, at: '10:00' },
      tier_upgrade: { type: 'event', event: 'tier_changed', filter: { direction: 'up' } },
      quarterly_callback: { type: 'schedule', every: 'quarter', startAt: '2026-01-05T10:00:00+08:00' },
      referral: { type: 'event', event: 'segment_entered', filter: { segment: 'rfm_champions' } },
      complaint_care: { type: 'event', event: 'ticket_resolved' },
      birthday_call: { type: 'date', date: 'birthday', offsetDays: -3, at: '10:00' },
    });
    expect(triggerSummary(trigger.win_back!, 'zh-CN')).toBe('沉睡：90天未购买，10:00');
    expect(triggerSummary(trigger.win_back!, 'en')).toBe('Inactivity: 90 days without an order, at 10:00');
    expect(triggerSummary(trigger.tier_upgrade!, 'zh-CN')).toBe('事件：会员等级变化（升级）');
    expect(triggerSummary(trigger.birthday!, 'en')).toBe('Date: on the birthday at 10:00');
  });

  it('bring every template and coupon their steps name, templates in zh-CN and English for each channel, with known variables', () => {
    for (const b of BLUEPRINTS) {
      const templates = new Set(b.templates.map((t) => t.code));
      const coupons = new Set(b.coupons.map((c) => c.code));
      for (const s of b.journey.definition.steps) {
        if (s.type === 'send' || s.type === 'task') expect(templates.has(s.template), `${b.code}.${s.id}`).toBe(true);
        if (s.type === 'coupon') expect(coupons.has(s.template), `${b.code}.${s.id}`).toBe(true);
      }
      for (const t of b.templates) {
        expect(validateContents(t.contents as Record<string, unknown>), t.code).toEqual([]);
        for (const [channel, byLocale] of Object.entries(t.contents)) {
          expect(CHANNELS, t.code).toContain(channel);
          expect(Object.keys(byLocale!).sort(), `${t.code}.${channel}`).toEqual(['en', 'zh-CN']);
        }
        const isTask = b.journey.definition.steps.some((s) => s.type === 'task' && s.template === t.code);
        expect(Object.keys(t.contents).sort(), t.code).toEqual(isTask ? ['guide_task'] : ['app_push', 'email', 'sms', 'wechat']);
        for (const p of templatePaths(t.contents)) expect(KNOWN.has(p), `${t.code}: {{${p}}}`).toBe(true);
      }
      for (const c of b.coupons) expect(CouponTemplateInput.safeParse(c).error?.issues ?? [], c.code).toEqual([]);
    }
  });

  it('personalise where the issue asks: recommendation, win-back offer, stores nearby, tier benefits, referral link', () => {
    const uses = (code: string) => new Set(BLUEPRINTS.find((b) => b.code === code)!.templates.flatMap((t) => templatePaths(t.contents)));
    expect(uses('second_purchase').has('recommendation')).toBe(true);
    expect(uses('win_back').has('winBackOffer')).toBe(true);
    expect(uses('welcome').has('nearbyStoresLine')).toBe(true);
    expect(uses('tier_upgrade').has('tierBenefits')).toBe(true);
    expect(uses('referral').has('referralLink')).toBe(true);
  });
});
