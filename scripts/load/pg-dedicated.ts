/**
 * scripts/load/pg-dedicated.ts — a throw-away PostgreSQL cluster for fault tests, so that restarting it or filling its
 * disk never touches the machine's shared server on 5432.
 *
 *   const pg = await startDedicatedPostgres({ port: 55460 });          // initdb (first time) + start, as user postgres
 *   pg.url            // postgres://postgres@127.0.0.1:55460/postgres
 *   await pg.restart(); // pg_ctl restart -m fast -w
 *   await pg.mountSmallTablespace('small', 256);  // tmpfs of 256 MB at <dir>/ts, CREATE TABLESPACE small there
 *   await pg.stop({ remove: true });
 *
 * Postgres refuses to run as root: initdb and pg_ctl run through `runuser -u postgres --`. Binaries from
 * KEMAI_PG_BIN or /usr/lib/postgresql/15/bin. Data in /tmp/kemai-load-pg-<port>/data (owned by postgres), server log
 * in /tmp/kemai-load-pg-<port>/postgres.log. Listens on 127.0.0.1 only, trust auth (loopback, throw-away).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DedicatedPostgres {
  port: number;
  dir: string;
  dataDir: string;
  logFile: string;
  url: string;
  restart(): Promise<number>;
  stop(opts?: { remove?: boolean }): Promise<void>;
  /** tmpfs of `mb` MB mounted at <dir>/ts and a tablespace `name` on it; answers the mount point. */
  mountSmallTablespace(name: string, mb: number): Promise<string>;
  /** The mount point of the small tablespace, if any. */
  tsDir: string | null;
}

function bin(name: string): string {
  const dirs = [process.env.KEMAI_PG_BIN, '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'].filter(Boolean) as string[];
  for (const d of dirs) if (fs.existsSync(path.join(d, name))) return path.join(d, name);
  throw new Error(`PostgreSQL binary ${name} not found (set KEMAI_PG_BIN)`);
}

async function asPostgres(cmd: string, args: string[]): Promise<string> {
  const r = await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { maxBuffer: 10 << 20 });
  return r.stdout + r.stderr;
}

async function psql(url: string, sqlText: string): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

export async function startDedicatedPostgres(o: { port?: number; dir?: string; maxConnections?: number } = {}): Promise<DedicatedPostgres> {
  const port = o.port ?? 55460;
  if (port === 5432) throw new Error('the dedicated cluster must not use port 5432 (the shared server)');
  const dir = o.dir ?? `/tmp/kemai-load-pg-${port}`;
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  fs.mkdirSync(dir, { recursive: true });
  await run('chown', ['postgres:postgres', dir]);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await asPostgres(bin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  }
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=${o.maxConnections ?? 300}`;
  const pgctl = bin('pg_ctl');
  const status = await run('runuser', ['-u', 'postgres', '--', pgctl, '-D', dataDir, 'status']).then(
    () => 'running',
    () => 'stopped',
  );
  if (status === 'stopped') await asPostgres(pgctl, ['-D', dataDir, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const self: DedicatedPostgres = {
    port,
    dir,
    dataDir,
    logFile,
    url,
    tsDir: null,
    async restart() {
      const t = Date.now();
      await asPostgres(pgctl, ['-D', dataDir, '-l', logFile, '-o', opts, '-m', 'fast', '-w', '-t', '120', 'restart']);
      return Date.now() - t;
    },
    async stop(s = {}) {
      await asPostgres(pgctl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      if (self.tsDir) {
        await run('umount', [self.tsDir]).catch(() => undefined);
        self.tsDir = null;
      }
      if (s.remove) fs.rmSync(dir, { recursive: true, force: true });
    },
    async mountSmallTablespace(name: string, mb: number) {
      const ts = path.join(dir, 'ts');
      fs.mkdirSync(ts, { recursive: true });
      await run('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', ts]);
      self.tsDir = ts;
      fs.mkdirSync(path.join(ts, 'pg'));
      await run('chown', ['-R', 'postgres:postgres', ts]);
      await psql(url, `CREATE TABLESPACE ${name} LOCATION '${path.join(ts, 'pg')}'`);
      return ts;
    },
  };
  return self;
}

/** Free bytes on the filesystem holding `p`. */
export function freeBytes(p: string): number {
  const s = fs.statfsSync(p);
  return s.bavail * s.bsize;
}

/**
 * Fill the filesystem of `dir` with `<dir>/filler-N` files until about `leaveBytes` are free; answers the bytes
 * filled. PostgreSQL keeps writing meanwhile, so a chunk sized from a moment ago can fail with ENOSPC: it is retried
 * at half the size, and the filling tops up until the free space is within 1 MB of `leaveBytes`.
 */
export async function fillTo(dir: string, leaveBytes: number): Promise<number> {
  let filled = 0;
  for (let n = 0, chunk = Infinity; n < 64; n++) {
    const want = Math.min(chunk, freeBytes(dir) - leaveBytes);
    if (want < 1 << 20) break;
    try {
      await run('fallocate', ['-l', String(want), path.join(dir, `filler-${n}`)]);
      filled += want;
    } catch {
      fs.rmSync(path.join(dir, `filler-${n}`), { force: true });
      chunk = Math.floor(want / 2);
    }
  }
  return filled;
}

export function removeFiller(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (/^filler(-\d+)?$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
}
