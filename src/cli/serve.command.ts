import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/database.js';
import { readLock, releaseLock, writeLock } from '../platform/db/data-dir-lock.js';
import { createLogger } from '../platform/logger.js';
import { guardJobOutcomes } from '../platform/jobs/bookkeeping-guard.js';
import { createKemai, type Kemai } from '../app/kemai.js';
import { buildServer, markStopping } from '../app/server.js';
import { CliError } from './context.js';

/** Hooks later steps (demo seeding, console) attach to `serve` without this file knowing them. */
export const serveHooks: Array<(kemai: Kemai) => Promise<void>> = [];

export function registerServeCommand(program: Command) {
  program
    .command('serve')
    .description('Serve the API and console (embedded database unless DATABASE_URL is set)')
    .option('--port <port>', 'port (default PORT or 3000)')
    .option('--no-demo', 'do not seed demo data into an empty database')
    .action(async (o: { port?: string; demo: boolean }) => {
      const config = loadConfig({ ...process.env, ...(o.port ? { PORT: o.port } : {}), ...(o.demo ? {} : { KEMAI_DEMO: 'never' }) });
      if (!config.databaseUrl) {
        const holder = readLock(config.dataDir);
        if (holder)
          throw new CliError(
            `The embedded database at ${config.dataDir} is open in another process (pid ${holder.pid}, ${holder.role}${holder.url ? ` at ${holder.url}` : ''}). Stop it first, or set KEMAI_DATA_DIR to another directory.`,
          );
        writeLock(config.dataDir, { role: 'server' });
      }
      const log = createLogger(config.logLevel);
      guardJobOutcomes(log);
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const kemai = await createKemai({ config, database, log, jobs: config.jobs });
      const admin = await kemai.access.ensureInitialAdmin();
      for (const hook of serveHooks) await hook(kemai);
      const app = await buildServer(kemai);
      const address = await app.listen({ port: config.port, host: config.host });
      const url = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
      if (!config.databaseUrl) writeLock(config.dataDir, { role: 'server', url, token: await kemai.access.createLocalKey() });
      kemai.events.start();

      const db = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite at ${config.dataDir}`;
      process.stdout.write(`\nKemai is running at ${url}\n  console:  ${url}/\n  API docs: ${url}/docs\n  database: ${db}\n`);
      if (admin)
        process.stdout.write(
          `\nFirst start: sign in as "${admin.username}" with the one-time password\n\n    ${admin.password}\n\nIt is shown once; \`kemai staff reset-password admin\` sets a new one.\n\n`,
        );
      else process.stdout.write(`\nSign in with your staff account (\`kemai staff reset-password <username>\` if forgotten).\n\n`);

      /**
       * Graceful shutdown: unready at once (/readyz 503 `stopping`), no new connections, the requests in flight
       * finish (a new request on a kept-alive connection gets 503 and the connection closes; idle ones close now),
       * then the journey runner, message dispatcher, the outbox's batch in hand (events.stop) and the jobs stop and
       * the database closes. Past KEMAI_SHUTDOWN_TIMEOUT_SECONDS it gives up and exits 1; a second signal exits 1 at once.
       */
      let stopping: number | undefined;
      const stop = async (signal: string) => {
        if (stopping !== undefined) {
          log.warn({ signal, durationMs: Date.now() - stopping }, 'second signal during shutdown: exiting now');
          process.exit(1);
        }
        const started = (stopping = Date.now());
        const timeoutSeconds = config.shutdownTimeoutSeconds;
        log.info({ signal, timeoutSeconds }, 'shutting down');
        markStopping(app);
        setTimeout(() => {
          log.error({ signal, durationMs: Date.now() - started, timeoutSeconds }, 'shutdown timed out: exiting');
          if (!config.databaseUrl) releaseLock(config.dataDir);
          process.exit(1);
        }, timeoutSeconds * 1000);
        try {
          await app.close();
          await kemai.close();
        } catch (err) {
          log.error({ err, durationMs: Date.now() - started }, 'shutdown failed');
          if (!config.databaseUrl) releaseLock(config.dataDir);
          process.exit(1);
        }
        if (!config.databaseUrl) releaseLock(config.dataDir);
        log.info({ signal, durationMs: Date.now() - started }, 'stopped');
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
