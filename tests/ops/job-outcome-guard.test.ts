import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUnrecordedJobOutcome } from '../../src/platform/jobs/bookkeeping-guard.js';

/**
 * pg-boss 10 does not await a job's completion; when the database refuses it (disk full in the load run) the
 * rejection is unhandled and Node ends the process. `kemai serve` and `kemai worker` guard against exactly that
 * (src/platform/jobs/bookkeeping-guard.ts): the job stays active and runs again after its expiry.
 */
const child = (guard: boolean) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const args = [path.resolve('bin/kemai-dev.js'), path.resolve('tests/ops/fixtures/job-outcome-child.ts'), ...(guard ? ['--guard'] : [])];
    execFile(process.execPath, args, { timeout: 60_000, env: { ...process.env, KEMAI_LOG_LEVEL: 'error' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('a job outcome the database refuses', () => {
  it('ends an unguarded process (the pg-boss behaviour the guard exists for)', async () => {
    const r = await child(false);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('ALIVE');
    expect(r.stderr).toContain('relation "pgboss.job" does not exist');
  }, 90_000);

  it('is logged by the guard, the process carries on, and the job stays active for its retry after expiry', async () => {
    const r = await child(true);
    expect(r.stdout.trim().split('\n').at(-1), r.stderr).toBe('ALIVE active');
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('a job’s outcome was not recorded (database error); the job runs again after its expiry');
  }, 90_000);

  it('recognises only rejections from pg-boss’s complete or fail', () => {
    const pgBoss = (fn: string) => {
      const e = new Error('could not extend file "base/1/2": No space left on device');
      e.stack = `error: could not extend file\n    at /app/node_modules/pg-pool/index.js:45:11\n    at async Db.executeSql (/app/node_modules/pg-boss/src/db.js:42:14)\n    at async Manager.${fn} (/app/node_modules/pg-boss/src/manager.js:493:20)`;
      return e;
    };
    expect(isUnrecordedJobOutcome(pgBoss('fail'))).toBe(true);
    expect(isUnrecordedJobOutcome(pgBoss('complete'))).toBe(true);
    expect(isUnrecordedJobOutcome(pgBoss('fetch'))).toBe(false);
    expect(isUnrecordedJobOutcome(new Error('anything else'))).toBe(false);
    expect(isUnrecordedJobOutcome('a string')).toBe(false);
  });
});
