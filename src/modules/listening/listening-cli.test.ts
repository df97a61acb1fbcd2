import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKemai } from '../../../tests/support/kemai-process.js';

/** The real `kemai listening` in child processes on an embedded database: import, sentiment, train, trends, spikes. */
describe('kemai listening', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never', PORT: '0' });
  const run = (args: string[]) => runKemai(['listening', ...args], env(), dir);
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-listening-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('labels a file, one result per row, without a database', async () => {
    const reviews = file('reviews.csv', ['id,评论', '1,质量很好，物流也快，非常满意', '2,"衣服质量太差了,退货"', '3,This is the worst service ever'].join('\n'));
    const csv = await run(['sentiment', '--from', reviews, '--text-col', '评论', '--shipped']);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out.trim().split('\n').map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['line,label', '2,positive', '3,negative', '4,negative']);
    const json = await run(['sentiment', '--from', reviews, '--text-col', '评论', '--shipped', '--json']);
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l).label)).toEqual(['positive', 'negative', 'negative']);
    const bad = await run(['sentiment', '--from', reviews, '--text-col', 'review', '--shipped']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--text-col: reviews.csv has no column "review" (it has: id, 评论)');
  });

  it('imports an export (a bad line names itself and stores nothing), then trends and spikes read it', async () => {
    const broken = file('broken.csv', ['source,id,content,time,province', 'weibo,w1,包装很精致,2026-11-20 10:00,广东', 'weibo,w2,,2026-11-20 10:05,广东'].join('\n'));
    const refused = await run(['import', broken]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('broken.csv: 1 problem(s); nothing was imported');
    expect(refused.err).toContain('line 3 text');

    const good = file('mentions.ndjson', [
      JSON.stringify({ source: 'weibo', externalId: 'w1', text: '包装很精致，质量也好', postedAt: '2026-11-20T10:00:00+08:00', region: '广东' }),
      JSON.stringify({ source: 'weibo', externalId: 'w2', text: '快递太慢了，等了一周', postedAt: '2026-11-20T11:00:00+08:00', region: '广东' }),
      JSON.stringify({ source: 'dianping', externalId: 'd1', text: '店员态度很差，不会再来', postedAt: '2026-11-21T15:00:00+08:00', region: '上海', storeCode: 'SH01' }),
    ].join('\n'));
    const first = await run(['import', good, '--json']);
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ received: 3, inserted: 3, duplicates: 0 });
    const again = await run(['import', good, '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ inserted: 0, duplicates: 3 });

    const trends = await run(['trends', '--from', '2026-11-19T16:00:00Z', '--to', '2026-11-21T16:00:00Z', '--json']);
    expect(trends.code, trends.err).toBe(0);
    const t = JSON.parse(trends.out);
    expect(t.trend.points.map((p: { mentions: number; negatives: number }) => [p.mentions, p.negatives])).toEqual([
      [2, 1],
      [1, 1],
    ]);
    const spikes = await run(['spikes', '--scan']);
    expect(spikes.code, spikes.err).toBe(0);
    expect(spikes.out).toMatch(/^scan: 0 rules, 0 scopes; 0 opened, 0 updated, 0 closed\nNo alerts\.$/m);

    const badBucket = await run(['trends', '--bucket', 'minute']);
    expect([badBucket.code, badBucket.err.includes('--bucket: hour, day or week (got minute)')]).toEqual([2, true]);
  });

  it('retrains on a brand’s labelled reviews, naming a bad label by line', async () => {
    const bad = file('labels-bad.csv', ['text,label', '很好用,好评', '太差了,meh'].join('\n'));
    const refused = await run(['train', '--from', bad, '--text-col', 'text', '--label-col', 'label']);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('line 3 label');
    const rows = ['text,stars'];
    for (let i = 0; i < 40; i++) rows.push(`云朵杯第${i}号保温效果很好,5`, `云朵杯第${i}号漏水了很失望,1`);
    const labelled = file('labels.csv', rows.join('\n'));
    const trained = await run(['train', '--from', labelled, '--text-col', 'text', '--label-col', 'stars', '--json']);
    expect(trained.code, trained.err).toBe(0);
    const out = JSON.parse(trained.out);
    expect(out.rows).toBe(80);
    expect(out.model).toMatchObject({ origin: 'trained', trainedBy: expect.stringMatching(/^cli:/) });
    expect(out.evaluation.accuracy).toBe(1);
  });
});
