import { describe, expect, it } from 'vitest';
import { kemaiDev } from '../../../../tests/support/kemai-process.js';

/** `kemai segments clusters`: bad flags stop it before any database is opened, naming the flag (exit code 2). */
const kemai = (...args: string[]) =>
  kemaiDev(args, {
    env: { ...process.env, KEMAI_LOG_LEVEL: 'silent', KEMAI_DATA_DIR: '/nonexistent/kemai-clusters-cli', DATABASE_URL: '' },
  });

describe('kemai segments clusters', () => {
  it.each([
    [['--k', '1'], '--k: Too small: expected number to be >=2'],
    [['--k', '3', '--k-min', '2'], '--k-min/--k-max: give k or kRange, not both'],
    [['--k-min', '6', '--k-max', '3'], '--k-max: must not be below kRange.min'],
    [['--as-of', '2026-02-30'], '--as-of: Invalid ISO date'],
  ])('refuses %j', async (args, message) => {
    const r = await kemai('segments', 'clusters', ...args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });
});
