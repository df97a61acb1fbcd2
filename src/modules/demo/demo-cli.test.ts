import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/db/database.js';

/**
 * The real `kemai demo` and `kemai serve` in child processes, each case on its own empty database:
 * a file-based embedded one, or a fresh PostgreSQL database with TEST_DATABASE_URL.
 */
const BIN = path.resolve('bin/kemai.js');
const SLOW = 300_000;

let tmp: string;
const databases: string[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-demo-cli-'));
});

afterAll(async () => {
  if (databases.length) {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    for (const name of databases) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Environment for a process on a new, empty database. */
async function emptyDatabase(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off', PORT: '0', ...extra };
  delete env.DATABASE_URL;
  delete env.KEMAI_DEMO;
  const base = process.env.TEST_DATABASE_URL;
  if (base) {
    const name = `kemai_demo_${crypto.randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    databases.push(name);
    const u = new URL(base);
    u.pathname = `/${name}`;
    env.DATABASE_URL = u.toString();
  } else env.KEMAI_DATA_DIR = fs.mkdtempSync(path.join(tmp, 'data-'));
  return { ...env, ...extra };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd: tmp });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Start `kemai serve`, wait until it listens, stop it; returns what it printed. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, cwd: tmp });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Kemai is running')) child.kill('SIGTERM');
    });
    child.on('exit', (code, signal) =>
      stdout.includes('Kemai is running') ? resolve({ stdout, stderr }) : reject(new Error(`serve exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
}

async function productCount(env: NodeJS.ProcessEnv): Promise<number> {
  const database = await openDatabase(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL, poolSize: 1 } : { dataDir: env.KEMAI_DATA_DIR });
  try {
    const text = 'select count(*)::int as n from catalog.products';
    const rows = env.DATABASE_URL ? (await database.pool!.query(text)).rows : (await database.pglite!.query<{ n: number }>(text)).rows;
    return Number((rows[0] as { n: number }).n);
  } finally {
    await database.close();
  }
}

describe('kemai demo', () => {
  it('refuses bad options, naming the flag', async () => {
    const env = await emptyDatabase();
    const bad = await run(['demo', '--customers', '0'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('kemai: --customers: Too small: expected number to be >=1');
    const early = await run(['demo', '--until', '2019-06-30'], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('kemai: --until: must leave two years inside 2020-01-01');
    const typo = await run(['demo', '--until', '2025-02-30'], env);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('kemai: --until: Invalid ISO date');
  });

  it(
    'seeds the demo brand and prints the summary as JSON',
    async () => {
      const env = await emptyDatabase();
      const res = await run(['demo', '--customers', '60', '--seed', '7', '--until', '2025-11-30', '--json'], env);
      expect(res.code).toBe(0);
      const { journeys, service, listening, ...summary } = JSON.parse(res.stdout) as {
        journeys: { results: Array<{ code: string; entered: number; converted: number }> };
        service: { tickets: number; seconds: number };
        listening: { mentions: number; seconds: number };
      };
      // The listening history (listening-demo.ts): 60 days of mentions, the spike rules' alerts and the product crisis.
      expect({ ...listening, seconds: 0 }).toEqual({ created: true, mentions: 26018, negativeShare: 0.226, alerts: 19, crises: 1, affected: 1, compensated: 1, seconds: 0 });
      // The service desk's history (service-demo.ts; its own test checks it in detail).
      expect({ ...service, seconds: 0 }).toEqual({
        created: true,
        staff: 5,
        tickets: 12,
        statuses: { new: 2, open: 1, pending: 0, resolved: 9, closed: 0 },
        breached: 1,
        escalated: 1,
        compensationsExecuted: 3,
        invitations: 17,
        responses: 9,
        seconds: 0,
      });
      // The ready-made journeys: who is held out depends on each journey's (random) id, the rest on the data.
      expect({ ...journeys, drainSeconds: 0, runSeconds: 0, results: journeys.results.map((r) => [r.code, r.entered, r.converted]) }).toEqual({
        installed: 9,
        published: 5,
        days: 30,
        results: [
          ['welcome', 5, 1],
          ['second_purchase', 5, 1],
          ['win_back', 2, 0],
          ['birthday', 3, 0],
          ['tier_upgrade', 0, 0],
        ],
        drainSeconds: 0,
        runSeconds: 0,
      });
      expect({ ...summary, seconds: 0 }).toEqual({
        seed: '7',
        window: { from: '2023-12-02', to: '2025-11-30' },
        stores: 10,
        products: 500,
        people: 60,
        members: 36,
        customers: 61,
        expectedCustomers: 61,
        orders: 221,
        guestOrders: 7,
        lines: 418,
        returns: 15,
        events: 372,
        anonymousEvents: 68,
        duplicateCandidates: 0,
        promotions: 11,
        seconds: 0,
      });
    },
    SLOW,
  );
});

describe('kemai serve', () => {
  it(
    'seeds an empty database once, and not at all with --no-demo',
    async () => {
      const env = await emptyDatabase({ KEMAI_DEMO_CUSTOMERS: '40' });
      const firstStart = await serve([], env);
      expect(firstStart.stderr).toContain('The database is empty: seeding the demo brand (40 customers; KEMAI_DEMO=never or --no-demo to skip).');
      expect(firstStart.stderr).toMatch(/Demo brand seeded \(seed "kemai", \d{4}-\d{2}-\d{2} … \d{4}-\d{2}-\d{2}\)/);
      expect(firstStart.stderr).toContain('demo: 100% (40/40 customers');
      expect(await productCount(env)).toBe(500);
      const secondStart = await serve([], env);
      expect(secondStart.stderr).not.toContain('seeding');

      const skipped = await emptyDatabase({ KEMAI_DEMO_CUSTOMERS: '40' });
      const noDemo = await serve(['--no-demo'], skipped);
      expect(noDemo.stderr).not.toContain('seeding');
      expect(await productCount(skipped)).toBe(0);
    },
    SLOW,
  );
});
