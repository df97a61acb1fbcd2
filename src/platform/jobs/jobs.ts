import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';

export type JobHandler<T> = (data: T) => Promise<void>;

/**
 * How long a job may stay active before pg-boss's maintenance (any process, every `maintenanceSeconds`) takes it for
 * lost, and how often it then runs again. A job whose process died (kill -9, a lost host) stays `active` until its
 * expiry passes; the maintenance then puts it back as `retry` and any process's worker runs it after `retryDelay`.
 * The expiry must stay above the longest honest run: a handler still running at expiry is failed by its own worker
 * (pg-boss races it against the expiry) and retried elsewhere while it goes on, so two would run at once.
 */
export interface QueueSettings {
  expireInSeconds: number;
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
}

/** Every-minute and five-minute scans: short runs, and the next slot's run covers a lost one anyway. */
const SCAN: QueueSettings = { expireInSeconds: 5 * 60, retryLimit: 1, retryDelay: 5, retryBackoff: false };
/** Nightly work and jobs queued by the API: an hour is far above their runs; three retries at about 30 s, 1 min, 2 min. */
const STANDARD: QueueSettings = { expireInSeconds: 60 * 60, retryLimit: 3, retryDelay: 30, retryBackoff: true };
/** Model refits and passes over every customer or the whole outbox: hours on a large brand. */
const LONG: QueueSettings = { expireInSeconds: 4 * 60 * 60, retryLimit: 2, retryDelay: 60, retryBackoff: true };

const SETTINGS: Record<string, QueueSettings> = {
  'service.sla-scan': SCAN,
  'journeys.run-due': SCAN,
  'journeys.scan-triggers': SCAN,
  'listening.scan': SCAN,
  'listening.feeds': SCAN,
  'promotions.checkout-expire': SCAN,
  'surveys.send-due': SCAN,
  'insights.clv-refit-nightly': LONG,
  'insights.churn-refit-nightly': LONG,
  'insights.cycles-nightly': LONG,
  'segments.rfm-nightly': LONG,
  'segments.refresh-nightly': LONG,
  'activity.retention-nightly': LONG,
  'platform.outbox-prune': LONG,
};

/** The settings of a queue, with the test/ops cap (KEMAI_JOB_EXPIRE_SECONDS) on its expiry and retry delay. */
export function queueSettings(name: string, capSeconds?: number): QueueSettings {
  const s = SETTINGS[name] ?? STANDARD;
  if (!capSeconds) return s;
  return { ...s, expireInSeconds: Math.min(s.expireInSeconds, capSeconds), retryDelay: Math.min(s.retryDelay, capSeconds), retryBackoff: false };
}

/**
 * The window a scheduled job is unique in (pg-boss singletonSeconds), from the cron's minute field. pg-boss checks the
 * schedules every 30 s in whichever process wins the check, and sends a slot's job when its time is less than 60 s
 * past, deduplicated by the minute it is sent in: a check in the last moments of the slot's minute that reaches the
 * database in the next one sends the slot a second time (and a send job retried after its process died sends again).
 * A nightly run must not happen twice, so a job at minute m (m mod 5 <= 2) is unique in its 5-minute window, which
 * holds every late send; time zones are offset by multiples of 15 minutes, so the window lines up in UTC too.
 * Every-minute crons keep the minute: one run per minute whatever slot it was sent for.
 */
export function scheduleWindowSeconds(cron: string): number {
  const minute = cron.trim().split(/\s+/)[0] ?? '*';
  const every = /^\*\/(\d+)$/.exec(minute);
  if (every) {
    const n = Number(every[1]);
    return n > 0 && 60 % n === 0 && n % 5 === 0 ? 300 : 60;
  }
  if (/^\d+$/.test(minute)) return Number(minute) % 5 <= 2 ? 300 : 60;
  return 60;
}

/** pg-boss's internal queue of due cron slots (timekeeper.js). */
const SEND_IT_QUEUE = '__pgboss__send-it';

export interface JobsOptions {
  /** Caps every queue's expiry and retry delay (KEMAI_JOB_EXPIRE_SECONDS; tests of a killed worker). */
  expireCapSeconds?: number;
  /** pg-boss maintenance (expiry of lost jobs, archiving), in whichever process's turn it is (KEMAI_JOB_MAINTENANCE_SECONDS). */
  maintenanceSeconds?: number;
}

/**
 * Durable jobs and cron schedules in Postgres (pg-boss). On PostgreSQL pg-boss keeps its own pool;
 * on PGlite it runs through the one embedded connection (parameterless text goes through `exec`,
 * which accepts several statements, and everything else through `query`).
 *
 * Any number of processes may run the same queues on one database: a job is fetched by one of them (SKIP LOCKED),
 * a cron slot is sent once (see scheduleWindowSeconds), and a job whose process died is retried by another after its
 * expiry (see QueueSettings). Handlers must therefore tolerate a second run of a job whose first run was cut short.
 */
export class Jobs {
  private readonly boss: PgBoss;
  private started = false;
  private readonly queues = new Set<string>();

  constructor(
    database: Database,
    private readonly log: Logger,
    connectionString?: string,
    private readonly options: JobsOptions = {},
  ) {
    const common = {
      schema: 'pgboss',
      supervise: true,
      schedule: true,
      migrate: true,
      maintenanceIntervalSeconds: options.maintenanceSeconds ?? 60,
    } as const;
    if (database.kind === 'postgres' && connectionString) {
      this.boss = new PgBoss({ ...common, connectionString, max: 4 });
    } else {
      const pglite = database.pglite!;
      this.boss = new PgBoss({
        ...common,
        db: {
          executeSql: async (text: string, values: unknown[]) => {
            try {
              if (!values || values.length === 0) {
                const results = await pglite.exec(text);
                return { rows: results.at(-1)?.rows ?? [] };
              }
              const result = await pglite.query(text, values);
              return { rows: result.rows };
            } catch (err) {
              // PGlite's errors carry its parser's stack; name pg-boss's caller instead (as node-postgres does), which
              // also lets the process guard recognise an unrecorded job outcome (bookkeeping-guard.ts).
              if (err instanceof Error) Error.captureStackTrace(err);
              throw err;
            }
          },
        },
      });
    }
    this.boss.on('error', (err) => this.log.error({ err }, 'job queue error'));
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    // pg-boss's own queue that turns a due cron slot into its job: its job is one insert, so a process that died
    // between that insert and marking it done is retried within the scheduled job's window (and deduplicated by it),
    // not after pg-boss's default 15 minutes.
    await this.boss.updateQueue(SEND_IT_QUEUE, { name: SEND_IT_QUEUE, policy: 'standard', expireInSeconds: 30, retryLimit: 2, retryDelay: 0, retryBackoff: false });
    this.started = true;
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.queues.has(name)) return;
    const settings = { name, policy: 'standard' as const, ...queueSettings(name, this.options.expireCapSeconds) };
    await this.boss.createQueue(name, settings);
    // A queue made by an earlier version keeps its settings on create: bring it to these.
    await this.boss.updateQueue(name, settings);
    this.queues.add(name);
  }

  async send<T extends object>(name: string, data: T, options: PgBoss.SendOptions = {}): Promise<string | null> {
    await this.ensureQueue(name);
    return this.boss.send(name, data, options);
  }

  async work<T extends object>(name: string, handler: JobHandler<T>, pollingIntervalSeconds = 2): Promise<void> {
    await this.ensureQueue(name);
    await this.boss.work<T>(name, { pollingIntervalSeconds }, async (jobs) => {
      for (const job of jobs) await handler(job.data);
    });
  }

  /** A cron schedule in the business time zone; runs once per slot across all processes (see scheduleWindowSeconds). */
  async schedule(name: string, cron: string, timeZone: string): Promise<void> {
    await this.ensureQueue(name);
    await this.boss.schedule(name, cron, {}, { tz: timeZone, singletonKey: name, singletonSeconds: scheduleWindowSeconds(cron) });
  }

  async getJob(name: string, id: string) {
    return this.boss.getJobById(name, id);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.boss.stop({ graceful: true, wait: true, timeout: 5000 });
    this.started = false;
  }
}
