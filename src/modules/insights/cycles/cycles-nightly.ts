import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { CyclesService } from './cycles.service.js';

export const CYCLES_NIGHTLY_JOB = 'insights.cycles-nightly';
/** 01:30 in the business zone, after the CLV refit (01:00). */
export const CYCLES_NIGHTLY_CRON = '30 1 * * *';

/**
 * Recomputes the cycles with the latest run's level and thresholds, as of the day of the latest order, and raises the
 * changes that night's days made (a customer passing 3 × their cycle is 'stopped' without buying anything). Nothing
 * happens before a first run: the level and thresholds are the brand's choice.
 */
export async function runCyclesNightly(cycles: CyclesService, log: Logger): Promise<boolean> {
  const last = await cycles.latestRun();
  if (!last) return false;
  const run = await cycles.run({ level: last.level, ...last.params }, 'system:cycles-nightly');
  log.info({ runId: run.id, asOf: run.asOf, cycles: run.cycles, changesRaised: run.changesRaised, seconds: run.seconds }, 'repurchase cycles recomputed');
  return true;
}

export async function scheduleCyclesNightly(jobs: Jobs, cycles: CyclesService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(CYCLES_NIGHTLY_JOB, async () => void (await runCyclesNightly(cycles, log)), 60);
  await jobs.schedule(CYCLES_NIGHTLY_JOB, CYCLES_NIGHTLY_CRON, opts.timeZone);
}
