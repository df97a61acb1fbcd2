/**
 * scripts/load/cluster.ts — run real `kemai serve` / `kemai worker` processes (bin/kemai.js) against one PostgreSQL,
 * for load and fault tests and for tests that need several processes. No vitest dependency.
 *
 * API (all processes are children of this one; call `stopAll()` in a finally):
 *
 *   const db = await createDatabase('postgres://postgres@127.0.0.1:5432/postgres', 'kemai_load_x'); // fresh DB
 *   //  → { url, name, drop() }   (name optional: a unique `kemai_<pid>_<time>` is made; drop() terminates sessions, drops it;
 *   //     createDatabase(serverUrl, name, { tablespace: 'small' }) makes it the database's default tablespace)
 *   await migrate(db.url);                              // apply drizzle/ migrations once (servers would race politely anyway)
 *   const key = await createApiKey(db.url);             // `kemai apikey create --role admin --json` → the key string
 *   const s = await startServer({ databaseUrl: db.url, env: { KEMAI_JOBS: 'off' }, logDir: '/tmp/x' });
 *   //  → KemaiProcess: { role, name, pid, url (http://127.0.0.1:PORT), stdoutPath, stderrPath, exited, stop(), kill(), restart() }
 *   const w = await startWorker({ databaseUrl: db.url, logDir: '/tmp/x' });
 *   await w.kill();          // SIGKILL, resolves when the process is gone
 *   await w.restart();       // starts the same role/env again (same object; pid updated; a server keeps its port)
 *   await s.stop();          // SIGTERM, waits for a clean exit (SIGKILL after `graceMs`, default 30 s)
 *   await stopAll();         // every process started here that is still running
 *   await db.drop();
 *
 * Defaults: PORT=0 (the server picks a free port; the URL is parsed from "Kemai is running at …"), HOST=127.0.0.1,
 * KEMAI_DEMO=never, KEMAI_LOG_LEVEL=warn. `env` is merged over process.env (minus DATABASE_URL) and these defaults.
 * `command` may replace the `node` launcher (e.g. ['faketime', '+2h', process.execPath]) for clock tests.
 * stdout/stderr go to files `<logDir>/<name>.out|.err` (appended across restarts); `logDir` defaults to a fresh
 * directory under os.tmpdir().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KEMAI_BIN = path.join(REPO_ROOT, 'bin/kemai.js');

export type Role = 'serve' | 'worker';

export interface StartOptions {
  databaseUrl: string;
  /** Extra environment (over process.env and the defaults above). */
  env?: Record<string, string | undefined>;
  /** Directory for `<name>.out` / `<name>.err`. */
  logDir?: string;
  /** Label used in file names; default `serve-1`, `worker-2`, … */
  name?: string;
  /** How long to wait for the server to listen / the worker to report it is running (default 120 s). */
  startTimeoutMs?: number;
  /** Launcher prefix instead of [process.execPath], e.g. ['faketime', '-f', '+2h', process.execPath]. */
  command?: string[];
  /** SIGTERM → SIGKILL delay for stop() (default 30 s). */
  graceMs?: number;
}

export interface KemaiProcess {
  readonly role: Role;
  readonly name: string;
  /** Current pid (changes on restart). */
  pid: number;
  /** http://127.0.0.1:PORT for servers; '' for workers. */
  url: string;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  readonly options: StartOptions;
  /** The running child, or null once it has exited. */
  child: ChildProcess | null;
  /** Resolves with the exit code/signal of the current child. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, wait for exit (SIGKILL after graceMs). */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again with the same options (after stop/kill; stops first if still running); a server reuses its port. */
  restart(): Promise<void>;
}

const running = new Set<KemaiProcess>();
let counter = 0;

function defaultLogDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-cluster-'));
}

function childEnv(o: StartOptions, port?: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.DATABASE_URL;
  Object.assign(e, { PORT: '0', HOST: '127.0.0.1', KEMAI_DEMO: 'never', KEMAI_LOG_LEVEL: 'warn' });
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  if (port) e.PORT = port;
  e.DATABASE_URL = o.databaseUrl;
  return e;
}

async function launch(p: KemaiProcess & { _spawn(): Promise<void> }): Promise<void> {
  await p._spawn();
}

function makeProcess(role: Role, o: StartOptions): KemaiProcess & { _spawn(): Promise<void> } {
  const name = o.name ?? `${role}-${++counter}`;
  const logDir = o.logDir ?? defaultLogDir();
  fs.mkdirSync(logDir, { recursive: true });
  const stdoutPath = path.join(logDir, `${name}.out`);
  const stderrPath = path.join(logDir, `${name}.err`);
  const graceMs = o.graceMs ?? 30_000;

  const proc: KemaiProcess & { _spawn(): Promise<void> } = {
    role,
    name,
    pid: 0,
    url: '',
    stdoutPath,
    stderrPath,
    options: o,
    child: null,
    exited: Promise.resolve({ code: null, signal: null }),
    async _spawn() {
      const [cmd, ...pre] = o.command ?? [process.execPath];
      const out = fs.openSync(stdoutPath, 'a');
      const err = fs.openSync(stderrPath, 'a');
      // A restarted server listens on the port it had (clients keep their URL).
      const port = proc.url ? new URL(proc.url).port : undefined;
      const child = spawn(cmd!, [...pre, KEMAI_BIN, role], { cwd: REPO_ROOT, env: childEnv(o, port), stdio: ['ignore', 'pipe', err] });
      fs.closeSync(err);
      proc.child = child;
      proc.pid = child.pid ?? 0;
      running.add(proc);
      proc.exited = new Promise((resolve) => {
        child.on('exit', (code, signal) => {
          proc.child = null;
          running.delete(proc);
          resolve({ code, signal });
        });
      });
      let buf = '';
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: not ready after ${(o.startTimeoutMs ?? 120_000) / 1000} s (see ${stdoutPath} / ${stderrPath})`)),
          o.startTimeoutMs ?? 120_000,
        );
        child.stdout!.on('data', (d: Buffer) => {
          fs.writeSync(out, d);
          if (buf === null) return;
          buf += d.toString('utf8');
          const m = role === 'serve' ? /Kemai is running at (http:\/\/\S+)/.exec(buf) : /Kemai worker \d+ is running/.exec(buf);
          if (m) {
            clearTimeout(timer);
            if (role === 'serve') proc.url = m[1]!.replace('localhost', '127.0.0.1');
            buf = null as unknown as string;
            resolve();
          }
        });
        child.stdout!.on('close', () => fs.closeSync(out));
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal}); see ${stderrPath}`));
        });
      });
      try {
        await ready;
      } catch (e) {
        if (proc.child) await proc.kill();
        throw e;
      }
    },
    async stop() {
      const child = proc.child;
      if (!child) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await proc.exited;
      clearTimeout(t);
    },
    async kill() {
      const child = proc.child;
      if (!child) return;
      child.kill('SIGKILL');
      await proc.exited;
    },
    async restart() {
      await proc.stop();
      await launch(proc);
    },
  };
  return proc;
}

/** Start `kemai serve` and wait until it listens; `url` is http://127.0.0.1:PORT. */
export async function startServer(o: StartOptions): Promise<KemaiProcess> {
  const p = makeProcess('serve', o);
  await launch(p);
  return p;
}

/** Start `kemai worker` and wait until it reports it is running. */
export async function startWorker(o: StartOptions): Promise<KemaiProcess> {
  const p = makeProcess('worker', o);
  await launch(p);
  return p;
}

/** Every process started here that is still running. */
export function runningProcesses(): KemaiProcess[] {
  return [...running];
}

/** Stop (SIGTERM, then SIGKILL after grace) every process started here. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Run a one-shot `kemai …` command on `databaseUrl`; resolves with status/stdout/stderr. */
export function runKemaiCommand(args: string[], databaseUrl: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const e: NodeJS.ProcessEnv = { ...process.env, KEMAI_DEMO: 'never', KEMAI_LOG_LEVEL: 'warn', ...env, DATABASE_URL: databaseUrl };
    const child = spawn(process.execPath, [KEMAI_BIN, ...args], { cwd: REPO_ROOT, env: e });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Create an API key (`kemai apikey create --json`) and answer the key (send as `Authorization: Bearer <key>`). */
export async function createApiKey(databaseUrl: string, opts: { name?: string; role?: string } = {}): Promise<string> {
  const r = await runKemaiCommand(['apikey', 'create', '--name', opts.name ?? 'load', '--role', opts.role ?? 'admin', '--json'], databaseUrl);
  if (r.status !== 0) throw new Error(`kemai apikey create failed (${r.status}): ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { key: string };
  return parsed.key;
}

/** Apply the migrations (opens the database the way the CLI does; `kemai apikey list` migrates as a side effect). */
export async function migrate(databaseUrl: string): Promise<void> {
  const r = await runKemaiCommand(['apikey', 'list', '--json'], databaseUrl);
  if (r.status !== 0) throw new Error(`migrating ${databaseUrl.replace(/:[^:@/]*@/, ':***@')} failed (${r.status}): ${r.stderr}`);
}

export interface FreshDatabase {
  /** postgres URL of the new database. */
  url: string;
  name: string;
  /** Terminate its sessions and drop it. */
  drop(): Promise<void>;
}

/** The URL `serverUrl` with its database replaced by `name`. */
export function withDatabase(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * CREATE DATABASE on the server of `serverUrl` (any database on it, e.g. …/postgres) and answer its URL and a drop().
 * `name` must be a plain identifier; default `kemai_<pid>_<ms>`. `tablespace`: the database's default tablespace.
 */
export async function createDatabase(
  serverUrl: string,
  name = `kemai_${process.pid}_${Date.now()}`,
  opts: { tablespace?: string } = {},
): Promise<FreshDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`createDatabase: name must be a lower-case identifier, got ${JSON.stringify(name)}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    if (opts.tablespace !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.tablespace)) throw new Error(`createDatabase: bad tablespace ${opts.tablespace}`);
    await admin.query(`CREATE DATABASE ${name}${opts.tablespace ? ` TABLESPACE ${opts.tablespace}` : ''}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Poll GET `${url}/healthz` (or any path) until it answers 2xx, up to `timeoutMs`. Answers ms waited. */
export async function waitHttp(url: string, timeoutMs = 60_000, pathName = '/healthz'): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(url + pathName, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return Date.now() - t0;
    } catch {
      /* not yet */
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${url}${pathName} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
