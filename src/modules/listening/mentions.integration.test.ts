import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { ListeningService } from './listening.service.js';
import { parseMentionFile } from './import.js';

let t: TestApp;
const now = new Date('2026-11-20T12:00:00Z');
let listening: ListeningService;
const db = () => t.kemai.database.db;
const count = async (table: string, where = sql`true`) => Number((await queryOne<{ n: number }>(db(), sql`select count(*)::int as n from ${sql.raw(table)} where ${where}`))!.n);

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  listening = new ListeningService({ db: db(), customers: t.kemai.customers, channels: t.kemai.messaging.channels, smtp: { send: async () => [] }, secret: 'test-secret-test-secret', clock: { now: () => now } });
});
afterAll(async () => t?.close());

const m = (over: Record<string, unknown> = {}) => ({ source: 'weibo', text: '衣服质量太差了，洗一次就起球，要退货', postedAt: '2026-11-20T10:15:00+08:00', ...over });

describe('ingest', () => {
  it('stores a batch: scored, keyworded, aspects, deduplicated within the batch and against what is stored, linked by phone', async () => {
    const [c] = await t.kemai.customers.upsertCustomers([{ index: 0, value: { phone: '13800138000' } as never }], { source: 'api', actor: 'test', prefix: () => '' });
    const customerId = (c as unknown as { id: string }).id;
    const first = await listening.mentions.ingest([
      m({ externalId: 'wb-1', region: '上海', storeCode: 'SH01', sku: 'SKU-1', likes: 12 }),
      m({ externalId: 'wb-1' }),
      m({ externalId: 'wb-2', text: '门店店员服务特别好，很耐心，下次还来', region: '上海', storeCode: 'SH01' }),
      m({ source: 'ecommerce', externalId: 'jd-9', text: 'Delivery was fast and the quality is great, love it', identifiers: { phone: '138 0013 8000' } }),
    ]);
    expect(first).toEqual({ received: 4, inserted: 3, duplicates: 1, linked: 1, sentiment: { positive: 2, neutral: 0, negative: 1 } });
    const again = await listening.mentions.ingest([m({ externalId: 'wb-1' }), m({ externalId: 'wb-3', text: '物流太慢了，客服也不回复' })]);
    expect(again).toMatchObject({ received: 2, inserted: 1, duplicates: 1 });

    const rows = await query<{ external_id: string; sentiment_label: string; aspects: string[]; keywords: string[]; customer_id: string | null; lang: string }>(
      db(),
      sql`select external_id, sentiment_label, aspects, keywords, customer_id, lang from listening.mentions order by external_id`,
    );
    expect(rows.map((r) => [r.external_id, r.sentiment_label, r.lang])).toEqual([
      ['jd-9', 'positive', 'en'],
      ['wb-1', 'negative', 'zh'],
      ['wb-2', 'positive', 'zh'],
      ['wb-3', 'negative', 'zh'],
    ]);
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    expect(byId.get('wb-1')!.aspects).toEqual(['quality', 'service']); // 退货: after-sales
    expect(byId.get('wb-1')!.keywords).toContain('起球');
    expect(byId.get('wb-3')!.aspects).toEqual(['delivery', 'service']);
    expect(byId.get('jd-9')!.customer_id).toBe(customerId);
    expect(byId.get('wb-1')!.customer_id).toBeNull();
  });

  it('refuses a batch with a bad item, naming every problem, and stores nothing of it', async () => {
    const before = await count('listening.mentions');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/listening/mentions',
      headers: t.admin,
      payload: { items: [m({ externalId: 'ok-1' }), m({ externalId: 'bad-1', postedAt: '2026-11-20 10:00' }), m({ externalId: 'bad-2', text: '  ', source: 'myspace' })] },
    });
    expect(res.statusCode, res.body).toBe(400);
    const issues = (res.json() as { error: { code: string; details: { issues: Array<{ path: string }> } } }).error.details.issues.map((i) => i.path);
    expect(issues).toEqual(['items.1.postedAt', 'items.2.source', 'items.2.text']);
    expect(await count('listening.mentions')).toBe(before);
  });

  it('counts each new mention once into the hourly stats of its scopes', async () => {
    const stats = await query<{ scope_type: string; scope_key: string; hour: Date; mentions: number; negatives: number; positives: number }>(
      db(),
      sql`select scope_type, scope_key, hour, mentions, negatives, positives from listening.hourly_stats where scope_type in ('brand', 'store', 'region', 'source') order by scope_type, scope_key, hour`,
    );
    expect(stats.map((s) => [s.scope_type, s.scope_key, new Date(s.hour).toISOString(), s.mentions, s.negatives, s.positives])).toEqual([
      ['brand', '*', '2026-11-20T02:00:00.000Z', 4, 2, 2],
      ['region', '上海', '2026-11-20T02:00:00.000Z', 2, 1, 1],
      ['source', 'ecommerce', '2026-11-20T02:00:00.000Z', 1, 0, 1],
      ['source', 'weibo', '2026-11-20T02:00:00.000Z', 3, 2, 1],
      ['store', 'SH01', '2026-11-20T02:00:00.000Z', 2, 1, 1],
    ]);
  });
});

describe('files', () => {
  it('names every bad line of a CSV export and keeps nothing of it', () => {
    const csv = ['source,id,content,time,province', 'weibo,1,好看,2026-11-20 10:00,广东', 'weibo,2,,2026-11-20 10:00,广东', 'tiktok,3,好看,yesterday,广东'].join('\n');
    const { items, issues } = parseMentionFile(csv, { format: 'csv' });
    expect(items).toEqual([]);
    expect(issues).toEqual([
      { line: 3, path: 'text', message: 'Invalid input: expected string, received undefined' },
      { line: 4, path: 'source', message: expect.stringContaining('Invalid option') },
      { line: 4, path: 'postedAt', message: expect.stringContaining('postedAt must be an ISO 8601 instant') },
    ]);
  });

  it('imports a CSV over HTTP with column aliases and local times; a second import stores nothing twice', async () => {
    const csv = ['id,content,发布时间,省份,点赞', 'x1,快递很快，包装完好,2026-11-19 21:05,浙江,3', 'x2,"价格太贵了, 不值",2026/11/19 22:10,浙江,0'].join('\n');
    const post = () => t.app.inject({ method: 'POST', url: '/api/v1/listening/mentions/import?source=xiaohongshu', headers: { ...t.admin, 'content-type': 'text/csv' }, payload: csv });
    const first = await post();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ received: 2, inserted: 2, duplicates: 0, batches: 1 });
    expect((await post()).json()).toMatchObject({ received: 2, inserted: 0, duplicates: 2 });
    const [x2] = await query<{ posted_at: Date; region: string; likes: number; aspects: string[] }>(db(), sql`select posted_at, region, likes, aspects from listening.mentions where external_id = 'x2'`);
    expect(new Date(x2!.posted_at).toISOString()).toBe('2026-11-19T14:10:00.000Z');
    expect(x2!.region).toBe('浙江');
    expect(x2!.aspects).toEqual(['price']);
  });
});

describe('figures', () => {
  it('answers the overview, a daily trend with empty days, regions and the stream with filters', async () => {
    const q = 'from=2026-11-18T16:00:00Z&to=2026-11-20T16:00:00Z';
    const ov = (await t.app.inject({ method: 'GET', url: `/api/v1/listening/overview?${q}`, headers: t.admin })).json();
    expect(ov).toMatchObject({ mentions: 6, positives: 3, negatives: 3, neutrals: 0, negativeShare: 0.5, previous: { mentions: 0, negativeShare: null }, openAlerts: 0, openCrises: 0 });
    expect(ov.bySource).toEqual([
      { source: 'weibo', mentions: 3, negatives: 2, negativeShare: 0.6667 },
      { source: 'xiaohongshu', mentions: 2, negatives: 1, negativeShare: 0.5 },
      { source: 'ecommerce', mentions: 1, negatives: 0, negativeShare: 0 },
    ]);
    const trend = (await t.app.inject({ method: 'GET', url: `/api/v1/listening/trend?${q}&bucket=day`, headers: t.admin })).json();
    expect(trend.points.map((p: { at: string; mentions: number; negatives: number }) => [p.at, p.mentions, p.negatives])).toEqual([
      ['2026-11-18T16:00:00.000Z', 2, 1],
      ['2026-11-19T16:00:00.000Z', 4, 2],
    ]);
    const regions = (await t.app.inject({ method: 'GET', url: `/api/v1/listening/regions?${q}`, headers: t.admin })).json();
    expect(regions.items).toEqual([
      { region: '上海', mentions: 2, negatives: 1, negativeShare: 0.5 },
      { region: '浙江', mentions: 2, negatives: 1, negativeShare: 0.5 },
    ]);
    const stream = (await t.app.inject({ method: 'GET', url: '/api/v1/listening/mentions?sentiment=negative&source=weibo&limit=1', headers: t.admin })).json();
    expect(stream.items.map((x: { externalId: string }) => x.externalId)).toEqual(['wb-3']);
    const next = (await t.app.inject({ method: 'GET', url: `/api/v1/listening/mentions?sentiment=negative&source=weibo&limit=1&before=${stream.nextBefore}`, headers: t.admin })).json();
    expect(next.items.map((x: { externalId: string }) => x.externalId)).toEqual(['wb-1']);
    expect(next.nextBefore).toBeNull();
  });

  it('needs listening:write to store mentions', async () => {
    const reader = await t.keyWith(['listening:read']);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/listening/mentions', headers: reader, payload: { items: [m({ externalId: 'nope' })] } });
    expect(res.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/listening/mentions', headers: reader })).statusCode).toBe(200);
  });
});

describe('feeds', () => {
  it('polls an RSS feed and receives a vendor webhook with its token (a wrong token is refused)', async () => {
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><guid>n-1</guid><title>某品牌羽绒服被曝质量问题</title><description>&lt;p&gt;多位消费者反映掉毛严重&lt;/p&gt;</description><pubDate>Fri, 20 Nov 2026 03:00:00 GMT</pubDate></item>
      <item><guid>n-2</guid><title>新店开业</title><description>上海新店今日开业</description><pubDate>Fri, 20 Nov 2026 04:00:00 GMT</pubDate></item>
    </channel></rss>`;
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`;
      const feed = await listening.feeds.create({ name: 'news', kind: 'rss', url, source: 'news' });
      expect(await listening.feeds.poll(feed.id)).toMatchObject({ received: 2, inserted: 2, skipped: 0 });
      expect(await listening.feeds.poll(feed.id)).toMatchObject({ received: 2, inserted: 0, duplicates: 2 });
      const [n1] = await query<{ text: string }>(db(), sql`select text from listening.mentions where source = 'news' and external_id = 'n-1'`);
      expect(n1!.text).toBe('某品牌羽绒服被曝质量问题 — 多位消费者反映掉毛严重');
    } finally {
      server.close();
    }
    const hook = await listening.feeds.create({ name: 'vendor', kind: 'webhook', source: 'douyin' });
    expect(hook.hookPath).toMatch(new RegExp(`^/hooks/listening/${hook.id}\\?token=[A-Za-z0-9_-]{43}$`));
    const body = [{ externalId: 'dy-1', text: '直播间买的鞋子很舒服', postedAt: '2026-11-20T11:00:00+08:00' }];
    // The app's own listening service signs with the server's secret: use its token.
    const token = t.kemai.listening.feeds.hookToken(hook.id);
    const bad = await t.app.inject({ method: 'POST', url: `/hooks/listening/${hook.id}?token=${token.slice(1)}x`, payload: body });
    expect(bad.statusCode).toBe(403);
    const ok = await t.app.inject({ method: 'POST', url: `/hooks/listening/${hook.id}?token=${token}`, payload: body });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ inserted: 1 });
  });
});
