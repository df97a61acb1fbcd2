import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../../app/kemai.js';
import { loadConfig } from '../../../platform/config.js';
import { openDatabase } from '../../../platform/db/database.js';
import { createLogger } from '../../../platform/logger.js';
import { DemoOptionsInput, DemoService } from '../../demo/index.js';
import { runKemai } from '../../../../tests/support/kemai-process.js';

/** The real `kemai churn train` in child processes on an embedded database holding the demo brand of the integration test. */
describe('kemai churn train', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
  const run = (args: string[]) => runKemai(['churn', ...args], env(), dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-churn-cli-'));
    const config = loadConfig(env());
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    await new DemoService({ ...kemai, strongIdentifiers: kemai.config.strongIdentifiers }).seed(DemoOptionsInput.parse({ customers: 400, seed: 'churn', until: '2025-11-30' }));
    await kemai.close();
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains, prints both models’ AUC and calibration and the coefficients; --json gives the run', async () => {
    const json = await run(['train', '--as-of', '2025-11-30', '--horizon-days', '90', '--json']);
    expect(json.code, json.err).toBe(0);
    const r = JSON.parse(json.out);
    expect(r).toMatchObject({ asOf: '2025-11-30', horizonDays: 90, customers: 386, createdBy: 'local-cli' });
    expect(Number(r.evaluation.model.auc.toFixed(4))).toBe(0.8339);
    expect(Number(r.evaluation.baseline.auc.toFixed(4))).toBe(0.3449);

    const text = await run(['train', '--as-of', '2025-11-30']);
    expect(text.code, text.err).toBe(0);
    const lines = text.out.split('\n');
    expect(lines[0]).toMatch(/^Churn model as of 2025-11-30 \(no order in 90 days\): 386 customers scored, \d+\.\d s$/);
    expect(lines[1]).toBe('  trained at 2025-06-03 on 286 customers (212 churned), tested at 2025-09-01 on 333 (253 churned)');
    expect(lines[2]).toBe('  logistic regression: AUC 0.8339, Brier 0.1295');
    expect(lines[3]).toMatch(/^ {4}calibration \(predicted → observed, customers\): 0\.0–0\.1 0\.048 → 0\.000 \(7\); /);
    expect(lines[4]).toBe('  BG/NBD 1 − P(alive): AUC 0.3449, Brier 0.6648');
    expect(text.out).toContain('  coefficients (log-odds per standard deviation, trained at 2025-09-01): intercept 1.6019');
    expect(text.out).toContain('    recency_days     0.4644');
    expect(lines.filter((l) => /^ {4}[a-z_0-9]+ +-?\d/.test(l))).toHaveLength(12);
  }, 120_000);

  it('refuses bad options naming them, with exit code 2, and too little history with the service’s message', async () => {
    for (const [args, message] of [
      [['train', '--as-of', '2025-02-30'], '--as-of: not a date (YYYY-MM-DD): 2025-02-30'],
      [['train', '--horizon-days', '3'], '--horizon-days: a whole number from 7 to 365'],
    ] as const) {
      const res = await run([...args]);
      expect(res.code, res.out).toBe(2);
      expect(res.err).toContain(message);
    }
    const early = await run(['train', '--as-of', '2024-04-30']);
    expect(early.code).not.toBe(0);
    expect(early.err).toContain('a churn model needs at least 20 customers');
  }, 180_000);
});
