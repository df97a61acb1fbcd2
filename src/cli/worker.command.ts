import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/database.js';
import { createLogger } from '../platform/logger.js';
import { guardJobOutcomes } from '../platform/jobs/bookkeeping-guard.js';
import { createKemai } from '../app/kemai.js';
import { startMetricsServer, type MetricsServer } from '../platform/metrics.js';
import { CliError } from './context.js';

/**
 * `kemai worker`: a process without the API that runs the durable jobs and schedules (pg-boss), the
 * message dispatcher, the journey runner and the outbox's event delivery. Any number of workers and
 * API servers share one PostgreSQL: pg-boss hands each job to one process, the outbox is claimed with
 * SKIP LOCKED, and a cron schedule fires once across all of them.
 */
export function registerWorkerCommand(program: Command) {
  program
    .command('worker')
    .description('Run jobs, schedules and event delivery without the API (PostgreSQL only; servers can then run with KEMAI_JOBS=off)')
    .action(async () => {
      const config = loadConfig(process.env);
      if (!config.databaseUrl)
        throw new CliError('kemai worker needs PostgreSQL (DATABASE_URL): the embedded database is opened by one process only, and `kemai serve` runs the jobs itself.');
      const log = createLogger(config.logLevel).child({ role: 'worker' });
      guardJobOutcomes(log);
      const database = await openDatabase({ databaseUrl: config.databaseUrl });
      const kemai = await createKemai({ config, database, log, jobs: true });
      kemai.events.start();
      // A worker has no API: its Prometheus metrics (job queue depth, outbox, process) on a port of their own.
      let metrics: MetricsServer | undefined;
      if (config.metricsPort !== undefined)
        metrics = await startMetricsServer(config.metricsPort, config.host, { token: config.metricsToken, db: database.db, log });
      log.info({ pid: process.pid, metrics: metrics?.url }, 'worker started');
      process.stdout.write(`Kemai worker ${process.pid} is running jobs and event delivery on PostgreSQL (DATABASE_URL).\n`);

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        const started = Date.now();
        log.info({ signal }, 'shutting down');
        const limit = setTimeout(() => {
          log.error({ signal }, 'shutdown took too long; exiting');
          process.exit(1);
        }, config.shutdownTimeoutSeconds * 1000);
        limit.unref();
        await metrics?.close();
        await kemai.close();
        log.info({ durationMs: Date.now() - started }, 'stopped');
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
