import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/db/database.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

/** The real `kemai customers export` in child processes on an embedded database. */
describe('kemai customers export', () => {
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
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-customers-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the export document to --out and audits it; an unknown id fails naming it', async () => {
    const csv = path.join(dir, 'customers.csv');
    fs.writeFileSync(csv, 'phone,name,city\n13800138000,王芳,上海\n');
    const imported = await run(['import', 'customers', csv]);
    expect(imported.code, imported.err).toBe(0);
    const [{ id }] = (await inspect<{ id: string }>('select id from customers.customers')) as [{ id: string }];

    const out = path.join(dir, 'export.json');
    const res = await run(['customers', 'export', id, '--out', out]);
    expect(res.code, res.err).toBe(0);
    expect(res.out.trim()).toBe(`customer ${id}: 10 sections, 2 records written to ${out}`);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect([doc.format, doc.customerId, Object.keys(doc.sections).length]).toEqual(['kemai-dsr-export/1', id, 10]);
    expect(doc.sections.customers.profile).toMatchObject({ id, name: '王芳', city: '上海' });
    expect(doc.sections.customers.identifiers.map((i: { type: string; value: string }) => [i.type, i.value])).toEqual([['phone', '+8613800138000']]);

    const stdout = await run(['customers', 'export', id]);
    expect(stdout.code, stdout.err).toBe(0);
    expect(JSON.parse(stdout.out).sections.customers.profile.id).toBe(id);

    const unknown = await run(['customers', 'export', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('No customer with id 00000000-0000-4000-8000-000000000000');

    const audit = await inspect<{ actor: string; target_id: string; details: { sections: Record<string, Record<string, number>> } }>(
      "select actor, target_id, details from platform.audit_log where action = 'privacy.export' order by seq",
    );
    expect(audit.map((a) => [a.actor.startsWith('cli:'), a.target_id])).toEqual([
      [true, id],
      [true, id],
    ]);
    expect(audit[0]!.details.sections.customers).toEqual({ profile: 1, identifiers: 1, consents: 0, merges: 0, timeline: 0 });
  });
});
