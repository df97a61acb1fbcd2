import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../app/kemai.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase, query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createLogger } from '../../platform/logger.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

/** The real `kemai journeys list|show|publish|pause|stats|run` in child processes on an embedded database. */
describe('kemai journeys', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', PORT: '0' });
  const run = (args: string[]) => runKemai(['journeys', ...args], env(), dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-journeys-cli-'));
    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    try {
      const db = database.db;
      await query(
        db,
        sql`insert into messaging.templates (id, code, name, purpose, contents, created_by)
            values (${newId()}::uuid, 'bday', 'bday', 'marketing', ${JSON.stringify({ sms: { 'zh-CN': { body: '生日快乐' }, en: { body: 'Happy birthday' } } })}::jsonb, 'test')`,
      );
      const ids = [newId(), newId()];
      await query(db, sql`insert into customers.customers (id, birthday) select unnest(${sql.param(ids)}::uuid[]), '1990-05-10'::date`);
      await kemai.journeys.create(
        { code: 'bday_cli', name: '生日', holdoutPercent: 0, definition: { trigger: { type: 'date', date: 'birthday', offsetDays: 0, at: '09:00' }, steps: [{ id: 'hi', type: 'send', template: 'bday', sendAt: 'now', next: 'w' }, { id: 'w', type: 'wait', days: 1 }] } },
        'test',
      );
      await kemai.journeys.create({ code: 'draft_cli', name: '草稿', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'x', type: 'exit' }] } }, 'test');
    } finally {
      await kemai.close();
    }
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('publishes, runs at an instant, shows stats, pauses', async () => {
    const pub = await run(['publish', 'bday_cli']);
    expect(pub.code, pub.err).toBe(0);
    expect(pub.out).toBe('bday_cli: active at version 1\n');
    const r = await run(['run', '--at', '2026-05-10T09:30']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('2026-05-10T01:30:00.000Z: 2 entered from 1 scanned journeys; 4 steps ran (send 2, wait 2), 0 held-out passes closed\n');
    const list = await run(['list']);
    expect(list.out.split('\n')).toEqual(['bday_cli   active    v1  entered 2, active 2, converted 0  生日', 'draft_cli  draft     v1  entered 0, active 0, converted 0  草稿', '']);
    const stats = await run(['stats', 'bday_cli', '--json']);
    const s = JSON.parse(stats.out);
    expect([s.entered, s.messages, s.steps.map((x: { id: string; ran: number; now: number }) => [x.id, x.ran, x.now])]).toEqual([
      2,
      { queued: 2 },
      [
        ['hi', 2, 0],
        ['w', 2, 0],
      ],
    ]);
    const show = await run(['show', 'bday_cli']);
    expect(show.out.split('\n').slice(0, 4)).toEqual(['bday_cli — 生日 (journey, active, version 1, holdout 0 %, re-entry never)', 'Trigger: birthday +0 d at 09:00', '  hi               send    bday → w', '  w                wait     → end']);
    expect((await run(['pause', 'bday_cli'])).out).toBe('bday_cli: paused\n');
  }, 400_000);
});
