import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { AppError, conflict, invalid, notFound, zodIssues } from '../../platform/errors.js';
import type { CouponTemplateInput } from '../promotions/promotions.schemas.js';
import type { Locale, Purpose } from '../messaging/messaging.contract.js';
import type { TemplateContents } from '../messaging/domain/template.js';
import { JourneyInput, type NewJourney } from './journeys.schemas.js';

/**
 * The nine ready-made journeys of the seeds (product.md §6; seeds 002 "新客户 / 老客户 / 忠诚客户 / 投诉" and 003 "3公里内
 * 门店") and the birthday call by the guide (issue 13), as data: each journey's definition (journeys.schemas.ts), the message templates it sends (zh-CN and English,
 * per channel) and the coupon templates it issues. Installing one (blueprints.ts) creates what is missing and a draft
 * journey the marketer edits in the builder. Codes of templates start with `bp_`, of coupon templates with `BP-`.
 *
 * Segments the blueprints name are the RFM run's system segments (segments README): `rfm_class_high_value` (recent,
 * frequent, big: the repeat customers a guide calls each quarter) and `rfm_champions` (the referral invitation).
 */

export type Localized = { 'zh-CN': string; en: string };
export type Stage = 'new' | 'repeat' | 'loyal' | 'at_risk' | 'service';

export interface MessageTemplateSpec {
  code: string;
  name: string;
  purpose: Purpose;
  contents: TemplateContents;
}

export interface Blueprint {
  code: string;
  stage: Stage;
  name: Localized;
  description: Localized;
  /** The journey as installed (the code and name can be given at install). */
  journey: Omit<z.input<typeof JourneyInput>, 'blueprint'>;
  templates: MessageTemplateSpec[];
  coupons: z.input<typeof CouponTemplateInput>[];
}

type Words = { subject: string; body: string };

/**
 * One template's words for the four marketing channels from a subject and a long body per language: email gets both
 * (with the unsubscribe link), WeChat and app push the subject and the body, SMS the short text with the brand's
 * signature (and the opt-out for marketing).
 */
function channels(purpose: Purpose, zh: Words & { sms: string }, en: Words & { sms: string }): TemplateContents {
  const optOut = purpose === 'marketing';
  return {
    sms: {
      'zh-CN': { body: `【{{brand}}】${zh.sms}${optOut ? ' 回T退订' : ''}` },
      en: { body: `[{{brand}}] ${en.sms}${optOut ? ' Reply T to opt out.' : ''}` },
    },
    wechat: { 'zh-CN': { subject: zh.subject, body: zh.body }, en: { subject: en.subject, body: en.body } },
    app_push: { 'zh-CN': { subject: zh.subject, body: zh.sms }, en: { subject: en.subject, body: en.sms } },
    email: {
      'zh-CN': { subject: zh.subject, body: `${zh.body}\n\n{{brand}}${optOut ? '\n退订：{{unsubscribeUrl}}' : ''}` },
      en: { subject: en.subject, body: `${en.body}\n\n{{brand}}${optOut ? '\nUnsubscribe: {{unsubscribeUrl}}' : ''}` },
    },
  };
}

const HI_ZH = '{{name|亲爱的会员}}';
const HI_EN = '{{name|there}}';

export const BLUEPRINTS: readonly Blueprint[] = [
  {
    code: 'welcome',
    stage: 'new',
    name: { 'zh-CN': '新客欢迎：首购感谢券', en: 'Welcome: first-purchase thank-you coupon' },
    description: {
      'zh-CN': '首次购买后立即送上感谢礼券（满99减15）和欢迎消息，3天后发送使用指南与附近门店。目标：30天内再次购买。',
      en: 'Right after the first purchase: a thank-you coupon (15 yuan off 99) and a welcome message; 3 days later a usage guide with the stores nearby. Goal: another order within 30 days.',
    },
    journey: {
      code: 'welcome',
      name: '新客欢迎：首购感谢券',
      description: 'First purchase → thank-you coupon and welcome message; usage guide 3 days later.',
      holdoutPercent: 10,
      reentry: 'never',
      definition: {
        trigger: { type: 'event', event: 'first_purchase' },
        steps: [
          { id: 'thanks_coupon', name: '感谢券', type: 'coupon', template: 'BP-WELCOME-THANKS', next: 'thanks' },
          { id: 'thanks', name: '欢迎消息', type: 'send', template: 'bp_welcome_thanks', channel: 'auto', sendAt: 'now', next: 'wait_guide' },
          { id: 'wait_guide', name: '等待3天', type: 'wait', days: 3, next: 'guide' },
          { id: 'guide', name: '使用指南', type: 'send', template: 'bp_welcome_guide', channel: 'auto', sendAt: 'usual_hour', next: null },
        ],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: true },
      },
    },
    templates: [
      {
        code: 'bp_welcome_thanks',
        name: '新客欢迎与感谢券',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '欢迎加入{{brand}}，感谢礼券已到账',
            body: `${HI_ZH}，感谢您在{{brand}}的第一次购物！一张满99元减15元的感谢礼券已放入您的会员账户，30天内有效，线上线下均可使用。`,
            sms: `${HI_ZH}，感谢首次购物！满99减15感谢券已到账，30天内有效。`,
          },
          {
            subject: 'Welcome to {{brand}}: your thank-you coupon',
            body: `Hi ${HI_EN}, thank you for your first purchase at {{brand}}! A thank-you coupon (15 yuan off 99 yuan) is in your member account, valid for 30 days online and in store.`,
            sms: `Hi ${HI_EN}, thanks for your first purchase! A 15-off-99 coupon is in your account for 30 days.`,
          },
        ),
      },
      {
        code: 'bp_welcome_guide',
        name: '新客使用指南与附近门店',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '{{brand}}会员使用指南',
            body: `${HI_ZH}，会员消费可积分、积分可抵现，生日当月还有专属礼遇。{{nearbyStoresLine}}到店自提、即时配送都很方便。`,
            sms: `${HI_ZH}，会员消费积分可抵现，生日月有专属礼遇。{{nearbyStoresLine}}`,
          },
          {
            subject: 'Getting the most from your {{brand}} membership',
            body: `Hi ${HI_EN}, every purchase earns points you can spend as cash, and your birthday month brings member treats. {{nearbyStoresLine}} Pick-up in store and same-day delivery are both available.`,
            sms: `Hi ${HI_EN}, purchases earn points you can spend as cash. {{nearbyStoresLine}}`,
          },
        ),
      },
    ],
    coupons: [
      {
        code: 'BP-WELCOME-THANKS',
        name: '首购感谢券 满99减15',
        purpose: 'new_member',
        definition: { rule: { kind: 'threshold', tiers: [{ minFen: 9900, offFen: 1500 }] } },
        validDays: 30,
        perCustomerLimit: 1,
      },
    ],
  },
  {
    code: 'second_purchase',
    stage: 'new',
    name: { 'zh-CN': '首购后7–15天：关联推荐或复购优惠', en: 'Days 7–15 after the first purchase: recommendation or repurchase discount' },
    description: {
      'zh-CN': '首购7天后推荐一件关联商品（购物篮分析：最近一单的交叉销售，否则常买品类的热销品）；第12天仍未复购则送第二单9折券。目标：第二单。',
      en: 'Seven days after the first purchase, a related product (basket analysis: cross-sell of the latest order, else the best seller of the favourite category); on day 12, without a second order, a 10 % repurchase coupon. Goal: the second order.',
    },
    journey: {
      code: 'second_purchase',
      name: '首购后关联推荐与复购优惠',
      description: 'Day 7: related-product recommendation; day 12 without an order: repurchase discount.',
      holdoutPercent: 10,
      reentry: 'never',
      definition: {
        trigger: { type: 'event', event: 'first_purchase' },
        steps: [
          { id: 'wait_7', name: '等待7天', type: 'wait', days: 7, next: 'recommend' },
          { id: 'recommend', name: '关联推荐', type: 'send', template: 'bp_second_recommend', channel: 'auto', sendAt: 'usual_hour', next: 'wait_5' },
          { id: 'wait_5', name: '再等5天', type: 'wait', days: 5, next: 'bought' },
          {
            id: 'bought',
            name: '已复购？',
            type: 'branch',
            branches: [{ when: [{ type: 'purchased', value: true }], next: null }],
            else: 'repurchase_coupon',
          },
          { id: 'repurchase_coupon', name: '复购券', type: 'coupon', template: 'BP-REPURCHASE-10', next: 'repurchase' },
          { id: 'repurchase', name: '复购优惠', type: 'send', template: 'bp_second_repurchase', channel: 'auto', sendAt: 'usual_hour', next: null },
        ],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: true },
      },
    },
    templates: [
      {
        code: 'bp_second_recommend',
        name: '首购后关联推荐',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '为您挑选：{{recommendation|本季新品}}',
            body: `${HI_ZH}，根据您上次的选购，为您推荐「{{recommendation|本季新品}}」，和您买过的商品很搭。{{nearbyStoresLine}}`,
            sms: `${HI_ZH}，根据您上次的选购，推荐您试试「{{recommendation|本季新品}}」。`,
          },
          {
            subject: 'Picked for you: {{recommendation|this season’s new arrivals}}',
            body: `Hi ${HI_EN}, based on your last purchase we think you will like “{{recommendation|this season’s new arrivals}}”: it goes well with what you bought. {{nearbyStoresLine}}`,
            sms: `Hi ${HI_EN}, based on your last purchase, try “{{recommendation|our new arrivals}}”.`,
          },
        ),
      },
      {
        code: 'bp_second_repurchase',
        name: '第二单9折券',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '第二单9折券已到账',
            body: `${HI_ZH}，您的第二单9折券（最高减50元）已放入会员账户，14天内有效。{{nearbyStoresLine}}`,
            sms: `${HI_ZH}，第二单9折券（最高减50元）已到账，14天内有效。`,
          },
          {
            subject: 'Your second order: 10 % off',
            body: `Hi ${HI_EN}, a coupon for 10 % off your second order (up to 50 yuan) is in your member account, valid for 14 days. {{nearbyStoresLine}}`,
            sms: `Hi ${HI_EN}, 10% off your second order (up to 50 yuan) is in your account for 14 days.`,
          },
        ),
      },
    ],
    coupons: [
      {
        code: 'BP-REPURCHASE-10',
        name: '第二单9折券（最高减50元）',
        purpose: 'general',
        definition: { rule: { kind: 'percent', percent: 10 }, capFen: 5000 },
        validDays: 14,
        perCustomerLimit: 1,
      },
    ],
  },
  {
    code: 'win_back',
    stage: 'at_risk',
    name: { 'zh-CN': '90天未购：个性化召回券', en: '90 days without a purchase: personal win-back coupon' },
    description: {
      'zh-CN': '90天未购买时送出召回券（满199减40），消息按流失模型与常买品类写出专属优惠；14天后仍未回购再提醒一次。目标：30天内回购。',
      en: 'After 90 days without a purchase: a win-back coupon (40 yuan off 199) and a message whose offer line comes from the churn model and the favourite category; a reminder 14 days later if they have not come back. Goal: an order within 30 days.',
    },
    journey: {
      code: 'win_back',
      name: '90天未购召回',
      description: 'Inactive for 90 days → personal win-back coupon and message; reminder after 14 days.',
      holdoutPercent: 10,
      reentry: 'cooldown',
      reentryDays: 180,
      definition: {
        trigger: { type: 'inactivity', days: 90, at: '10:00' },
        steps: [
          { id: 'winback_coupon', name: '召回券', type: 'coupon', template: 'BP-WINBACK', next: 'offer' },
          { id: 'offer', name: '召回消息', type: 'send', template: 'bp_winback', channel: 'auto', sendAt: 'usual_hour', next: 'wait_14' },
          { id: 'wait_14', name: '等待14天', type: 'wait', days: 14, next: 'back' },
          { id: 'back', name: '已回购？', type: 'branch', branches: [{ when: [{ type: 'purchased', value: true }], next: null }], else: 'reminder' },
          { id: 'reminder', name: '到期提醒', type: 'send', template: 'bp_winback_reminder', channel: 'auto', sendAt: 'usual_hour', next: null },
        ],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: true },
      },
    },
    templates: [
      {
        code: 'bp_winback',
        name: '个性化召回',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '好久不见，{{name|亲爱的会员}}',
            body: `${HI_ZH}，好久不见！{{winBackOffer|为您精选了本季新品}}。一张满199元减40元的回归礼券已放入您的会员账户，30天内有效。{{nearbyStoresLine}}`,
            sms: `${HI_ZH}，好久不见！{{winBackOffer|为您精选了本季新品}}。满199减40回归券已到账，30天内有效。`,
          },
          {
            subject: 'We miss you, {{name|there}}',
            body: `Hi ${HI_EN}, it has been a while! {{winBackOffer|We picked this season’s new arrivals for you}}. A welcome-back coupon (40 yuan off 199 yuan) is in your member account, valid for 30 days. {{nearbyStoresLine}}`,
            sms: `Hi ${HI_EN}, we miss you! {{winBackOffer|New arrivals picked for you}}. A 40-off-199 coupon is in your account for 30 days.`,
          },
        ),
      },
      {
        code: 'bp_winback_reminder',
        name: '召回券到期提醒',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '您的回归礼券还有16天到期',
            body: `${HI_ZH}，您的满199减40回归礼券还有16天到期，别错过。{{nearbyStoresLine}}`,
            sms: `${HI_ZH}，满199减40回归礼券16天后到期，别错过。`,
          },
          {
            subject: 'Your welcome-back coupon expires in 16 days',
            body: `Hi ${HI_EN}, your welcome-back coupon (40 yuan off 199 yuan) expires in 16 days. {{nearbyStoresLine}}`,
            sms: `Hi ${HI_EN}, your 40-off-199 coupon expires in 16 days.`,
          },
        ),
      },
    ],
    coupons: [
      {
        code: 'BP-WINBACK',
        name: '回归礼券 满199减40',
        purpose: 'general',
        definition: { rule: { kind: 'threshold', tiers: [{ minFen: 19900, offFen: 4000 }] } },
        validDays: 30,
        perCustomerLimit: 1,
      },
    ],
  },
  {
    code: 'birthday',
    stage: 'repeat',
    name: { 'zh-CN': '生日祝福与生日礼', en: 'Birthday greeting and gift' },
    description: {
      'zh-CN': '生日当天10:00送上祝福和生日礼券（满100减30）。目标：30天内购买。',
      en: 'On the birthday at 10:00: a greeting and a birthday coupon (30 yuan off 100). Goal: an order within 30 days.',
    },
    journey: {
      code: 'birthday',
      name: '生日祝福与生日礼',
      description: 'Birthday at 10:00 → gift coupon and greeting.',
      holdoutPercent: 10,
      reentry: 'after_exit',
      definition: {
        trigger: { type: 'date', date: 'birthday', offsetDays: 0, at: '10:00' },
        steps: [
          { id: 'gift', name: '生日礼券', type: 'coupon', template: 'BP-BIRTHDAY-GIFT', next: 'greeting' },
          { id: 'greeting', name: '生日祝福', type: 'send', template: 'bp_birthday', channel: 'auto', sendAt: 'now', next: null },
        ],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: true },
      },
    },
    templates: [
      {
        code: 'bp_birthday',
        name: '生日祝福',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '生日快乐，{{name|亲爱的会员}}！',
            body: `${HI_ZH}，{{brand}}祝您生日快乐！一份生日礼券（满100元减30元）已放入您的会员账户，30天内有效。{{nearbyStoresLine}}`,
            sms: `${HI_ZH}，生日快乐！生日礼券满100减30已到账，30天内有效。`,
          },
          {
            subject: 'Happy birthday, {{name|there}}!',
            body: `Hi ${HI_EN}, happy birthday from {{brand}}! A birthday coupon (30 yuan off 100 yuan) is in your member account, valid for 30 days. {{nearbyStoresLine}}`,
            sms: `Happy birthday, ${HI_EN}! A 30-off-100 birthday coupon is in your account for 30 days.`,
          },
        ),
      },
    ],
    coupons: [
      {
        code: 'BP-BIRTHDAY-GIFT',
        name: '生日礼券 满100减30',
        purpose: 'gift',
        definition: { rule: { kind: 'threshold', tiers: [{ minFen: 10000, offFen: 3000 }] } },
        validDays: 30,
        perCustomerLimit: 1,
      },
    ],
  },
  {
    code: 'tier_upgrade',
    stage: 'repeat',
    name: { 'zh-CN': '会员升级祝贺', en: 'Tier upgrade congratulations' },
    description: {
      'zh-CN': '会员等级提升时，祝贺并介绍新等级的权益。目标：30天内购买。',
      en: 'When a member moves up a tier: congratulations and the new tier’s benefits. Goal: an order within 30 days.',
    },
    journey: {
      code: 'tier_upgrade',
      name: '会员升级祝贺',
      description: 'Tier changed upwards → congratulations with the new benefits.',
      holdoutPercent: 10,
      reentry: 'after_exit',
      definition: {
        trigger: { type: 'event', event: 'tier_changed', filter: { direction: 'up' } },
        steps: [{ id: 'congrats', name: '升级祝贺', type: 'send', template: 'bp_tier_upgrade', channel: 'auto', sendAt: 'usual_hour', next: null }],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: true },
      },
    },
    templates: [
      {
        code: 'bp_tier_upgrade',
        name: '会员升级祝贺',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '恭喜升级为{{tierName|新等级}}会员',
            body: `${HI_ZH}，恭喜您升级为{{brand}}{{tierName|新等级}}会员！您现在享有：{{tierBenefits|更多会员权益}}。`,
            sms: `${HI_ZH}，恭喜升级为{{tierName|新等级}}会员！新权益：{{tierBenefits|更多会员权益}}。`,
          },
          {
            subject: 'Congratulations: you are now {{tierName|in a new tier}}',
            body: `Hi ${HI_EN}, congratulations, you have moved up to {{tierName|a new tier}} at {{brand}}! You now enjoy {{tierBenefits|more member benefits}}.`,
            sms: `Congratulations ${HI_EN}, you are now {{tierName|in a new tier}}: {{tierBenefits|more member benefits}}.`,
          },
        ),
      },
    ],
    coupons: [],
  },
  {
    code: 'quarterly_callback',
    stage: 'repeat',
    name: { 'zh-CN': '季度回访（导购任务）', en: 'Quarterly callback (guide task)' },
    description: {
      'zh-CN': '每季度为高价值老客户（RFM高价值）生成导购回访任务：询问使用情况和建议，7天内完成。目标：30天内购买。',
      en: 'Every quarter, a callback task for the guide for each high-value repeat customer (RFM high value): ask how the products work out and for suggestions, due in 7 days. Goal: an order within 30 days.',
    },
    journey: {
      code: 'quarterly_callback',
      name: '季度回访',
      description: 'Every quarter → a callback task for the guide, high-value repeat customers.',
      holdoutPercent: 10,
      reentry: 'after_exit',
      definition: {
        trigger: { type: 'schedule', every: 'quarter', startAt: '2026-01-05T10:00:00+08:00' },
        audience: { segments: ['rfm_class_high_value'] },
        steps: [{ id: 'callback', name: '导购回访', type: 'task', kind: 'callback', template: 'bp_callback_task', dueDays: 7, next: null }],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: false },
      },
    },
    templates: [
      {
        code: 'bp_callback_task',
        name: '季度回访任务',
        purpose: 'service',
        contents: {
          guide_task: {
            'zh-CN': {
              subject: '季度回访：{{name|会员}}',
              body: '请电话或企业微信回访{{name|这位会员}}（{{tierName|会员}}）：询问近期购买商品的使用情况和对服务的建议，记录回访结果。可推荐：{{recommendation|本季新品}}。',
            },
            en: {
              subject: 'Quarterly callback: {{name|member}}',
              body: 'Call or WeCom {{name|this member}} ({{tierName|member}}): ask how their recent purchases work out and for suggestions on our service, and record the outcome. Worth suggesting: {{recommendation|this season’s new arrivals}}.',
            },
          },
        },
      },
    ],
    coupons: [],
  },
  {
    code: 'referral',
    stage: 'loyal',
    name: { 'zh-CN': '忠诚客户推荐有礼', en: 'Referral invitation for loyal customers' },
    description: {
      'zh-CN': '客户进入"冠军客户"分群（RFM）时，邀请其分享专属推荐链接：好友首单后双方获得积分。目标：30天内购买。',
      en: 'When a customer enters the champions segment (RFM): an invitation to share their own referral link; both sides earn points on the friend’s first order. Goal: an order within 30 days.',
    },
    journey: {
      code: 'referral',
      name: '忠诚客户推荐有礼',
      description: 'Segment entered (rfm_champions) → invitation with the member’s referral link.',
      holdoutPercent: 10,
      reentry: 'cooldown',
      reentryDays: 180,
      definition: {
        trigger: { type: 'event', event: 'segment_entered', filter: { segment: 'rfm_champions' } },
        steps: [{ id: 'invite', name: '推荐邀请', type: 'send', template: 'bp_referral_invite', channel: 'auto', sendAt: 'usual_hour', next: null }],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: false },
      },
    },
    templates: [
      {
        code: 'bp_referral_invite',
        name: '推荐有礼邀请',
        purpose: 'marketing',
        contents: channels(
          'marketing',
          {
            subject: '邀请好友，一起得积分',
            body: `${HI_ZH}，感谢您一直以来对{{brand}}的支持！把您的专属链接分享给好友：{{referralLink}} 好友完成首单后，你们双方都能获得积分奖励。`,
            sms: `${HI_ZH}，邀好友得积分，专属链接：{{referralLink}}`,
          },
          {
            subject: 'Invite a friend, both of you earn points',
            body: `Hi ${HI_EN}, thank you for being with {{brand}}! Share your own link with friends: {{referralLink}} When a friend places their first order, you both earn points.`,
            sms: `Hi ${HI_EN}, invite friends and earn points: {{referralLink}}`,
          },
        ),
      },
    ],
    coupons: [],
  },
  {
    code: 'complaint_care',
    stage: 'service',
    name: { 'zh-CN': '投诉解决后关怀', en: 'Care after a resolved complaint' },
    description: {
      'zh-CN': '投诉工单解决后，发送致歉与关怀消息；3天后邀请填写满意度回访。服务类消息，不需营销授权。目标：30天内购买。',
      en: 'When a complaint ticket is resolved: an apology and care message; 3 days later a satisfaction survey. Service messages (no marketing consent needed). Goal: an order within 30 days.',
    },
    journey: {
      code: 'complaint_care',
      name: '投诉解决后关怀',
      description: 'Ticket resolved → apology and care; survey after 3 days.',
      holdoutPercent: 10,
      reentry: 'after_exit',
      definition: {
        trigger: { type: 'event', event: 'ticket_resolved' },
        steps: [
          { id: 'apology', name: '致歉关怀', type: 'send', template: 'bp_care_apology', channel: 'auto', sendAt: 'now', next: 'wait_3' },
          { id: 'wait_3', name: '等待3天', type: 'wait', days: 3, next: 'survey' },
          { id: 'survey', name: '满意度回访', type: 'send', template: 'bp_care_survey', channel: 'auto', sendAt: 'usual_hour', next: null },
        ],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: false },
      },
    },
    templates: [
      {
        code: 'bp_care_apology',
        name: '投诉解决致歉关怀',
        purpose: 'service',
        contents: channels(
          'service',
          {
            subject: '关于您反馈的问题',
            body: `${HI_ZH}，非常抱歉给您带来了不好的体验。您反馈的问题已经处理完毕，我们也据此改进了流程。如还有任何需要，请随时联系我们。`,
            sms: `${HI_ZH}，抱歉给您带来不便，您反馈的问题已处理完毕，感谢您的耐心。`,
          },
          {
            subject: 'About the issue you reported',
            body: `Hi ${HI_EN}, we are sorry for the trouble. The issue you reported has been resolved, and we have improved how we work because of it. If there is anything else, just get in touch.`,
            sms: `Hi ${HI_EN}, sorry for the trouble: the issue you reported is resolved. Thank you for your patience.`,
          },
        ),
      },
      {
        code: 'bp_care_survey',
        name: '投诉后满意度回访',
        purpose: 'service',
        contents: channels(
          'service',
          {
            subject: '请为我们的处理打个分',
            body: `${HI_ZH}，几天前我们处理了您反馈的问题。您对处理结果满意吗？回复1–5分告诉我们，您的意见会帮助我们做得更好。`,
            sms: `${HI_ZH}，您对我们的问题处理满意吗？回复1–5分告诉我们。`,
          },
          {
            subject: 'How did we do?',
            body: `Hi ${HI_EN}, a few days ago we resolved the issue you reported. Are you happy with how it was handled? Reply with a score from 1 to 5; it helps us do better.`,
            sms: `Hi ${HI_EN}, how happy are you with how we handled your issue? Reply 1-5.`,
          },
        ),
      },
    ],
    coupons: [],
  },
  {
    code: 'birthday_call',
    stage: 'loyal',
    name: { 'zh-CN': '生日前导购电话', en: 'Birthday call by the guide' },
    description: {
      'zh-CN': '生日前3天10:00，为客户的专属导购生成生日电话任务（3天内、生日当天前完成）；客户退订电话联系则不生成。目标：30天内购买。',
      en: 'Three days before the birthday at 10:00: a birthday-call task for the customer’s guide, due in 3 days (by the birthday). Customers who opted out of phone calls get none. Goal: an order within 30 days.',
    },
    journey: {
      code: 'birthday_call',
      name: '生日前导购电话',
      description: '3 days before the birthday at 10:00 → a birthday_call task for the assigned guide.',
      holdoutPercent: 10,
      reentry: 'after_exit',
      definition: {
        trigger: { type: 'date', date: 'birthday', offsetDays: -3, at: '10:00' },
        steps: [{ id: 'call', name: '生日电话', type: 'task', kind: 'birthday_call', template: 'bp_birthday_call_task', dueDays: 3, next: null }],
        goal: { event: 'order_placed', withinDays: 30, exitOnGoal: false },
      },
    },
    templates: [
      {
        code: 'bp_birthday_call_task',
        name: '生日电话任务',
        purpose: 'marketing',
        contents: {
          guide_task: {
            'zh-CN': {
              subject: '生日电话：{{name|会员}}',
              body: '{{name|这位会员}}（{{tierName|会员}}）的生日快到了，请在生日当天前致电送上祝福，并提醒生日月的会员礼遇。可推荐：{{recommendation|本季新品}}。记录通话结果。',
            },
            en: {
              subject: 'Birthday call: {{name|member}}',
              body: 'The birthday of {{name|this member}} ({{tierName|member}}) is coming: call them by the day to wish them a happy birthday and mention the birthday-month treats. Worth suggesting: {{recommendation|this season’s new arrivals}}. Record how the call went.',
            },
          },
        },
      },
    ],
    coupons: [],
  },
];

// ------------------------------------------------------------------------------------------------ installing

/** What installing needs of the journeys engine: create a draft journey (validated as JourneyInput). */
export interface JourneyCreator {
  create(input: NewJourney, actor: string): Promise<{ id: string }>;
}

/** What installing needs of messaging: create a message template (`messaging.template_exists` when the code is taken). */
export interface MessageTemplateCreator {
  create(input: { code: string; name: string; purpose: Purpose; contents: TemplateContents; providerIds: Record<string, unknown> }, actor: string): Promise<unknown>;
}

/** What installing needs of promotions: create a coupon template (`promotions.template_exists` when the code is taken). */
export interface CouponTemplateCreator {
  createTemplate(input: z.output<typeof CouponTemplateInput>, actor: string): Promise<unknown>;
}

export interface BlueprintSummary {
  code: string;
  stage: Stage;
  /** In the asked language; `names` / `descriptions` carry both. */
  name: string;
  description: string;
  names: Localized;
  descriptions: Localized;
  /** The trigger in words, in the asked language. */
  trigger: string;
  holdoutPercent: number;
  goal: { event: string; withinDays: number } | null;
  definition: NewJourney['definition'];
  templates: string[];
  coupons: string[];
  /** Journeys made from it (by journeys.blueprint), the first one's id. */
  installed: boolean;
  journeyId: string | null;
}

export interface InstallResult {
  journey: { id: string; code: string; name: string; status: string; blueprint: string | null };
  /** False when a journey with the code existed (made from this blueprint): nothing was created. */
  created: boolean;
  templates: { created: string[]; existing: string[] };
  coupons: { created: string[]; existing: string[] };
}

export const BLUEPRINT_ACTOR = 'system:blueprints';

/**
 * The ready-made journeys: listed with what they do, installed as draft journeys with the message and coupon templates
 * they need (templates whose codes exist are left as they are — an edited template stays edited). Installing is
 * idempotent by journey code: a second install of the same code answers the journey made the first time.
 */
export class BlueprintsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { journeys: JourneyCreator; coupons: CouponTemplateCreator; templates: MessageTemplateCreator },
  ) {}

  async list(locale: Locale = 'zh-CN'): Promise<BlueprintSummary[]> {
    const rows = await query<{ blueprint: string; id: string }>(
      this.db,
      sql`select distinct on (blueprint) blueprint, id::text as id from journeys.journeys
           where blueprint is not null and status <> 'archived' order by blueprint, created_at, id`,
    );
    const installed = new Map(rows.map((r) => [r.blueprint, r.id]));
    return BLUEPRINTS.map((b) => summary(b, locale, installed.get(b.code) ?? null));
  }

  get(code: string): Blueprint {
    const b = BLUEPRINTS.find((x) => x.code === code);
    if (!b) throw notFound('journeys.blueprint_not_found', `No blueprint ${code} (one of ${BLUEPRINTS.map((x) => x.code).join(', ')})`);
    return b;
  }

  async install(blueprintCode: string, opts: { code?: string | undefined; name?: string | undefined } = {}, actor = BLUEPRINT_ACTOR): Promise<InstallResult> {
    const b = this.get(blueprintCode);
    const parsed = JourneyInput.safeParse({ ...b.journey, ...(opts.code ? { code: opts.code } : {}), ...(opts.name ? { name: opts.name } : {}), blueprint: b.code });
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues);
      throw invalid('validation_failed', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    const input = parsed.data;
    const existing = await this.journeyByCode(input.code);
    if (existing) {
      if (existing.blueprint !== b.code)
        throw conflict('journeys.code_taken', `A journey ${input.code} exists${existing.blueprint ? ` (from blueprint ${existing.blueprint})` : ''}; give another code`);
      return { journey: existing, created: false, templates: { created: [], existing: [] }, coupons: { created: [], existing: [] } };
    }
    const coupons = await this.ensureCoupons(b, actor);
    const templates = await this.ensureTemplates(b, actor);
    try {
      await this.deps.journeys.create(input, actor);
    } catch (err) {
      // Two installs at once: the other one made it.
      const made = await this.journeyByCode(input.code);
      if (made && made.blueprint === b.code) return { journey: made, created: false, templates, coupons };
      throw err;
    }
    const journey = (await this.journeyByCode(input.code))!;
    return { journey, created: true, templates, coupons };
  }

  private async journeyByCode(code: string): Promise<InstallResult['journey'] | undefined> {
    return queryOne<InstallResult['journey']>(
      this.db,
      sql`select id::text as id, code, name, status, blueprint from journeys.journeys where code = ${code}`,
    );
  }

  private async ensureCoupons(b: Blueprint, actor: string): Promise<InstallResult['coupons']> {
    const out: InstallResult['coupons'] = { created: [], existing: [] };
    for (const c of b.coupons) {
      const found = await queryOne(this.db, sql`select 1 from promotions.coupon_templates where code = ${c.code}`);
      if (found) {
        out.existing.push(c.code);
        continue;
      }
      try {
        await this.deps.coupons.createTemplate(c as z.output<typeof CouponTemplateInput>, actor);
        out.created.push(c.code);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'promotions.template_exists')) throw err;
        out.existing.push(c.code);
      }
    }
    return out;
  }

  /** Message templates through the messaging module, unless the code exists (an edited template stays as edited). */
  private async ensureTemplates(b: Blueprint, actor: string): Promise<InstallResult['templates']> {
    const out: InstallResult['templates'] = { created: [], existing: [] };
    for (const t of b.templates) {
      const found = await queryOne(this.db, sql`select 1 from messaging.templates where code = ${t.code}`);
      if (found) {
        out.existing.push(t.code);
        continue;
      }
      try {
        await this.deps.templates.create({ code: t.code, name: t.name, purpose: t.purpose, contents: t.contents, providerIds: {} }, actor);
        out.created.push(t.code);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'messaging.template_exists')) throw err;
        out.existing.push(t.code);
      }
    }
    return out;
  }
}

function summary(b: Blueprint, locale: Locale, journeyId: string | null): BlueprintSummary {
  const def = b.journey.definition;
  const goal = def.goal ? { event: def.goal.event ?? 'order_placed', withinDays: def.goal.withinDays ?? 30 } : null;
  return {
    code: b.code,
    stage: b.stage,
    name: b.name[locale],
    description: b.description[locale],
    names: b.name,
    descriptions: b.description,
    trigger: triggerSummary(def.trigger, locale),
    holdoutPercent: b.journey.holdoutPercent ?? 10,
    goal,
    definition: JourneyInput.parse({ ...b.journey, blueprint: b.code }).definition,
    templates: b.templates.map((t) => t.code),
    coupons: b.coupons.map((c) => c.code),
    installed: journeyId !== null,
    journeyId,
  };
}

const EVENT_WORDS: Record<string, Localized> = {
  first_purchase: { 'zh-CN': '首次购买', en: 'first purchase' },
  order_placed: { 'zh-CN': '下单', en: 'an order' },
  tier_changed: { 'zh-CN': '会员等级变化', en: 'tier change' },
  segment_entered: { 'zh-CN': '进入分群', en: 'entering a segment' },
  segment_exited: { 'zh-CN': '离开分群', en: 'leaving a segment' },
  ticket_resolved: { 'zh-CN': '工单解决', en: 'a ticket resolved' },
  rhythm_changed: { 'zh-CN': '购买节奏变化', en: 'a rhythm change' },
  member_joined: { 'zh-CN': '成为会员', en: 'joining as a member' },
};
const EVERY: Record<string, Localized> = {
  once: { 'zh-CN': '一次', en: 'once' },
  day: { 'zh-CN': '每天', en: 'every day' },
  week: { 'zh-CN': '每周', en: 'every week' },
  month: { 'zh-CN': '每月', en: 'every month' },
  quarter: { 'zh-CN': '每季度', en: 'every quarter' },
};

/** A trigger in a few words: "事件：首次购买", "Inactivity: 90 days without an order at 10:00". */
export function triggerSummary(t: Blueprint['journey']['definition']['trigger'], locale: Locale): string {
  const en = locale === 'en';
  switch (t.type) {
    case 'event': {
      const words = EVENT_WORDS[t.event]![locale];
      const f = t.filter;
      const extra = [
        f?.direction ? (en ? (f.direction === 'up' ? 'upwards' : 'downwards') : f.direction === 'up' ? '（升级）' : '（降级）') : '',
        f?.segment ? (en ? ` ${f.segment}` : `（${f.segment}）`) : '',
      ].join('');
      return en ? `Event: ${words}${extra ? ` ${extra.trim()}` : ''}` : `事件：${words}${extra}`;
    }
    case 'date': {
      const off = t.offsetDays ?? 0;
      const at = t.at ?? '10:00';
      const what = t.date === 'birthday' ? (en ? 'birthday' : '生日') : en ? 'membership anniversary' : '入会周年';
      if (en) return `Date: ${off === 0 ? 'on the' : `${Math.abs(off)} days ${off < 0 ? 'before the' : 'after the'}`} ${what} at ${at}`;
      return `日期：${what}${off === 0 ? '当天' : off < 0 ? `前${-off}天` : `后${off}天`} ${at}`;
    }
    case 'inactivity':
      return en ? `Inactivity: ${t.days} days without an order, at ${t.at ?? '10:00'}` : `沉睡：${t.days}天未购买，${t.at ?? '10:00'}`;
    case 'schedule':
      return en ? `Schedule: ${EVERY[t.every ?? 'once']!.en} from ${t.startAt}` : `定时：自${t.startAt}起${EVERY[t.every ?? 'once']!['zh-CN']}`;
  }
}
