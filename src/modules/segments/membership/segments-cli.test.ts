import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../../app/kemai.js';
import { loadConfig } from '../../../platform/config.js';
import { openDatabase } from '../../../platform/db/database.js';
import { createLogger } from '../../../platform/logger.js';
import { CustomerUpsertInput } from '../../customers/index.js';
import { runKemai } from '../../../../tests/support/kemai-process.js';

/** The real `kemai segments list|show|count|create|refresh` in child processes on an embedded database. */
describe('kemai segments list|show|count|create|refresh', () => {
  let dir: string;
  const run = (args: string[]) => runKemai(['segments', ...args], { KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent' }, dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-segments-cli-'));
    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent') });
    await kemai.customers.upsertCustomers(
      ['13800138001', '13800138002'].map((phone, index) => ({ index, value: CustomerUpsertInput.parse({ phone, tags: index === 0 ? ['vip'] : [] }) })),
      { source: 'api', actor: 'test', prefix: () => '' },
    );
    await kemai.close();
    fs.writeFileSync(path.join(dir, 'vip.json'), JSON.stringify({ code: 'vip', name: 'VIP', rule: { all: [{ kind: 'tag', tags: ['vip'] }] } }));
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ code: 'bad', name: 'Bad', rule: { all: [{ kind: 'purchase', days: 0 }] } }));
    fs.writeFileSync(path.join(dir, 'phones.txt'), '13800138001\n13800138002\n');
    fs.writeFileSync(path.join(dir, 'bad-phones.txt'), '13800138001\n12\n');
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates, lists, shows, counts and refreshes; a bad rule or list exits non-zero naming the path or line', async () => {
    const created = await run(['create', '--file', 'vip.json', '--json']);
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ segment: { code: 'vip', kind: 'rule', size: 1 }, refresh: { size: 1, entered: 1, exited: 0 } });

    const list = await run(['create', '--file', 'phones.txt', '--list', 'phone', '--code', 'guests', '--name', 'Guests']);
    expect(list.code, list.err).toBe(0);
    expect(list.out.trim()).toBe('guests: static list of 2 customers from 2 lines (0 duplicates)');

    const listed = await run(['list', '--json']);
    expect(JSON.parse(listed.out).items.map((s: { code: string; kind: string; size: number }) => [s.code, s.kind, s.size])).toEqual([
      ['guests', 'static', 2],
      ['vip', 'rule', 1],
    ]);
    const shown = await run(['show', 'vip', '--json']);
    expect(JSON.parse(shown.out)).toMatchObject({ code: 'vip', definition: { version: 1, rule: { all: [{ kind: 'tag', tags: ['vip'], match: 'any' }] } } });
    const count = await run(['count', 'vip']);
    expect(count.out.trim()).toBe('vip: 1 customers now (stored members: 1)');
    const refreshed = await run(['refresh', '--json']);
    expect(JSON.parse(refreshed.out).items).toEqual([expect.objectContaining({ code: 'vip', size: 1, entered: 0, exited: 0 })]);

    const bad = await run(['create', '--file', 'bad.json']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('rule.all[0].days must be ≥ 1');
    const badList = await run(['create', '--file', 'bad-phones.txt', '--list', 'phone', '--code', 'x', '--name', 'X']);
    expect(badList.code).toBe(1);
    expect(badList.err).toContain('line 2: not a phone number');
    const missing = await run(['show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe('kemai: No segment nope');
  }, 120_000);
});
