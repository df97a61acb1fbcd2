import type { Logger } from 'pino';

/**
 * pg-boss 10 records a job's outcome without awaiting it (manager.js, `work` → onFetch: `this.complete(…)` /
 * `this.fail(…)` with no await and no catch). When the database refuses that write — disk full (53100), connection
 * lost, restart — the rejection is unhandled, and Node ends the process: seen in the disk-full load run, where every
 * worker died at the first full-disk job (docs/operations/load-and-faults.md). Nothing is lost by carrying on: the job
 * stays `active`, its expiry passes, pg-boss's maintenance puts it back, and it runs again (handlers tolerate a second
 * run; see Jobs).
 *
 * True for exactly that rejection: an Error whose stack runs through pg-boss's Manager.complete or Manager.fail.
 */
export function isUnrecordedJobOutcome(reason: unknown): boolean {
  if (!(reason instanceof Error) || !reason.stack) return false;
  return /[\\/]pg-boss[\\/]src[\\/]/.test(reason.stack) && /\bManager\.(complete|fail) \(/.test(reason.stack);
}

let installed: ((reason: unknown) => void) | undefined;

/**
 * For the long-running processes (`kemai serve`, `kemai worker`): an unrecorded job outcome is logged and the process
 * carries on; any other unhandled rejection is logged and then ends the process as Node would (uncaught, exit code 1).
 * Idempotent; answers the listener (tests remove it).
 */
export function guardJobOutcomes(log: Logger): (reason: unknown) => void {
  if (installed) return installed;
  installed = (reason: unknown) => {
    if (isUnrecordedJobOutcome(reason)) {
      log.error({ err: reason }, 'a job’s outcome was not recorded (database error); the job runs again after its expiry');
      return;
    }
    log.fatal({ err: reason }, 'unhandled promise rejection');
    setImmediate(() => {
      throw reason;
    });
  };
  process.on('unhandledRejection', installed);
  return installed;
}
