import type { Logger } from 'pino';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { TicketResolvedPayload } from '../service/service.contract.js';
import type { SurveysService } from './surveys.service.js';

export const SURVEYS_SEND_JOB = 'surveys.send-due';
export const SURVEYS_PERIODIC_JOB = 'surveys.periodic';

/** Subscriber name (recorded per delivered event; never rename). */
export const SURVEYS_INVITE_SUBSCRIBER = 'surveys.invite';

/** The bus handlers: a resolved ticket and a live order (never imported history) invite to the active surveys of the trigger. */
export function inviteWhenTicketsResolved(surveys: SurveysService) {
  return (events: Array<DomainEvent<unknown>>, tx: Db) => surveys.invitations.ticketsResolved(events as Array<DomainEvent<TicketResolvedPayload>>, tx).then(() => undefined);
}

export function inviteWhenOrdersPlaced(surveys: SurveysService) {
  return (events: Array<DomainEvent<unknown>>, tx: Db) => surveys.invitations.ordersPlaced(events as never, tx).then(() => undefined);
}

/** Due invitations sent (and old ones expired) every 5 minutes; periodic surveys looked at hourly (once per period each). */
export async function scheduleSurveys(jobs: Jobs, surveys: SurveysService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    SURVEYS_SEND_JOB,
    async () => {
      const out = await surveys.invitations.sendDue(new Date());
      if (out.sent > 0 || out.expired > 0 || out.failed > 0) log.info(out, 'survey invitations sent');
      if (out.failed > 0) log.warn({ failed: out.failed }, 'survey invitations could not be planned (template or channel); they stay scheduled until they expire');
    },
    60,
  );
  await jobs.schedule(SURVEYS_SEND_JOB, '*/5 * * * *', opts.timeZone);
  await jobs.work(
    SURVEYS_PERIODIC_JOB,
    async () => {
      const out = await surveys.invitations.runPeriodic(new Date());
      if (out.surveys > 0) log.info(out, 'periodic surveys invited');
    },
    300,
  );
  await jobs.schedule(SURVEYS_PERIODIC_JOB, '7 * * * *', opts.timeZone);
}
