import { loadConfig, type Config } from '../platform/config.js';
import { parseInstant } from '../platform/clock.js';
import { openDatabase } from '../platform/db/database.js';
import { readLock, releaseLock, writeLock, lockPath } from '../platform/db/data-dir-lock.js';
import { createLogger } from '../platform/logger.js';
import { createKemai, type Kemai } from '../app/kemai.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A running server's API, used when the server holds the embedded database. */
export class RemoteApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CliError(`The Kemai server at ${this.baseUrl} holds the database but does not answer (${(e as Error).message}). Stop it or wait until it is up.`);
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const err = json?.error;
      const issues = err?.details?.issues?.map((i: { path: string; message: string }) => `  ${i.path}: ${i.message}`).join('\n');
      throw new CliError(`${err?.message ?? res.statusText}${issues ? `\n${issues}` : ''}`);
    }
    return json as T;
  }

  /** A GET whose answer is not JSON (CSV exports): the body as text. */
  async text(path: string): Promise<string> {
    const res = await fetch(new URL(path, this.baseUrl), { headers: { authorization: `Bearer ${this.token}` } }).catch((e: Error) => {
      throw new CliError(`The Kemai server at ${this.baseUrl} holds the database but does not answer (${e.message}).`);
    });
    const text = await res.text();
    if (!res.ok) throw new CliError((JSON.parse(text) as { error?: { message?: string } }).error?.message ?? res.statusText);
    return text;
  }
}

export type Backend = { mode: 'direct'; kemai: Kemai } | { mode: 'remote'; api: RemoteApi };

/**
 * Opens the database for one CLI command. With DATABASE_URL any number of processes may connect.
 * With the embedded database only one process may open it: when a server holds it, commands that
 * can go through its API do; the others are told what to do.
 */
export async function withBackend<T>(
  fn: (backend: Backend) => Promise<T>,
  opts: { remoteOk?: boolean; jobs?: boolean; config?: Config } = {},
): Promise<T> {
  const config = opts.config ?? loadConfig();
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder) {
      if (holder.role === 'server' && holder.url && holder.token && opts.remoteOk !== false)
        return fn({ mode: 'remote', api: new RemoteApi(holder.url, holder.token) });
      throw new CliError(
        holder.role === 'server'
          ? `The Kemai server (pid ${holder.pid}) has the embedded database at ${config.dataDir} open, and this command cannot run through it. Stop the server (Ctrl-C) and run the command again, or use PostgreSQL (DATABASE_URL) so both can run at once.`
          : `Another kemai command (pid ${holder.pid}) is using the embedded database at ${config.dataDir}. Wait for it to finish, or remove ${lockPath(config.dataDir)} if that process is gone.`,
      );
    }
    writeLock(config.dataDir, { role: 'cli' });
  }
  const log = createLogger(process.env.KEMAI_LOG_LEVEL ?? 'warn', process.stderr);
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log, jobs: opts.jobs ?? false });
    try {
      const result = await fn({ mode: 'direct', kemai });
      await kemai.events.drain();
      return result;
    } finally {
      await kemai.close();
    }
  } finally {
    if (!config.databaseUrl) releaseLock(config.dataDir);
  }
}

/** `--as-of`: a date (its midnight in the business time zone) or an instant; now when absent. Exit code 2 when unreadable. */
export function asOfOption(value: string | undefined, timeZone: string): Date {
  if (value === undefined) return new Date();
  const at = parseInstant(value, timeZone);
  if (!at) throw new CliError(`--as-of: not a date (YYYY-MM-DD) or instant: ${value}`, 2);
  return at;
}
