import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';

export type JobHandler<T> = (data: T) => Promise<void>;

/**
 * Durable jobs and cron schedules in Postgres (pg-boss). On PostgreSQL pg-boss keeps its own pool;
 * on PGlite it runs through the one embedded connection (parameterless text goes through `exec`,
 * which accepts several statements, and everything else through `query`).
 */
export class Jobs {
  private readonly boss: PgBoss;
  private started = false;
  private readonly queues = new Set<string>();

  constructor(
    database: Database,
    private readonly log: Logger,
    connectionString?: string,
  ) {
    const common = { schema: 'pgboss', supervise: true, schedule: true, migrate: true } as const;
    if (database.kind === 'postgres' && connectionString) {
      this.boss = new PgBoss({ ...common, connectionString, max: 4 });
    } else {
      const pglite = database.pglite!;
      this.boss = new PgBoss({
        ...common,
        db: {
          executeSql: async (text: string, values: unknown[]) => {
            if (!values || values.length === 0) {
              const results = await pglite.exec(text);
              return { rows: results.at(-1)?.rows ?? [] };
            }
            const result = await pglite.query(text, values);
            return { rows: result.rows };
          },
        },
      });
    }
    this.boss.on('error', (err) => this.log.error({ err }, 'job queue error'));
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    this.started = true;
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.queues.has(name)) return;
    await this.boss.createQueue(name);
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

  /** A cron schedule in the business time zone; runs once across all processes. */
  async schedule(name: string, cron: string, timeZone: string): Promise<void> {
    await this.ensureQueue(name);
    await this.boss.schedule(name, cron, {}, { tz: timeZone });
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
