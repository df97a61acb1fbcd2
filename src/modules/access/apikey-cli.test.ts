import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kemaiDev } from '../../../tests/support/kemai-process.js';

/** The real `kemai apikey create|rotate|list` from source, on an embedded database of its own. */
describe('kemai apikey rotate', () => {
  let dir: string;
  const run = (args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off' };
    delete env.DATABASE_URL;
    return kemaiDev(['apikey', ...args], { env, cwd: process.cwd() });
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-apikey-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the new key once and when the old one stops; refuses a bad grace and a revoked key', async () => {
    const created = await run(['create', '--name', 'pos', '--scopes', 'orders:write', '--json']);
    expect(created.status, created.stderr).toBe(0);
    const old = JSON.parse(created.stdout).apiKey as { id: string };
    const rotated = await run(['rotate', old.id, '--grace-hours', '2']);
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(new RegExp(`^API key pos rotated \\(new id [0-9a-f-]{36}\\):\\n\\n  km_[0-9a-f]{32}_[A-Za-z0-9_-]{43}\\n\\nStore it now: it is not shown again\\. The old key ${old.id} works until \\d{4}-\\d\\d-\\d\\dT`));
    const list = JSON.parse((await run(['list', '--json'])).stdout) as { id: string; rotatedFrom: string | null; expiresAt: string | null }[];
    expect(list).toHaveLength(2);
    expect(list[1]!.rotatedFrom).toBe(old.id);
    expect(Date.parse(list[0]!.expiresAt!) - Date.now()).toBeGreaterThan(2 * 3600_000 - 120_000);

    const bad = await run(['rotate', old.id, '--grace-hours', '200']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--grace-hours: a number of hours from 0 to 168');
    expect((await run(['revoke', list[1]!.id])).status).toBe(0);
    const revoked = await run(['rotate', list[1]!.id]);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stderr).toContain(`API key ${list[1]!.id} is revoked; a revoked key cannot be rotated — create a new one`);
  }, 180_000);
});
