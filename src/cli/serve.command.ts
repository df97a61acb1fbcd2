import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/database.js';
import { readLock, releaseLock, writeLock } from '../platform/db/data-dir-lock.js';
import { createLogger } from '../platform/logger.js';
import { createKemai, type Kemai } from '../app/kemai.js';
import { buildServer } from '../app/server.js';
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

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        await app.close();
        await kemai.close();
        if (!config.databaseUrl) releaseLock(config.dataDir);
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
