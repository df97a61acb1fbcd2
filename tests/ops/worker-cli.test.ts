import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKemai } from '../support/kemai-process.js';

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
});
