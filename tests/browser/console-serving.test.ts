import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CONSOLE_DIR, consolePlugin } from '../../src/app/console.js';

const built = fs.existsSync(path.join(CONSOLE_DIR, 'index.html'));
if (!built) console.warn(`console serving tests skipped: ${CONSOLE_DIR} is missing; run npm run build:web (npm install does it)`);

describe.skipIf(!built)('console served by the API server', () => {
  let t: TestApp;
  let indexHtml: string;
  beforeAll(async () => {
    t = await createTestApp();
    indexHtml = fs.readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8');
  });
  afterAll(async () => t?.close());

  it('serves index.html at / and for client-side routes, revalidated and with a CSP', async () => {
    for (const url of ['/', '/customers', '/customers/0190a1b2-0000-7000-8000-000000000000?tab=timeline', '/settings/staff/lin.xiao']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.body).toBe(indexHtml);
    }
  });

  it('serves fingerprinted assets as immutable, without credentials', async () => {
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(indexHtml)![1]!;
    const res = await t.app.inject({ url: script });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toBe(fs.readFileSync(path.join(CONSOLE_DIR, script), 'utf8'));
  });

  it('sends the build\'s brotli or gzip twin to browsers that accept it', async () => {
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(indexHtml)![1]!;
    const original = fs.readFileSync(path.join(CONSOLE_DIR, script));
    const br = await t.app.inject({ url: script, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('accept-encoding');
    expect(br.rawPayload.length).toBeLessThan(original.length / 2);
    expect(zlib.brotliDecompressSync(br.rawPayload).equals(original)).toBe(true);
    const gz = await t.app.inject({ url: script, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.rawPayload).equals(original)).toBe(true);
    const twin = await t.app.inject({ url: `${script}.br` });
    expect(twin.statusCode).toBe(404);
  });

  it('keeps the API and docs answers: JSON 404 for unknown API paths, auth still required', async () => {
    const unknown = await t.app.inject({ url: '/api/v1/no-such-thing' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'route_not_found', message: 'No route GET /api/v1/no-such-thing' } });
    const bare = await t.app.inject({ url: '/api' });
    expect(bare.statusCode).toBe(404);
    expect(bare.json().error.code).toBe('route_not_found');
    const me = await t.app.inject({ url: '/api/v1/auth/me' });
    expect(me.statusCode).toBe(401);
    const docs = await t.app.inject({ url: '/docs/no-such-page' });
    expect(docs.statusCode).toBe(404);
    expect(docs.headers['content-type']).toContain('application/json');
    const openapi = await t.app.inject({ url: '/api/openapi.json' });
    expect(openapi.json().openapi).toBe('3.1.0');
  });

  it('answers a missing file with 404, not the console page', async () => {
    for (const url of ['/assets/index-0ld8uild.js', '/favicon.ico', '/robots.txt']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('route_not_found');
    }
  });

  it('does not answer other methods with the console', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/customers', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('route_not_found');
  });
});

describe('console rebuilt while the server runs', () => {
  it('serves the new files and page without a restart', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-console-'));
    const app = Fastify({ logger: false });
    app.register(consolePlugin, { root });
    try {
      expect((await app.inject({ url: '/' })).statusCode).toBe(503);
      fs.mkdirSync(path.join(root, 'assets'));
      fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/app-2.js"></script>');
      fs.writeFileSync(path.join(root, 'assets', 'app-2.js'), 'console.log(2)');
      const page = await app.inject({ url: '/customers' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toBe('<!doctype html><script type="module" src="/assets/app-2.js"></script>');
      const script = await app.inject({ url: '/assets/app-2.js' });
      expect(script.body).toBe('console.log(2)');
      expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // Nothing outside the console's folder, however the path is spelled.
      for (const url of ['/assets/../../etc/passwd', '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd']) {
        expect((await app.inject({ url })).body, url).not.toContain('root:');
      }
    } finally {
      await app.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('console not built', () => {
  it('says how to build it instead of a blank page, and leaves other paths alone', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-no-console-'));
    const app = Fastify({ logger: false });
    app.register(consolePlugin, { root: empty });
    try {
      const page = await app.inject({ url: '/customers' });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Run <code>npm run build:web</code>, then reload this page.');
      expect((await app.inject({ url: '/api/v1/customers' })).statusCode).toBe(404);
    } finally {
      await app.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
