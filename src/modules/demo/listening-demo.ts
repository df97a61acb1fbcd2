import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import type { AccessService } from '../access/index.js';
import type { CustomersService } from '../customers/index.js';
import type { ChannelsService } from '../messaging/index.js';
import type { CouponsService } from '../promotions/index.js';
import type { LedgerService } from '../loyalty/index.js';
import { CrisesService, ListeningService, type MentionInput } from '../listening/index.js';
import { dateOf, dayNumber } from './domain/calendar.js';
import { DEMO_STORES } from './domain/catalog.data.js';
import { generateMentions, type CrisisScenario, type GeneratedMention, type MentionIdentity } from './domain/mentions.generator.js';

/**
 * The demo brand's social listening: 60 days of brand mentions (Weibo, Xiaohongshu, Douyin, Dianping, e-commerce
 * reviews, WeChat) with a product crisis four days before the window's end — a pilling sweater, mentions up many times
 * within the hour, 40 % negative. The mentions are ingested hour by hour through the listening ingest with a fake
 * clock and the spike scan runs as time passes, so the default rules raise the alerts and the product rule opens the
 * crisis; the crisis team posts its statement within the hour, progress updates, finds the affected customers,
 * compensates them with points, and closes the crisis when the negative share is back near 5 %.
 */

export interface ListeningDemoDeps {
  database: { db: Db };
  customers: CustomersService;
  messaging: { channels: Pick<ChannelsService, 'get'> };
  coupons: Pick<CouponsService, 'issueCompensation'>;
  ledger: Pick<LedgerService, 'adjust'>;
  access: Pick<AccessService, 'listStaff' | 'createStaff'>;
  config: { timeZone: string; messagingSecret: string };
}

export interface DemoListeningHistory {
  /** False when the mentions were there already (a re-run): nothing was changed. */
  created: boolean;
  mentions: number;
  negativeShare: number;
  alerts: number;
  crises: number;
  affected: number;
  compensated: number;
  seconds: number;
}

export const DEMO_LISTENING_DAYS = 60;
const PER_DAY = 400;
const HOUR = 3_600_000;
export const PR_LEAD = 'pr.lin';
/** The crisis team's progress updates, in order. */
const UPDATES = [
  '处理进展：问题批次已全部下架，线上线下同步暂停销售。',
  '处理进展：已为受影响顾客办理退换，并发放 200 积分致歉。',
  '处理进展：第三方质检报告已出，面料混纺比例不达标，已提交工厂整改。',
  '处理进展：客服专线延长至 22:00，退换申请 24 小时内处理完毕。',
  '处理进展：新批次面料复检通过，将于下周恢复销售。',
];

const toInput = (g: GeneratedMention): MentionInput => {
  const { expected: _expected, ...rest } = g;
  return rest as MentionInput;
};

/** Seeds the listening history ending on `until` (YYYY-MM-DD, the demo window's last day). A re-run changes nothing. */
export async function seedListening(deps: ListeningDemoDeps, until: string, seed = 'kemai'): Promise<DemoListeningHistory> {
  const started = performance.now();
  const db = deps.database.db;
  const existing = await queryOne<{ n: number }>(db, sql`select count(*)::int as n from listening.mentions where source <> 'ticket' and source <> 'survey'`);
  if ((existing?.n ?? 0) > 0) return summary(db, false, started);

  let now = new Date(`${until}T23:00:00+08:00`);
  const clock: Clock = { now: () => now };
  const listening = new ListeningService({ db, customers: deps.customers, channels: deps.messaging.channels, smtp: { send: async (m) => m.map((x) => ({ id: x.id, status: 'failed' as const, error: 'the demo sends no email' })) }, secret: deps.config.messagingSecret, clock });
  const crises = new CrisesService({ db, clock, notifications: listening.notifications, coupons: deps.coupons, ledger: deps.ledger, timeZone: deps.config.timeZone });
  listening.useDeadlines(crises);
  listening.alerts.useCrisisOpener(async (tx, alert) => (await crises.openFromAlert(alert.id, {}, 'system:listening', tx)).id);

  // The brand's PR lead owns the crises the product rule opens.
  const owner = (await deps.access.listStaff()).find((s) => s.username === PR_LEAD) ?? (await deps.access.createStaff({ username: PR_LEAD, displayName: '公关 林悦', role: 'marketer' })).staff;
  const rules = await listening.alerts.ensureDefaults('demo');
  for (const r of rules.filter((x) => x.opensCrisis)) await listening.alerts.updateRule(r.id, { ownerId: owner.id });

  const products = await query<{ sku: string; name: string; category: string }>(db, sql`select sku, name, array_to_string(category_path, '/') as category from catalog.products order by sku limit 200`);
  const clothing = products.find((p) => p.category.startsWith('服装')) ?? products[0];
  const phones = await query<{ value: string }>(db, sql`select value from customers.identifiers where type = 'phone' order by value limit 400`);
  const identities: MentionIdentity[] = phones.map((p) => ({ phone: p.value }));
  const from = dateOf(dayNumber(until) - DEMO_LISTENING_DAYS + 1);
  const crisisDay = dateOf(dayNumber(until) - 4);
  const crisis: CrisisScenario | undefined = clothing ? { startsAt: `${crisisDay}T20:00:00+08:00`, sku: clothing.sku, keyword: '起球', peakPerHour: 90, negativeShareAtPeak: 0.4, decayHours: 60, recoveredShare: 0.05, respondsAfterHours: 1 } : undefined;
  const all = [...generateMentions({ seed: `${seed}:listening`, from, days: DEMO_LISTENING_DAYS, perDay: PER_DAY, stores: DEMO_STORES, products, identities, ...(crisis ? { crisis } : {}) })].map(toInput);

  // History before the crisis in one go; from a day before it on, hour by hour with the scan running.
  const crisisAt = crisis ? new Date(crisis.startsAt).getTime() : Date.parse(`${until}T00:00:00+08:00`);
  const liveFrom = crisisAt - 24 * HOUR;
  const endAt = Date.parse(`${until}T23:00:00+08:00`);
  const before = all.filter((m) => Date.parse(m.postedAt) < liveFrom);
  await listening.importItems(before);
  let crisisId: string | null = null;
  let nextUpdate = 0;
  let updates = 0;
  for (let h = liveFrom; h < endAt; h += HOUR) {
    const hour = all.filter((m) => {
      const t = Date.parse(m.postedAt);
      return t >= h && t < h + HOUR;
    });
    now = new Date(h + 50 * 60_000);
    if (hour.length) await listening.importItems(hour);
    await listening.alerts.scan(now);
    if (!crisisId) {
      const open = await crises.list({});
      if (open[0]) {
        crisisId = open[0].id;
        now = new Date(h + 50 * 60_000 + 35 * 60_000);
        await crises.post(crisisId, { kind: 'statement', body: '关于部分毛衣起球问题的说明：我们已下架该批次商品，购买过的顾客可无理由退换，并获赠 200 积分致歉。', channels: ['weibo', 'wechat'] }, 'demo:brand-pr');
        nextUpdate = now.getTime() + 4 * HOUR - 20 * 60_000;
      }
    } else if (now.getTime() >= nextUpdate && now.getTime() < crisisAt + 48 * HOUR) {
      await crises.post(crisisId, { kind: 'update', body: UPDATES[updates++ % UPDATES.length]! }, 'demo:brand-pr');
      nextUpdate = now.getTime() + 4 * HOUR - 10 * 60_000;
      if (now.getTime() < crisisAt + 8 * HOUR) {
        await crises.refreshAffected(crisisId, {}, 'demo:crisis-team');
        await crises.compensate(crisisId, { points: 200, note: '起球问题致歉积分' }, 'demo:crisis-team');
      }
    }
    if (crisisId && h >= crisisAt + 72 * HOUR - HOUR && h < crisisAt + 72 * HOUR) {
      now = new Date(h + 55 * 60_000);
      const share = await crises.negativeShare(crisisId, 'hour');
      const pct = (v: number | null | undefined) => (v == null ? '—' : `${Math.round(v * 100)}%`);
      await crises.close(
        crisisId,
        { summary: `该批次面料混纺比例不达标导致起球；已全批次下架、工厂整改，受影响顾客均已补偿。负面占比：开启前 ${pct(share.start)}，峰值 ${pct(share.peak?.share)}，结案时 ${pct(share.latest)}。` },
        'demo:crisis-team',
      );
    }
  }
  await crises.scanDeadlines();
  return summary(db, true, started);
}

async function summary(db: Db, created: boolean, started: number): Promise<DemoListeningHistory> {
  const [r] = await query<{ m: number; n: number; a: number; c: number; af: number; comp: number }>(
    db,
    sql`select (select count(*) from listening.mentions)::int as m, (select count(*) from listening.mentions where sentiment_label = 'negative')::int as n,
               (select count(*) from listening.alerts)::int as a, (select count(*) from listening.crises)::int as c,
               (select count(*) from listening.crisis_affected)::int as af, (select count(*) from listening.crisis_affected where compensated_at is not null)::int as comp`,
  );
  return {
    created,
    mentions: r?.m ?? 0,
    negativeShare: r && r.m ? Math.round((r.n / r.m) * 1000) / 1000 : 0,
    alerts: r?.a ?? 0,
    crises: r?.c ?? 0,
    affected: r?.af ?? 0,
    compensated: r?.comp ?? 0,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
