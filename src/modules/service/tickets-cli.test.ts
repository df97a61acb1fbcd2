import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKemai } from '../../../tests/support/kemai-process.js';

/** The real `kemai tickets` in child processes on an embedded database: staff entry, the inbox, and bad input refused. */
describe('kemai tickets', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never', PORT: '0' });
  const run = (args: string[]) => runKemai(['tickets', ...args], env(), dir);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-tickets-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a ticket by staff entry and lists it; bad flags exit 2 naming the flag and create nothing', async () => {
    const made = await run(['create', '--kind', 'complaint', '--subject', '保温杯外壳凹陷', '--category', 'damaged_product', '--severity', 'medium', '--json']);
    expect(made.code, made.err).toBe(0);
    expect(JSON.parse(made.out).ticket).toMatchObject({ ticketNumber: 'T-1', kind: 'complaint', channel: 'staff', status: 'open', severity: 'medium', category: 'damaged_product' });

    for (const [args, message] of [
      [['list', '--kind', 'praise'], '--kind: one of complaint, inquiry, return_request, suggestion (got praise)'],
      [['list', '--limit', '0'], '--limit: a whole number from 1 to 200 (got 0)'],
      [['create', '--kind', 'praise', '--subject', 'x'], '--kind'],
    ] as const) {
      const bad = await run([...args]);
      expect([bad.code, bad.err.includes(message)], bad.err).toEqual([2, true]);
      expect(bad.out).toBe('');
    }
    const missing = await run(['show', 'T-99']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('T-99');

    const list = await run(['list', '--json']);
    expect(list.code, list.err).toBe(0);
    const page = JSON.parse(list.out);
    expect([page.total, page.items.map((t: { ticketNumber: string }) => t.ticketNumber)]).toEqual([1, ['T-1']]);
  });
});
