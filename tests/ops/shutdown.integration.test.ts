import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { markStopping } from '../../src/app/server.js';
import { lockPath } from '../../src/platform/db/data-dir-lock.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The real `kemai serve` in a child process, stopped with SIGTERM. On PGlite (default) the child keeps its embedded
 * database in a temporary KEMAI_DATA_DIR; with TEST_DATABASE_URL it gets DATABASE_URL, a fresh database cloned from the
 * test template and dropped afterwards.
 */
const PG = process.env.TEST_DATABASE_URL;
let dir: string;
let databaseUrl: string | undefined;
let dbName: string | undefined;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-shutdown-'));
  if (PG) {
    dbName = `kemai_t_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${dbName} template ${inject('pgTemplate')!}`);
        break;
      } catch (e) {
        if (attempt > 50) throw e;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
    await admin.end();
    const u = new URL(PG);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  } else {
    // The migrated template's data directory (the dump test-db.ts loads), unpacked: the child skips migrating from
    // scratch. Without `tar` the first command migrates instead.
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const untar = spawnSync('tar', ['-xzf', inject('pgliteTemplate')!, '-C', data], { stdio: 'ignore' });
    if (untar.status !== 0) fs.rmSync(data, { recursive: true, force: true });
  }
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  if (PG && dbName) {
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    KEMAI_DATA_DIR: path.join(dir, 'data'),
    KEMAI_DEMO: 'never',
    PORT: '0',
    HOST: '127.0.0.1',
    KEMAI_LOG_LEVEL: 'info',
    KEMAI_JOBS: 'off',
    ...extra,
  };
  delete e.DATABASE_URL;
  delete e.KEMAI_METRICS_TOKEN;
  if (databaseUrl) e.DATABASE_URL = databaseUrl;
  return e;
}

function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), ...args], { env: env(), cwd: dir });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

interface Server {
  child: ChildProcess;
  url: URL;
  /** Everything printed so far (pino's JSON lines and the banner). */
  out(): string;
  /** Resolves when a log line with this `msg` appears; answers the parsed line. */
  logged(msg: string, match?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; at: number }>;
}

async function serve(extra: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'serve'], { env: env(extra), cwd: dir });
  children.add(child);
  let printed = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    printed += d;
    for (const w of [...waiters]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve({ code, at: Date.now() });
    }),
  );
  const lines = () =>
    printed
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const when = <T>(test: () => T | undefined, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = test();
        if (v !== undefined) {
          waiters.splice(waiters.indexOf(check), 1);
          resolve(v);
        }
      };
      waiters.push(check);
      void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before ${what}; stderr: ${err}`)));
      check();
    });
  const address = await when(() => /Kemai is running at (http:\/\/\S+)/.exec(printed)?.[1], 'listening');
  return {
    child,
    url: new URL(address),
    out: () => printed,
    logged: (msg, match = () => true) => when(() => lines().find((l) => l.msg === msg && match(l)), `logging "${msg}"`),
    exited,
  };
}

/** A connection attempt: 'refused' or 'connected'. */
function connect(url: URL): Promise<'refused' | 'connected'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname.replace('localhost', '127.0.0.1'));
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' ? resolve('refused') : reject(e)));
  });
}

/** A raw HTTP/1.1 exchange whose body the test sends piece by piece; answers status, headers and body. */
function slowPost(url: URL, pathname: string, headers: Record<string, string>, body: string) {
  const socket = net.connect(Number(url.port), '127.0.0.1');
  let raw = '';
  socket.setEncoding('utf8').on('data', (d: string) => (raw += d));
  const done = new Promise<{ status: number; headers: Record<string, string>; body: string; at: number }>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = raw.split('\r\n\r\n');
      const [statusLine, ...headerLines] = (head ?? '').split('\r\n');
      const h = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine?.split(' ')[1]), headers: h, body: rest.join('\r\n\r\n'), at: Date.now() });
    });
  });
  const bytes = Buffer.from(body);
  const head =
    `POST ${pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  let sent = 0;
  return {
    done,
    /** Sends the headers and this much of the body. */
    send(fraction: number) {
      if (sent === 0) socket.write(head);
      const upTo = Math.min(bytes.length, Math.ceil(bytes.length * fraction));
      socket.write(bytes.subarray(sent, upTo));
      sent = upTo;
    },
    destroy: () => socket.destroy(),
  };
}

/** A kept-alive connection that answered one request and now sits idle. */
async function idleKeepAlive(url: URL): Promise<{ closed: Promise<number> }> {
  const socket = net.connect(Number(url.port), '127.0.0.1');
  let raw = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.setEncoding('utf8').on('data', (d: string) => {
      raw += d;
      if (raw.includes('{"status":"ok"}')) resolve();
    });
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
  });
  expect(raw).not.toMatch(/connection: close/i);
  return { closed: new Promise((resolve) => socket.on('close', () => resolve(Date.now()))) };
}

const order = (i: number) => ({
  channel: 'pos',
  externalId: `SHUT-${i}`,
  storeCode: `S${i % 5}`,
  placedAt: '2025-11-01T10:00:00+08:00',
  customer: { phone: `139${String(20000000 + i)}` },
  lines: [{ sku: `SKU${i % 20}`, quantity: 1, unitPrice: '10.00' }],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`kemai serve on SIGTERM (${PG ? 'PostgreSQL' : 'PGlite'})`, () => {
  let key: string;

  it('finishes the request in flight, refuses new connections, closes idle kept-alive ones, stops jobs and the database, exits 0', async () => {
    const created = await runCli(['apikey', 'create', '--name', 'shutdown-test', '--scopes', 'orders:write', '--json']);
    expect(created.code, created.err).toBe(0);
    key = (JSON.parse(created.out) as { key: string }).key;

    const server = await serve({ KEMAI_JOBS: 'on', KEMAI_SHUTDOWN_TIMEOUT_SECONDS: '20' });
    const idle = await idleKeepAlive(server.url);

    // A request whose body is still arriving when the signal comes: 300 orders sent in three parts.
    const items = Array.from({ length: 300 }, (_, i) => order(i));
    const post = slowPost(server.url, '/api/v1/orders/batch', { authorization: `Bearer ${key}`, 'x-request-id': 'in-flight-1' }, JSON.stringify({ items }));
    post.send(0.4);
    await server.logged('incoming request', (l) => l.reqId === 'in-flight-1');

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const start = await server.logged('shutting down');
    expect(start).toMatchObject({ level: 30, signal: 'SIGTERM', timeoutSeconds: 20 });

    // No new connections from now on (the listener closes a moment after the line is written), while the request
    // is still in flight.
    let attempt = await connect(server.url);
    for (const until = Date.now() + 2000; attempt === 'connected' && Date.now() < until; ) {
      await sleep(20);
      attempt = await connect(server.url);
    }
    expect(attempt).toBe('refused');
    let answered = false;
    void post.done.then(() => (answered = true));
    await sleep(0);
    expect(answered).toBe(false);
    // The idle kept-alive connection is closed rather than holding the shutdown for its keep-alive timeout.
    const idleClosedAt = await idle.closed;
    expect(idleClosedAt - signalledAt).toBeLessThan(5000);

    await sleep(300);
    post.send(0.7);
    await sleep(300);
    post.send(1);
    const res = await post.done;
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('close');
    const results = (JSON.parse(res.body) as { results: Array<{ index: number; status: string; id: string }> }).results;
    expect(results).toHaveLength(300);
    expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['created']));

    const { code, at } = await server.exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(20_000);
    const stopped = await server.logged('stopped');
    expect(stopped).toMatchObject({ level: 30, signal: 'SIGTERM' });
    expect(typeof stopped.durationMs).toBe('number');
    expect(stopped.durationMs as number).toBeGreaterThanOrEqual(600);
    expect(stopped.durationMs as number).toBeLessThan(20_000);
    // Nothing logged an error on the way out, and the shutdown lines hold no personal data.
    const lines = server.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(server.out()).not.toContain('13920000000');
    if (!PG) expect(fs.existsSync(lockPath(path.join(dir, 'data')))).toBe(false);
  }, 120_000);

  it('past KEMAI_SHUTDOWN_TIMEOUT_SECONDS gives up on a request that never ends: logs it and exits 1', async () => {
    const server = await serve({ KEMAI_SHUTDOWN_TIMEOUT_SECONDS: '1' });
    // The orders of the request that was in flight before were committed: the same batch again is all unchanged.
    const items = Array.from({ length: 300 }, (_, i) => order(i));
    const again = await fetch(new URL('/api/v1/orders/batch', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(again.status).toBe(200);
    const statuses = ((await again.json()) as { results: Array<{ status: string }> }).results.map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set(['unchanged']));

    const post = slowPost(server.url, '/api/v1/orders/batch', { authorization: `Bearer ${key}`, 'x-request-id': 'stalled-1' }, JSON.stringify({ items: [order(1)] }));
    post.send(0.5);
    await server.logged('incoming request', (l) => l.reqId === 'stalled-1');
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const { code, at } = await server.exited;
    post.destroy();
    expect(code).toBe(1);
    expect(at - signalledAt).toBeGreaterThanOrEqual(1000);
    expect(at - signalledAt).toBeLessThan(10_000);
    const timedOut = await server.logged('shutdown timed out: exiting');
    expect(timedOut).toMatchObject({ level: 50, signal: 'SIGTERM', timeoutSeconds: 1 });
    expect(timedOut.durationMs as number).toBeGreaterThanOrEqual(1000);
    expect(server.out()).not.toContain('"msg":"stopped"');
    if (!PG) expect(fs.existsSync(lockPath(path.join(dir, 'data')))).toBe(false);
  }, 60_000);
});

describe('a server told to stop (in process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('/readyz answers 503 stopping at once; other requests get 503 shutting_down and Connection: close; health and metrics still answer', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    markStopping(t.app);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'stopping' });
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/customers', headers: t.admin });
    expect(api.statusCode).toBe(503);
    expect(api.headers.connection).toBe('close');
    expect((api.json() as { error: { code: string } }).error.code).toBe('shutting_down');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
