import type { Logger } from 'pino';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { SlaService } from './sla.service.js';

export const SLA_SCAN_JOB = 'service.sla-scan';

/** The SLA alerts every minute: warnings, breaches and escalations whose instant has come (SlaService.scan). */
export async function scheduleSlaScan(jobs: Jobs, sla: SlaService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    SLA_SCAN_JOB,
    async () => {
      const out = await sla.scan(new Date());
      if (out.warnings > 0 || out.breaches > 0) log.info(out, 'SLA alerts raised');
    },
    30,
  );
  await jobs.schedule(SLA_SCAN_JOB, '* * * * *', opts.timeZone);
}
