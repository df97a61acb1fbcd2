import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runKemai } from '../support/kemai-process.js';
import { openTestDatabase } from '../support/test-db.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('kemai worker', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-worker-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses the embedded database, saying why and what to do, and opens nothing', async () => {
    const data = path.join(dir, 'data');
    const r = await runKemai(['worker'], { KEMAI_DATA_DIR: data, KEMAI_LOG_LEVEL: 'silent' }, dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('kemai worker needs PostgreSQL (DATABASE_URL)');
    expect(r.err).toContain('`kemai serve` runs the jobs itself');
    expect(fs.existsSync(data)).toBe(false);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('serves its metrics on KEMAI_METRICS_PORT and stops cleanly on SIGTERM', async () => {
    const database = await openTestDatabase({ poolSize: 1 });
    const url = (database as typeof database & { url: string }).url;
    const port = await freePort();
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'worker'], {
      env: { ...process.env, DATABASE_URL: url, KEMAI_METRICS_PORT: String(port), KEMAI_LOG_LEVEL: 'info', KEMAI_METRICS_TOKEN: 'worker-metrics-token-1' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let text = '';
      for (let i = 0; i < 120 && !text; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer worker-metrics-token-1' } }).catch(() => undefined);
        if (res?.ok) text = await res.text();
      }
      expect(text).toMatch(/^kemai_db_up 1$/m);
      expect(text).toMatch(/^kemai_outbox_pending 0$/m);
      expect(text).toMatch(/^kemai_job_queue_depth\{queue="service\.sla-scan",state="active"\} \d+$/m);
      const denied = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(denied.status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/"msg":"worker started"/);
      expect(out).toMatch(/"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.close();
    }
  }, 120_000);
});
