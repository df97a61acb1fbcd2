import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { CONSOLE_DIR } from '../../src/app/console.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Secure headers on every answer, HSTS and the `Secure` cookie only when the public URL is https. */
let plain: TestApp;
let tls: TestApp;
beforeAll(async () => {
  plain = await createTestApp();
  tls = await createTestApp({ KEMAI_PUBLIC_URL: 'https://crm.example' });
});
afterAll(async () => {
  await plain?.close();
  await tls?.close();
});

const PW = 'Headers-Test-2025';

function expectSecureHeaders(res: LightMyRequestResponse) {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
}

describe('secure headers over http', () => {
  it('are on an API answer, which is never cached, and there is no HSTS', async () => {
    const res = await plain.app.inject({ method: 'GET', url: '/api/v1/customers?q=x', headers: plain.admin });
    expect(res.statusCode).toBe(200);
    expectSecureHeaders(res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('are on the OpenAPI document', async () => {
    const res = await plain.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    expectSecureHeaders(res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('are on errors too: 401, 400 and the JSON 404 of an unknown API route', async () => {
    const unauthenticated = await plain.app.inject({ method: 'GET', url: '/api/v1/customers' });
    expect(unauthenticated.statusCode).toBe(401);
    const invalid = await plain.app.inject({ method: 'POST', url: '/api/v1/stores', headers: plain.admin, payload: { code: 'X' } });
    expect(invalid.statusCode).toBe(400);
    const missing = await plain.app.inject({ method: 'GET', url: '/api/v1/no-such-thing', headers: plain.admin });
    expect(missing.statusCode).toBe(404);
    for (const res of [unauthenticated, invalid, missing]) {
      expectSecureHeaders(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('outside /api they are set, but caching is left to the page: health and the console keep their own', async () => {
    const health = await plain.app.inject({ method: 'GET', url: '/healthz' });
    expectSecureHeaders(health);
    expect(health.headers['cache-control']).toBeUndefined();

    const page = await plain.app.inject({ method: 'GET', url: '/customers' });
    expectSecureHeaders(page);
    if (fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))) {
      expect(page.statusCode).toBe(200);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    } else {
      // Console not built: the 503 page, with no caching rule of its own.
      expect(page.statusCode).toBe(503);
      expect(page.headers['cache-control']).toBeUndefined();
    }
  });

  it('the session cookie is HttpOnly and SameSite=Strict but not Secure (it would never come back over http)', async () => {
    await plain.kemai.access.createStaff({ username: 'wu.lei', role: 'analyst', password: PW });
    const login = await plain.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'wu.lei', password: PW } });
    expect(login.statusCode).toBe(200);
    const cookie = login.headers['set-cookie'] as string;
    expect(cookie).toMatch(/^kemai_session=kms_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Expires=[^;]+ GMT$/);
    expect(cookie).not.toContain('Secure');
  });
});

describe('secure headers when the public URL is https', () => {
  it('add HSTS for a year with subdomains to API and non-API answers alike', async () => {
    for (const url of ['/api/openapi.json', '/healthz']) {
      const res = await tls.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expectSecureHeaders(res);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('mark the session cookie Secure, on sign-in and on sign-out', async () => {
    await tls.kemai.access.createStaff({ username: 'wu.lei', role: 'analyst', password: PW });
    const login = await tls.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'wu.lei', password: PW } });
    expect(login.statusCode).toBe(200);
    const cookie = login.headers['set-cookie'] as string;
    expect(cookie).toMatch(/^kemai_session=kms_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Secure; Expires=[^;]+ GMT$/);
    const logout = await tls.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: cookie.split(';')[0]!, origin: 'https://crm.example' },
    });
    expect(logout.statusCode).toBe(200);
    expect(logout.headers['set-cookie']).toBe('kemai_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0');
  });
});
