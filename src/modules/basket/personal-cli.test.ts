import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `kemai basket recommend --customer` and `kemai basket evaluate --from FILE` on an order-line file: the shop of
 * personal.integration.test.ts (same counts, same figures), with a return row and a row without a customer left out.
 */
let tmp: string;
/** Asynchronous, so that a slow start on a busy machine does not block the test worker. */
const kemai = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kemai-dev.js', 'src/cli/main.ts', 'basket', ...args], { env: { ...process.env, KEMAI_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
const COLS = ['--customer-col', 'cust', '--basket-col', 'invoice', '--item-col', 'sku', '--date-col', 'at', '--quantity-col', 'qty'];
let file: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-basket-personal-'));
  file = path.join(tmp, 'lines.csv.gz');
  const rows = [
    'invoice,sku,at,qty,cust',
    'O1,A,2026-03-01 11:00:00,1,P1',
    'O1,B,2026-03-01 11:00:00,2,P1',
    'O2,B,2026-03-11 00:30:00,1,P1',
    'O3,A,2026-03-01,1,P2',
    'O3,B,2026-03-01,1,P2',
    'O4,B,2026-03-11,1,P2',
    'O5,A,2026-03-01,1,P3',
    'O5,B,2026-03-01,1,P3',
    'O5,C,2026-03-01,1,P3',
    'O6,B,2026-03-11,1,P3',
    'O7,A,2026-03-21,1,P4',
    'O8,D,2026-03-21,-1,P4',
    'O9,C,2026-03-21,1,',
  ];
  fs.writeFileSync(file, zlib.gzipSync(rows.join('\n') + '\n'));
  fs.writeFileSync(path.join(tmp, 'baddate.csv'), 'invoice,sku,at,qty,cust\nO1,A,2026-03-01,1,P1\nO2,B,1/3/2026,1,P1\n');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Each case starts a process (about 1 s idle, much longer on a machine shared by busy jobs).
describe('kemai basket recommend --customer / evaluate --from', { timeout: 240_000 }, () => {
  it('recommends for one customer with reasons, as of the day after the last basket', async () => {
    const r = await kemai('recommend', '--from', file, ...COLS, '--customer', 'P1', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      customer: 'P1',
      asOf: '2026-03-22',
      baskets: 7,
      items: 3,
      rules: 7,
      recommendations: [
        { item: 'B', kind: 'due_again', because: ['B'], score: 1 },
        { item: 'C', kind: 'rule', because: ['A', 'B'], score: 1 / 3 - 1 / 7 },
      ],
    });
    const text = await kemai('recommend', '--from', file, ...COLS, '--customer', 'P4', '--as-of', '2026-03-22');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      ['For customer P4 as of 2026-03-22, from 7 baskets (3 items, 7 rules):', 'B  because you bought A (similar)  score 0.6124', 'C  because you bought A (rule)  score 0.1071', ''].join('\n'),
    );
  });

  it('evaluates a time split on the file', async () => {
    const r = await kemai('evaluate', '--from', file, ...COLS, '--split-date', '2026-03-11', '--exclude-days', '5', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect({ ...JSON.parse(r.stdout), buildMs: 0 }).toEqual({
      splitDate: '2026-03-11',
      windowDays: 30,
      k: 10,
      excludeDays: 5,
      trainBaskets: 3,
      testBaskets: 2 + 2,
      items: 3,
      rules: 0,
      customers: 3,
      buildMs: 0,
      recommender: { hitRate: 1, map: 1 / 2, precision: 3 / 30, recall: 1 },
      popular: { hitRate: 1, map: 1 / 2, precision: 3 / 30, recall: 1 },
    });
    const text = await kemai('evaluate', '--from', file, ...COLS, '--split-date', '2026-03-11', '--k', '1');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('Split 2026-03-11, test window 30 days, K 1, bought within 365 days left out unless due: 3 customers evaluated');
    expect(text.stdout).toContain('recommender  hit rate@1   0.00%  MAP@1 0.0000');
  });

  it('bad input names the flag or the line and prints nothing', async () => {
    const cases: Array<[string[], number, string]> = [
      [['evaluate', '--from', file, '--customer-col', 'cust', '--basket-col', 'invoice', '--item-col', 'sku', '--split-date', '2026-03-11'], 2, '--date-col: needed with --from'],
      [['evaluate', '--from', file, ...COLS, '--split-date', '2026-02-30'], 2, '--split-date: not a date (YYYY-MM-DD): 2026-02-30'],
      [['evaluate', '--from', file, ...COLS, '--split-date', '2026-03-11', '--k', '0'], 2, '--k: a whole number from 1 to 100, got 0'],
      [['evaluate', '--from', path.join(tmp, 'baddate.csv'), ...COLS, '--split-date', '2026-03-11'], 1, 'line 3: at: not a date (YYYY-MM-DD…): 1/3/2026'],
      [['evaluate', '--from', file, ...COLS.slice(0, 6), '--date-col', 'when', '--split-date', '2026-03-11'], 1, 'line 1: no column when'],
      [['recommend', '--from', file, ...COLS, '--customer', 'P9'], 1, '--customer: P9 has no basket in'],
      [['recommend', '--from', file, ...COLS, '--customer', 'P1', '--item', 'A'], 2, '--customer goes without --item and --bundles'],
      [['recommend', '--from', file, ...COLS, '--customer', 'P1', '--as-of', 'today'], 2, '--as-of: not a date'],
    ];
    const runs = await Promise.all(cases.map(([args]) => kemai(...args)));
    for (const [k, [args, code, message]] of cases.entries()) {
      const r = runs[k]!;
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stdout).toBe('');
    }
  });
});
