import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CONSOLE_DIR } from '../../src/app/console.js';

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
    for (const url of ['/', '/customers', '/customers/0190a1b2-0000-7000-8000-000000000000?tab=timeline']) {
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

  it('does not answer other methods with the console', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/customers', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('route_not_found');
  });
});
