import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../app/kemai.js';
import { localDate } from '../../platform/clock.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase, query } from '../../platform/db/database.js';
import { createLogger } from '../../platform/logger.js';
import { runKemai } from '../../../tests/support/kemai-process.js';
import { EventInput } from './activity.schemas.js';
import { retentionCutoff } from './retention.js';

/** The real `kemai retention run` in a child process on an embedded database. */
describe('kemai retention run', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });

  async function withKemai<T>(fn: (k: Awaited<ReturnType<typeof createKemai>>) => Promise<T>): Promise<T> {
    const database = await openDatabase({ dataDir: path.join(dir, 'data') });
    const kemai = await createKemai({ config: loadConfig(env()), database, log: createLogger('silent') });
    try {
      return await fn(kemai);
    } finally {
      await kemai.close();
    }
  }
  const counts = () =>
    withKemai(async (k) => {
      const [r] = await query<{ events: number; rollups: number }>(
        k.database.db,
        sql`select (select count(*)::int from activity.events) + (select count(*)::int from activity.anonymous_events) as events,
                   (select coalesce(sum(events), 0)::int from activity.event_rollups) + (select coalesce(sum(events), 0)::int from activity.anonymous_event_rollups) as rollups`,
      );
      return r;
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-retention-cli-'));
    await withKemai(async (k) => {
      const recent = new Date(Date.now() - 86_400_000).toISOString();
      const items = [
        { type: 'view', occurredAt: '2020-05-03T10:00:00+08:00', customer: { phone: '13800138009' } },
        { type: 'view', occurredAt: '2020-05-04T10:00:00+08:00', customer: { phone: '13800138009' } },
        { type: 'share', occurredAt: '2021-01-15T10:00:00+08:00', customer: { phone: '13800138009' } },
        { type: 'login', occurredAt: recent, customer: { phone: '13800138009' } },
      ];
      const r = await k.activity.recordEvents(items.map((i) => EventInput.parse(i)));
      expect(r.map((x) => x.status)).toEqual(['created', 'created', 'created', 'created']);
    });
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a bad --months, runs dry, then rolls up per month', async () => {
    const before = localDate(retentionCutoff(24, new Date(), 'Asia/Shanghai'), 'Asia/Shanghai');

    const bad = await runKemai(['retention', 'run', '--months', '0'], env(), dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('kemai: --months: a whole number of months from 1 to 1200 (got 0)\n');

    const dry = await runKemai(['retention', 'run', '--dry-run'], env(), dir);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toBe(`would roll up and delete 3 events before ${before} (24 months kept); nothing changed:\n  2020-05  2\n  2021-01  1\n`);
    expect(await counts()).toEqual({ events: 4, rollups: 0 });

    const run = await runKemai(['retention', 'run', '--months', '24'], env(), dir);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toBe(`rolled up and deleted 3 events before ${before} (24 months kept) in 1 transaction:\n  2020-05  2\n  2021-01  1\n`);
    expect(await counts()).toEqual({ events: 1, rollups: 3 });
  }, 300_000);
});
