import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { appendAudit } from '../platform/audit.js';
import { loadConfig, type Config } from '../platform/config.js';
import {
  BackupError,
  backupPglite,
  backupPostgres,
  defaultBackupFile,
  describeDb,
  restorePglite,
  restorePostgres,
  writeSnapshot,
  type BackupManifest,
  type BackupResult,
  type RestoreResult,
  type RowCounts,
} from '../platform/db/backup.js';
import { migrateDatabase, openDatabase, type Database } from '../platform/db/database.js';
import { lockPath, readLock, releaseLock, writeLock } from '../platform/db/data-dir-lock.js';
import { CliError } from './context.js';

const actor = () => `cli:${os.userInfo().username || 'operator'}`;
const fmt = (n: number) => n.toLocaleString('en-US');
const rowsText = (r: RowCounts) => `${fmt(r.customers)} customers, ${fmt(r.orders)} orders, ${fmt(r.ledgerEntries)} ledger entries`;
const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

/** BackupError → CliError (main.ts prints those as `kemai: …` with their exit code). */
async function cli<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BackupError) throw new CliError(e.message, e.exitCode);
    throw e;
  }
}

async function auditWith(config: Config, action: 'ops.backup', m: BackupManifest, extra: Record<string, string | number | boolean> = {}): Promise<void> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    await appendAudit(database.db, {
      actor: actor(),
      action,
      targetType: 'database',
      targetId: m.database,
      details: { format: m.format, customers: m.rows.customers, orders: m.rows.orders, ledgerEntries: m.rows.ledgerEntries, ...extra },
    });
  } finally {
    await database.close();
  }
}

/** Backup of the embedded database through the server that holds it (POST /api/v1/ops/backup). */
async function backupThroughServer(url: string, token: string, out: string, started: number): Promise<BackupResult> {
  let res: Response;
  try {
    res = await fetch(new URL('/api/v1/ops/backup', url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch (e) {
    throw new CliError(`The Kemai server at ${url} holds the database but does not answer (${(e as Error).message}). Stop it or wait until it is up.`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text();
    let message = res.statusText;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new CliError(`the server refused the backup (${res.status}): ${message}`);
  }
  const header = res.headers.get('x-kemai-backup-manifest');
  if (!header) throw new CliError('the server sent no backup manifest');
  const manifest = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as BackupManifest;
  return writeSnapshot(Readable.fromWeb(res.body as never), out, manifest, started);
}

function printBackup(r: BackupResult, via: string): void {
  const m = r.manifest;
  console.log(`backup written: ${r.file} (${sizeText(r.bytes)}, mode 0600) in ${r.seconds.toFixed(1)} s`);
  console.log(
    m.format === 'pg_dump-custom'
      ? `  PostgreSQL ${m.serverVersion} database ${m.database}: pg_dump custom format, ${fmt(r.entries)} archive entries (checked with pg_restore --list), ${fmt(m.tables)} tables`
      : `  embedded database ${m.database} (${via}): data-dir snapshot, ${fmt(r.entries)} files (read back whole), ${fmt(m.tables)} tables`,
  );
  console.log(`  rows: ${rowsText(m.rows)}`);
  console.log(`  latest migration: ${m.migration.tag ?? 'none'} (${m.migration.applied} applied); Kemai ${m.kemaiVersion}`);
}

function printRestore(r: RestoreResult, config: Config): void {
  const m = r.manifest;
  console.log(`restored ${r.file} (backup of ${m.database} taken ${m.createdAt} by Kemai ${m.kemaiVersion}) in ${r.seconds.toFixed(1)} s`);
  if (r.sessions?.length) console.log(`  restored with --force while ${r.sessions.length} other ${r.sessions.length === 1 ? 'session was' : 'sessions were'} connected`);
  console.log(`  rows: ${rowsText(r.rows)}${r.matches ? ' (the same as at backup time)' : ''}`);
  if (!r.matches) console.log(`  at backup time: ${rowsText(m.rows)}: THE COUNTS DIFFER`);
  console.log(
    r.migrated
      ? `  migrations: the backup was at ${r.migrated.from ?? 'none'}; applied ${r.migrated.applied} newer ${r.migrated.applied === 1 ? 'migration' : 'migrations'} (now ${r.migrated.to})`
      : `  migrations: ${m.migration.tag ?? 'none'}, the same as this Kemai`,
  );
  if (r.keptPrevious) console.log(`  the data dir before the restore is kept at ${r.keptPrevious} (the next restore removes it)`);
  if (!config.databaseUrl) console.log('  start the server again: kemai serve');
}

/** `kemai backup` and `kemai restore`: the whole database, pg_dump/pg_restore on PostgreSQL, a data-dir snapshot on PGlite. */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('Back up the whole database: pg_dump (custom format) with DATABASE_URL, a data-dir snapshot (tar.gz) of the embedded database, through the running server when it holds it')
    .option('--out <file>', 'where to write it (default kemai-<database>-<UTC time>.dump, or .tar.gz for the embedded database)')
    .option('--json', 'machine-readable output')
    .action(async (o: { out?: string; json?: boolean }) => {
      const config = loadConfig();
      const started = Date.now();
      if (o.out !== undefined && !o.out.trim()) throw new CliError('--out: a file name', 2);
      if (o.out && fs.existsSync(o.out) && fs.statSync(o.out).isDirectory()) throw new CliError(`--out: ${o.out} is a directory; give a file name`, 2);
      let via = 'opened directly';
      const r = await cli(async () => {
        if (config.databaseUrl) {
          const url = config.databaseUrl;
          return backupPostgres(url, o.out, { audit: (m) => auditWith(config, 'ops.backup', m, { via: 'pg_dump' }) });
        }
        if (!fs.existsSync(path.join(config.dataDir, 'PG_VERSION'))) throw new CliError(`there is no embedded database at ${config.dataDir} (KEMAI_DATA_DIR) to back up`);
        const holder = readLock(config.dataDir);
        const out = o.out ?? defaultBackupFile('pglite', path.basename(path.resolve(config.dataDir)));
        if (holder) {
          if (holder.role === 'server' && holder.url && holder.token) {
            via = `through the server at ${holder.url}`;
            return backupThroughServer(holder.url, holder.token, out, started);
          }
          throw new CliError(
            holder.role === 'server'
              ? `The Kemai server (pid ${holder.pid}) is starting with the embedded database at ${config.dataDir}; run the backup again when it is up.`
              : `Another kemai command (pid ${holder.pid}) is using the embedded database at ${config.dataDir}. Wait for it to finish, or remove ${lockPath(config.dataDir)} if that process is gone.`,
          );
        }
        writeLock(config.dataDir, { role: 'cli' });
        try {
          return await backupPglite(config.dataDir, out, {
            open: async () => {
              const database = await openDatabase({ dataDir: config.dataDir });
              return { pglite: database.pglite!, db: database.db, close: () => database.close() };
            },
            audit: async (db, m) => {
              await appendAudit(db, {
                actor: actor(),
                action: 'ops.backup',
                targetType: 'database',
                targetId: m.database,
                details: { format: m.format, via: 'direct', customers: m.rows.customers, orders: m.rows.orders, ledgerEntries: m.rows.ledgerEntries },
              });
            },
          });
        } finally {
          releaseLock(config.dataDir);
        }
      });
      if (o.json) console.log(JSON.stringify({ ...r, via: config.databaseUrl ? 'pg_dump' : via.startsWith('through') ? 'server' : 'direct' }, null, 2));
      else printBackup(r, via);
    });

  program
    .command('restore <file>')
    .description('Replace the whole database with a backup from kemai backup (checked first; one transaction on PostgreSQL, a directory swap on the embedded database)')
    .option('--yes', 'confirm: everything in the database now is replaced')
    .option('--force', 'PostgreSQL: restore even while other sessions are connected to the database')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { yes?: boolean; force?: boolean; json?: boolean }) => {
      const config = loadConfig();
      if (!o.yes) throw new CliError(`restore replaces everything in the ${config.databaseUrl ? 'PostgreSQL database (DATABASE_URL)' : `embedded database at ${config.dataDir}`} with ${file}: run it again with --yes`, 2);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`${file}: no such file`, 2);
      let opened: Database | undefined;
      const database = async () => (opened ??= await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 }));
      const hooks = { migrate: async () => migrateDatabase(await database()), describe: async () => describeDb((await database()).db) };
      const audit = async (r: RestoreResult) => {
        const m = r.manifest;
        await appendAudit((await database()).db, {
          actor: actor(),
          action: 'ops.restore',
          targetType: 'database',
          targetId: m.database,
          details: { format: m.format, backupCreatedAt: m.createdAt, customers: r.rows.customers, orders: r.rows.orders, ledgerEntries: r.rows.ledgerEntries, matches: r.matches, migrated: r.migrated?.applied ?? 0, forced: !!r.sessions?.length },
        });
        return r;
      };
      const r = await cli(async () => {
        try {
          if (config.databaseUrl) return await audit(await restorePostgres(config.databaseUrl, file, { force: o.force ?? false, ...hooks }));
          const holder = readLock(config.dataDir);
          if (holder)
            throw new CliError(
              holder.role === 'server'
                ? `The Kemai server (pid ${holder.pid}${holder.url ? ` at ${holder.url}` : ''}) has the embedded database at ${config.dataDir} open: stop it first (Ctrl-C), then restore. Nothing was changed.`
                : `Another kemai command (pid ${holder.pid}) is using the embedded database at ${config.dataDir}: wait for it to finish. Nothing was changed.`,
            );
          writeLock(config.dataDir, { role: 'cli' });
          try {
            return await audit(await restorePglite(config.dataDir, file, hooks));
          } finally {
            await opened?.close();
            opened = undefined;
            releaseLock(config.dataDir);
          }
        } finally {
          await opened?.close();
        }
      });
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else printRestore(r, config);
      if (!r.matches) {
        console.error('kemai: the restored row counts differ from the backup manifest');
        process.exitCode = 1;
      }
    });
}
