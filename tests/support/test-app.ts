import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { createKemai, type Kemai } from '../../src/app/kemai.js';
import { buildServer } from '../../src/app/server.js';
import { openTestDatabase } from './test-db.js';
import type { Clock } from '../../src/platform/clock.js';

export interface TestApp {
  kemai: Kemai;
  app: FastifyInstance;
  /** Authorization header for a key with every scope. */
  admin: { authorization: string };
  /** A key with just these scopes. */
  keyWith(scopes: string[]): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

const NO_RATE_LIMITS = { KEMAI_RATE_LIMIT_PER_KEY: '1000000', KEMAI_RATE_LIMIT_PER_IP: '1000000', KEMAI_RATE_LIMIT_SIGN_IN: '1000000' };

/**
 * `loyalty: false` leaves loyalty's subscribers out, for tests of another module's exact records (timelines, deliveries).
 * `poolSize`: PostgreSQL connections (default 5), more for tests of many concurrent transactions.
 * `clock`: the rate limiter's windows. Rate limits are off (very high) unless `env` sets KEMAI_RATE_LIMIT_*.
 */
export async function createTestApp(env: Record<string, string> = {}, opts: { loyalty?: boolean; poolSize?: number; clock?: Clock } = {}): Promise<TestApp> {
  const database = await openTestDatabase({ poolSize: opts.poolSize });
  // Rate limits out of the way unless a test sets them (tests sign in and call far more often than people do).
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', ...NO_RATE_LIMITS, ...env });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: false, loyalty: opts.loyalty });
  const app = await buildServer(kemai, opts.clock ? { clock: opts.clock } : {});
  await app.ready();
  const keyWith = async (scopes: string[]) => {
    const { key } = await kemai.access.createApiKey({ name: `test-${scopes.join('+')}`, scopes });
    return { authorization: `Bearer ${key}` };
  };
  const admin = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
  return {
    kemai,
    app,
    admin,
    keyWith,
    async close() {
      await app.close();
      await kemai.close();
    },
  };
}
