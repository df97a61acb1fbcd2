import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';
import { RateLimiter as FormLimiter } from '../../modules/service/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/** Rate limits per API key / session, per IP without credentials, and sign-in attempts per IP (tiny limits, a fake clock). */
let t: TestApp;
let now = new Date('2026-03-01T10:00:00.000Z');
const later = (ms: number) => (now = new Date(now.getTime() + ms));
beforeAll(async () => {
  t = await createTestApp({ KEMAI_RATE_LIMIT_PER_KEY: '3', KEMAI_RATE_LIMIT_PER_IP: '3', KEMAI_RATE_LIMIT_SIGN_IN: '2' }, { clock: { now: () => now } });
});
afterAll(async () => t?.close());

const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => t.app.inject({ method: 'GET', url, headers, remoteAddress });

describe('per API key', () => {
  it('allows 3 a minute: the 4th gets 429 with retry-after and the limit headers; another key is unaffected; a new window starts afresh', async () => {
    const a = await t.keyWith(['catalog:read']);
    const b = await t.keyWith(['catalog:read']);
    for (const remaining of ['2', '1', '0']) {
      const ok = await get('/api/v1/auth/me', a);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('3');
      expect(ok.headers['x-ratelimit-remaining']).toBe(remaining);
    }
    later(15_000);
    const refused = await get('/api/v1/auth/me', a);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.headers['x-ratelimit-limit']).toBe('3');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.json().error).toMatchObject({
      code: 'rate_limited',
      message: 'Too many requests: at most 3 requests per API key or session per 60 seconds; try again later',
      details: { limit: 3, windowSeconds: 60 },
    });
    // From another address the same key is still the same caller.
    expect((await get('/api/v1/auth/me', a, '10.0.0.9')).statusCode).toBe(429);
    const other = await get('/api/v1/auth/me', b);
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('2');
    later(44_999);
    expect((await get('/api/v1/auth/me', a)).statusCode).toBe(429);
    later(1);
    const again = await get('/api/v1/auth/me', a);
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('2');
  });
});

describe('per IP without credentials', () => {
  it('limits public routes per address; other addresses and health checks are unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/api/openapi.json', {}, '10.1.1.1')).statusCode).toBe(200);
    const refused = await get('/api/openapi.json', {}, '10.1.1.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.json().error.message).toBe('Too many requests: at most 3 requests per IP address without credentials per 60 seconds; try again later');
    expect((await get('/api/openapi.json', {}, '10.1.1.2')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get('/healthz', {}, '10.1.1.1')).statusCode).toBe(200);
    later(60_000);
    expect((await get('/api/openapi.json', {}, '10.1.1.1')).statusCode).toBe(200);
  });
});

describe('sign-in attempts per IP', () => {
  it('allows 2 attempts a minute per address, whatever the username, then 429 before the password is checked', async () => {
    await t.kemai.access.createStaff({ username: 'rate.limited', role: 'guide', password: 'Rate-Limit-Test-1' });
    const signIn = (username: string, password: string, remoteAddress: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress });
    expect((await signIn('rate.limited', 'wrong-password', '10.2.2.2')).statusCode).toBe(401);
    expect((await signIn('someone.else', 'wrong-password', '10.2.2.2')).statusCode).toBe(401);
    const refused = await signIn('rate.limited', 'Rate-Limit-Test-1', '10.2.2.2');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['x-ratelimit-limit']).toBe('2');
    expect(refused.json().error.message).toBe('Too many requests: at most 2 sign-in attempts per IP address per 60 seconds; try again later');
    expect((await signIn('rate.limited', 'Rate-Limit-Test-1', '10.2.2.3')).statusCode).toBe(200);
    later(60_000);
    expect((await signIn('rate.limited', 'Rate-Limit-Test-1', '10.2.2.2')).statusCode).toBe(200);
  });
});

describe('RateLimiter', () => {
  it('counts a fixed window per key; the service module still exports it for the public form', () => {
    expect(FormLimiter).toBe(RateLimiter);
    const l = new RateLimiter(2, 1000);
    expect([l.take('x', 0), l.take('x', 10), l.take('x', 20), l.take('y', 20)]).toEqual([true, true, false, true]);
    expect(l.remaining('x', 20)).toBe(0);
    expect(l.retryAfter('x', 20)).toBe(1);
    expect(l.take('x', 1000)).toBe(true);
    expect(l.remaining('x', 1000)).toBe(1);
  });
});
