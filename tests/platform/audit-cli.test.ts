import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/platform/audit.js';
import { migrateDatabase, openDatabase } from '../../src/platform/db/database.js';
import { runKemai } from '../support/kemai-process.js';

/** The real `kemai audit` in child processes on an embedded database: verify (intact, then tampered) and list. */
describe('kemai audit verify|list', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
  const run = (args: string[]) => runKemai(['audit', ...args], env(), dir);
  /** The embedded database, opened while no kemai process runs. */
  async function withDb(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<void>) {
    const database = await openDatabase({ dataDir: path.join(dir, 'data') });
    try {
      await fn(database.db);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-audit-cli-'));
    const database = await openDatabase({ dataDir: path.join(dir, 'data') });
    await migrateDatabase(database);
    await appendAudit(database.db, { actor: 'staff:0b6f1c1e-0000-4000-8000-000000000001', action: 'customers.merge', targetType: 'customer', targetId: 'c1', details: { mergeId: 'm1', absorbedId: 'c2' } });
    await appendAudit(database.db, { actor: 'key:0b6f1c1e-0000-4000-8000-000000000002', action: 'loyalty.adjust', targetType: 'customer', targetId: 'c1', details: { entryId: 'e1', points: 120 } });
    await appendAudit(database.db, { actor: 'system', action: 'export.segment', targetType: 'segment', targetId: 'vip', details: { rows: 3 } });
    await database.close();
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('says the chain is intact, lists entries, then exits 1 naming the edited seq', async () => {
    const ok = await run(['verify']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^audit chain intact: 3 entries \(head seq 3, hash [0-9a-f]{64}\)\n$/);

    const list = await run(['list', '--action', 'loyalty.adjust', '--json']);
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out)).toMatchObject({ items: [{ seq: 2, action: 'loyalty.adjust', targetType: 'customer', targetId: 'c1', details: { entryId: 'e1', points: 120 } }], nextBefore: null });
    const text = await run(['list', '--limit', '2']);
    expect(text.out.trim().split('\n').map((l) => l.split('  ').filter((_, i) => i !== 1).join(' | '))).toEqual([
      '#3 | system | export.segment | segment:vip | {"rows":3}',
      '#2 | key:0b6f1c1e-0000-4000-8000-000000000002 | loyalty.adjust | customer:c1 | {"entryId":"e1","points":120}',
      '… more: --before 2',
    ]);
    const bad = await run(['list', '--limit', '0']);
    expect([bad.code, bad.err.trim()]).toEqual([2, 'kemai: --limit: a whole number from 1 to 200 (got 0)']);

    await withDb((db) => db.execute(sql`update platform.audit_log set details = '{"entryId": "e1", "points": 120000}'::jsonb where seq = 2`).then(() => undefined));
    const broken = await run(['verify']);
    expect([broken.code, broken.out, broken.err.trim()]).toEqual([
      1,
      '',
      'kemai: audit chain broken at seq 2: its content does not match its hash: the row was edited (1 entry before it intact)',
    ]);
    const json = await run(['verify', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, rows: 1, firstBadSeq: 2, problem: 'hash_mismatch' });

    await withDb((db) => db.execute(sql`delete from platform.audit_log where seq = 2`).then(() => undefined));
    const deleted = await run(['verify']);
    expect([deleted.code, deleted.err.trim()]).toEqual([1, 'kemai: audit chain broken at seq 2: seq 2 is missing (the next row is seq 3): a row was deleted (1 entry before it intact)']);
  });
});
