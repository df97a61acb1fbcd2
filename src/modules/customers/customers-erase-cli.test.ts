import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/db/database.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

/** The real `kemai customers erase` in child processes on an embedded database. */
describe('kemai customers erase', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never', PORT: '0' });
  const run = (args: string[]) => runKemai(args, env(), dir);

  /** Rows of a query on the CLI's database, opened only while no kemai process holds it. */
  async function inspect<T>(text: string): Promise<T[]> {
    const database = await openDatabase({ dataDir: path.join(dir, 'data') });
    try {
      return (await database.pglite!.query<T>(text)).rows;
    } finally {
      await database.close();
    }
  }

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-customers-erase-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses without --yes (exit 2, nothing changes), erases with it, and answers an erased id with an error', async () => {
    const csv = path.join(dir, 'customers.csv');
    fs.writeFileSync(csv, 'phone,name,city\n13800138000,王芳,上海\n');
    const imported = await run(['import', 'customers', csv]);
    expect(imported.code, imported.err).toBe(0);
    const [{ id }] = (await inspect<{ id: string }>('select id from customers.customers')) as [{ id: string }];

    const unconfirmed = await run(['customers', 'erase', id, '--reason', 'DSR-7']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toContain(`Erasing customer ${id} cannot be undone: run again with --yes to confirm`);
    const noReason = await run(['customers', 'erase', id, '--reason', '  ', '--yes']);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain('--reason: 1 to 500 characters');
    expect(await inspect('select status, name from customers.customers')).toEqual([{ status: 'active', name: '王芳' }]);

    const res = await run(['customers', 'erase', id, '--reason', 'DSR-7', '--yes']);
    expect(res.code, res.err).toBe(0);
    const lines = res.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^customer ${id} erased at \\d{4}-\\d{2}-\\d{2}T`));
    expect(lines[1]).toBe('  customers: profiles 1, identifiers 1, merges 0, duplicates 0, timeline 0');
    expect(await inspect('select status, name, city from customers.customers')).toEqual([{ status: 'erased', name: null, city: null }]);
    expect(await inspect('select count(*)::int as n from customers.identifiers')).toEqual([{ n: 0 }]);
    const audit = await inspect<{ actor: string; target_id: string }>("select actor, target_id from platform.audit_log where action = 'customers.erase'");
    expect(audit.map((a) => [a.actor.startsWith('cli:'), a.target_id])).toEqual([[true, id]]);

    const again = await run(['customers', 'erase', id, '--reason', 'DSR-7', '--yes']);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`Customer ${id} has already been erased`);
  });
});
