import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../../platform/db/database.js';
import { verify } from '../messaging/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { CrisesService } from './crises.service.js';
import { ListeningService } from './listening.service.js';
import { addHourlyStats } from './mentions.service.js';

const HOUR = 3_600_000;
/** The spike hour: 2026-11-20 20:00 in Shanghai. */
const H = Date.parse('2026-11-20T12:00:00Z');
let now = new Date(H);
let t: TestApp;
let listening: ListeningService;
let crises: CrisesService;
let sink: http.Server;
const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
const db = () => t.kemai.database.db;
const SECRET = 'sink-secret-0123456789';

/** 14 days of history before H: `perHour` mentions every hour of a scope, `neg` of them negative. */
async function history(scopeType: string, scopeKey: string, perHour: number, neg: number, days = 14) {
  const rows = [];
  for (let h = H - days * 24 * HOUR; h < H; h += HOUR) rows.push({ scopeType, scopeKey, hour: new Date(h).toISOString(), mentions: perHour, negatives: neg, positives: 0 });
  await addHourlyStats(db(), rows);
}
const hourOf = (at: number, scopeType: string, scopeKey: string, mentions: number, negatives = 0) =>
  addHourlyStats(db(), [{ scopeType, scopeKey, hour: new Date(at).toISOString(), mentions, negatives, positives: 0 }]);
const alerts = () => query<{ rule_id: string; scope_key: string; status: string; peak: { observed: number } }>(db(), sql`select rule_id, scope_key, status, peak from listening.alerts order by opened_at`);

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false, poolSize: 6 });
  const clock = { now: () => now };
  listening = new ListeningService({ db: db(), customers: t.kemai.customers, channels: t.kemai.messaging.channels, smtp: { send: async () => [] }, secret: 'test-secret-test-secret', clock });
  crises = new CrisesService({ db: db(), clock, notifications: listening.notifications, coupons: t.kemai.coupons, ledger: t.kemai.ledger });
  listening.useDeadlines(crises);
  listening.alerts.useCrisisOpener(async (tx, alert) => (await crises.openFromAlert(alert.id, {}, 'system:listening', tx)).id);
  sink = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  sink?.close();
  await t?.close();
});

describe('spike alerts', () => {
  let ruleId = '';

  it('opens one alert when brand mentions jump +600 % within the hour, and tells the console and the webhook', async () => {
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/alerts`;
    const rule = await listening.alerts.createRule({ name: '+500% in 1 h', scopeType: 'brand', metric: 'volume', increasePct: 500, minCount: 30, notify: { console: true, emails: [], webhooks: [{ url, secret: SECRET }] } }, 'test');
    ruleId = rule.id;
    await history('brand', '*', 10, 1);
    await hourOf(H, 'brand', '*', 70, 9);
    now = new Date(H + 30 * 60_000);
    const scan = await listening.scanNow(now);
    expect(scan).toMatchObject({ rules: 1, scopes: 1, opened: 1, updated: 0, closed: 0, notices: 2 });
    expect(scan.delivered).toEqual({ sent: 1, failed: 0, retry: 0 });
    const [a] = await listening.alerts.listAlerts({ status: 'open', limit: 10 });
    expect(a).toMatchObject({ ruleId, scopeType: 'brand', scopeKey: '*', status: 'open', finding: { observed: 70, expected: 10, increasePct: 600, mentions: 70, negatives: 9 } });
    expect(a!.finding.pValue).toBeLessThan(1e-20);

    expect(received).toHaveLength(1);
    const hook = received[0]!;
    expect(verify(SECRET, hook.headers['x-kemai-timestamp'] as string, hook.headers['x-kemai-signature'] as string, hook.body, now)).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({ kind: 'spike', alertId: a!.id, payload: { scopeType: 'brand', finding: { observed: 70 } } });
    const bell = await listening.notifications.consoleList({ unread: true, limit: 10 });
    expect(bell.unread).toBe(1);
    expect(bell.items[0]!.subject).toBe('舆情预警 Spike: 品牌 brand — +500% in 1 h');
  });

  it('updates the same alert while the spike lasts — scans later in the hour, two at once, the next hour — and raises its peak', async () => {
    await hourOf(H, 'brand', '*', 20, 2); // 90 by 20:45
    now = new Date(H + 45 * 60_000);
    const [s1, s2] = await Promise.all([listening.alerts.scan(now), listening.alerts.scan(now)]);
    expect(s1!.opened + s2!.opened).toBe(0);
    await hourOf(H + HOUR, 'brand', '*', 120, 30);
    now = new Date(H + HOUR + 20 * 60_000);
    expect(await listening.alerts.scan(now)).toMatchObject({ opened: 0, updated: 1 });
    const all = await alerts();
    expect(all.map((a) => [a.status, a.peak.observed])).toEqual([['open', 120]]);
    expect(received).toHaveLength(1);
  });

  it('closes it after two quiet hours, and a new spike later opens a new alert', async () => {
    for (const h of [2, 3, 4]) await hourOf(H + h * HOUR, 'brand', '*', 10, 1);
    now = new Date(H + 2 * HOUR + 30 * 60_000);
    expect(await listening.alerts.scan(now)).toMatchObject({ opened: 0, closed: 0 });
    now = new Date(H + 3 * HOUR + 30 * 60_000);
    expect(await listening.alerts.scan(now)).toMatchObject({ closed: 1 });
    now = new Date(H + 4 * HOUR + 30 * 60_000);
    expect(await listening.alerts.scan(now)).toMatchObject({ opened: 0, closed: 0 });
    await hourOf(H + 5 * HOUR, 'brand', '*', 80, 8);
    now = new Date(H + 5 * HOUR + 30 * 60_000);
    expect(await listening.alerts.scan(now)).toMatchObject({ opened: 1 });
    expect((await alerts()).map((a) => a.status)).toEqual(['closed', 'open']);
  });

  it('never fires on small counts: a keyword going 0 → 3 is +∞ % but below the minimum count and not significant', async () => {
    await listening.alerts.createRule({ name: 'keywords', scopeType: 'keyword', metric: 'volume', increasePct: 500, minCount: 20 }, 'test');
    await hourOf(H + 5 * HOUR, 'keyword', '色差', 3, 3);
    await hourOf(H + 5 * HOUR, 'keyword', '起球', 19, 10);
    now = new Date(H + 5 * HOUR + 40 * 60_000);
    const scan = await listening.alerts.scan(now);
    expect(scan.opened).toBe(0);
    expect((await alerts()).filter((a) => a.scope_key !== '*')).toEqual([]);
  });

  it('a product rule on the negative share opens a crisis with the seeds’ one-hour statement deadline', async () => {
    const { staff } = await t.kemai.access.createStaff({ username: 'pr.lead', role: 'marketer', displayName: 'PR lead' });
    await listening.alerts.createRule({ name: 'product negative share', scopeType: 'product', metric: 'negative_share', increasePct: 200, minCount: 20, minNegativeShare: 0.3, opensCrisis: true, ownerId: staff.id }, 'test');
    await history('product', 'SKU-9', 4, 0, 7);
    for (let h = H; h <= H + 5 * HOUR; h += HOUR) await hourOf(h, 'product', 'SKU-9', 4, 0);
    await hourOf(H + 6 * HOUR, 'product', 'SKU-9', 50, 21);
    now = new Date(H + 6 * HOUR + 25 * 60_000);
    const scan = await listening.alerts.scan(now);
    expect(scan.opened).toBe(1);
    const alert = (await listening.alerts.listAlerts({ status: 'open', limit: 10 })).find((a) => a.scopeType === 'product')!;
    expect(alert.finding).toMatchObject({ metric: 'negative_share', mentions: 50, negatives: 21, negativeShare: 0.42 });
    expect(alert.crisisId).not.toBeNull();
    const crisis = await crises.get(alert.crisisId!);
    expect(crisis).toMatchObject({ sku: 'SKU-9', status: 'open', ownerId: staff.id, openedAt: now.toISOString(), statementDueAt: new Date(now.getTime() + HOUR).toISOString() });
    const [c] = await query<{ n: number }>(db(), sql`select count(*)::int as n from listening.crises`);
    expect(c!.n).toBe(1);
    // A rescan during the same spike opens no second crisis.
    now = new Date(H + 6 * HOUR + 35 * 60_000);
    await listening.alerts.scan(now);
    expect((await queryOne<{ n: number }>(db(), sql`select count(*)::int as n from listening.crises`))!.n).toBe(1);
  });

  it('changes only the fields a patch names', async () => {
    const rule = (await listening.alerts.listRules()).find((r) => r.opensCrisis)!;
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/listening/rules/${rule.id}`, headers: t.admin, payload: { minCount: 25 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ minCount: 25, opensCrisis: true, enabled: true, minNegativeShare: 0.3, ownerId: rule.ownerId, increasePct: 200, metric: 'negative_share' });
  });

  it('validates rules with field names', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/listening/rules', headers: t.admin, payload: { name: 'x', scopeType: 'brand', metric: 'volume', increasePct: -5, windowMinutes: 90, alpha: 0.7 } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toMatch(/increasePct/);
    expect(JSON.stringify(res.json())).toMatch(/windowMinutes/);
    expect(JSON.stringify(res.json())).toMatch(/alpha/);
  });
});
