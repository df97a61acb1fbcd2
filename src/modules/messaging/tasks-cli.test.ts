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

/** The real `kemai tasks create|list|done|cancel` in a child process on an embedded database. */
describe('kemai tasks', () => {
  let dir: string;
  let guideId: string;
  const customerId = newId();
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-tasks-cli-'));
    const database = await openDatabase({ dataDir: path.join(dir, 'data') });
    const k = await createKemai({ config: loadConfig(env()), database, log: createLogger('silent') });
    try {
      guideId = (await k.access.createStaff({ username: 'guide.wu', displayName: 'Wu', role: 'guide', storeCode: 'S1' })).staff.id;
      await query(k.database.db, sql`insert into customers.customers (id) values (${customerId}::uuid)`);
      await k.staff.assign(customerId, { staffId: guideId }, 'test');
    } finally {
      await k.close();
    }
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a task for the customer’s guide, lists it, completes it and then refuses to cancel it; a bad kind exits 2', async () => {
    const bad = await runKemai(['tasks', 'create', '--customer', customerId, '--kind', 'visit', '--title', 'x', '--due', '2099-01-01T10:00:00+08:00'], env(), dir);
    expect([bad.code, bad.err.trim()]).toEqual([2, 'kemai: --kind: Invalid option: expected one of "callback"|"follow_up"|"birthday_call"|"other"']);

    const made = await runKemai(['tasks', 'create', '--customer', customerId, '--kind', 'callback', '--title', '回访', '--due', '2099-01-01T10:00:00+08:00', '--json'], env(), dir);
    expect(made.code, made.err).toBe(0);
    const task = JSON.parse(made.out);
    expect(task).toMatchObject({ customerId, kind: 'callback', assigneeStaffId: guideId, assignee: 'guide.wu', storeCode: 'S1', status: 'open', dueAt: '2099-01-01T02:00:00.000Z' });
    expect(task.createdBy).toMatch(/^cli:/);

    const list = await runKemai(['tasks', 'list', '--kind', 'callback'], env(), dir);
    expect(list.code, list.err).toBe(0);
    expect(list.out.trim().split('\n')).toEqual([`${task.id}  open      callback      due 2099-01-01 02:00  S1       guide.wu     回访`, '1 task']);

    const done = await runKemai(['tasks', 'done', task.id, '--outcome', 'no_answer', '--note', '没接'], env(), dir);
    expect([done.code, done.out.trim()]).toEqual([0, `task ${task.id} done: no_answer (没接)`]);
    const again = await runKemai(['tasks', 'cancel', task.id, '--reason', '重复'], env(), dir);
    expect([again.code, again.err.trim()]).toEqual([1, 'kemai: the task is done; only an open task can be cancelled']);
  }, 180_000);
});
