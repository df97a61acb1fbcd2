import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../../app/kemai.js';
import { buildServer } from '../../../app/server.js';
import { loadConfig } from '../../../platform/config.js';
import { openDatabase } from '../../../platform/db/database.js';
import { createLogger } from '../../../platform/logger.js';
import { seedCyclesBrand } from '../../../../tests/support/cycles-brand.js';
import { runKemai } from '../../../../tests/support/kemai-process.js';

/** The real `kemai cycles run|changes` in child processes on an embedded database holding tests/support/cycles-brand.ts. */
describe('kemai cycles run|changes', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', PORT: '0' });
  const run = (args: string[]) => runKemai(['cycles', ...args], env(), dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-cycles-cli-'));
    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    const app = await buildServer(kemai);
    const headers = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
    await seedCyclesBrand((o) => app.inject({ ...o, headers }));
    await app.close();
    await kemai.close();
  }, 120_000);
  afterAll(() => {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('computes the cycles, prints the categories, and lists the changes by id and member number only', async () => {
    const text = await run(['run', '--as-of', '2024-06-30']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('Repurchase cycles as of 2024-06-30 (leaf categories): 6 customer × category with 2+ purchase days, 5 with a cycle (3+); 4 new rhythm changes');
    expect(text.out).toMatch(/母婴\/湿巾\s+2 {2}25 d {4}22\.5 d {2}27\.5 d\s+2/);

    const again = await run(['run', '--as-of', '2024-06-30', '--json']);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out).run).toMatchObject({ asOf: '2024-06-30', level: 'leaf', changesRaised: 0 });

    const list = await run(['changes', '--kind', 'stage_change,slowing', '--json']);
    expect(list.code, list.err).toBe(0);
    const body = JSON.parse(list.out);
    expect(body.total).toBe(2);
    expect(body.items.map((i: { kind: string; memberNo: string }) => `${i.kind} ${i.memberNo}`).sort()).toEqual(['slowing CY-B', 'stage_change CY-D']);
    for (const item of body.items) expect(item).not.toHaveProperty('customer');
    expect(list.out).not.toContain('1390000000');

    const plain = await run(['changes', '--kind', 'stage_change']);
    expect(plain.out).toContain('1 rhythm changes (stage_change); the latest 1:');
    expect(plain.out).toMatch(/CY-D\s+stage_change\s+母婴\/纸尿裤\/S → 母婴\/纸尿裤\/M\s+—\s+14 d\s+6 d$/m);
    expect(plain.out).not.toContain('1390000000');
  }, 120_000);

  it('goes through the running server while it holds the embedded database', async () => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env() };
    delete e.DATABASE_URL;
    delete e.KEMAI_DEMO;
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'serve', '--no-demo'], { env: e, cwd: dir });
    server = child;
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        printed += d;
        if (printed.includes('Kemai is running')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening`)));
    });
    const later = await run(['run', '--as-of', '2024-07-20', '--json']);
    expect(later.code, later.err).toBe(0);
    expect(JSON.parse(later.out).run).toMatchObject({ asOf: '2024-07-20', changesRaised: 2, createdBy: expect.stringMatching(/^apikey:/) });
    const list = await run(['changes', '--kind', 'stopped', '--json']);
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out).items.map((i: { memberNo: string }) => i.memberNo).sort()).toEqual(['CY-A', 'CY-B']);
  }, 120_000);

  it('refuses bad options naming them, with exit code 2', async () => {
    for (const [args, message] of [
      [['run', '--as-of', '2024-02-30'], '--as-of: not a date (YYYY-MM-DD): 2024-02-30'],
      [['run', '--level', 'middle'], '--level: leaf or top'],
      [['changes', '--kind', 'faster'], '--kind: faster is not one of slowing, stopped, speeding, stage_change'],
      [['changes', '--limit', '0'], '--limit: a whole number from 1 to 500'],
    ] as const) {
      const res = await run([...args]);
      expect(res.code, res.out).toBe(2);
      expect(res.err).toContain(message);
    }
  }, 180_000);
});
