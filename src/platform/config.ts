import path from 'node:path';
import { z } from 'zod';
import { parseMoney } from './money.js';

/** Every setting Kemai reads from the environment; README's configuration table mirrors this. */
const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_REPLICA_URL: z.string().url().optional(),
  KEMAI_REPLICA_MAX_LAG_SECONDS: z.coerce.number().positive().default(30),
  KEMAI_DATA_DIR: z.string().default('.kemai/data'),
  KEMAI_TIMEZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone'),
  KEMAI_DEFAULT_REGION: z.string().length(2).default('CN'),
  KEMAI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEMAI_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  KEMAI_IMPORT_DIR: z.string().optional(),
  KEMAI_IMPORT_LIMIT_BYTES: z.coerce.number().int().positive().default(200 * 1024 * 1024),
  KEMAI_DEMO: z.enum(['auto', 'never']).default('auto'),
  KEMAI_DEMO_CUSTOMERS: z.coerce.number().int().positive().default(20000),
  KEMAI_SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  KEMAI_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  KEMAI_LOGIN_LOCK_MINUTES: z.coerce.number().positive().default(15),
  KEMAI_RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).default(1200),
  KEMAI_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(300),
  KEMAI_RATE_LIMIT_SIGN_IN: z.coerce.number().int().min(1).default(20),
  KEMAI_STRONG_IDENTIFIERS: z
    .string()
    .default('phone,email,member_no,wechat_unionid,ecom_user_id,pos_card')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  KEMAI_JOBS: z.enum(['on', 'off']).default('on'),
  KEMAI_JOB_EXPIRE_SECONDS: z.coerce.number().int('a whole number of seconds').min(1).max(86_000).optional(),
  KEMAI_JOB_MAINTENANCE_SECONDS: z.coerce.number().int('a whole number of seconds').min(1).max(3600).default(60),
  KEMAI_REFERRAL_URL: z.string().url().default('https://kemai.example/join'),
  KEMAI_REFERRAL_CAP: z.coerce.number().int().min(0).default(20),
  KEMAI_REFERRAL_MIN_PAID: z
    .string()
    .default('1.00')
    .refine((v) => (parseMoney(v) ?? -1) >= 0, 'an amount in yuan with at most 2 decimals, e.g. "50.00"'),
  KEMAI_MESSAGING_SECRET: z.string().min(16, 'at least 16 characters').default('kemai-dev-messaging-secret-change-me'),
  KEMAI_BRAND_NAME: z.string().trim().min(1).max(100).default('Kemai'),
  KEMAI_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  KEMAI_RETENTION_EVENTS_MONTHS: z.coerce.number().int('a whole number of months').min(0).max(1200).default(24),
  KEMAI_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  KEMAI_SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(25),
  KEMAI_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** A streaming replica of DATABASE_URL for the analytics reads (docs/deploy/read-replicas.md), and how far it may lag before they go to the primary. */
  replicaUrl: string | undefined;
  replicaMaxLagSeconds: number;
  dataDir: string;
  timeZone: string;
  defaultRegion: string;
  logLevel: z.infer<typeof ConfigSchema>['KEMAI_LOG_LEVEL'];
  bodyLimitBytes: number;
  /** Where files uploaded through the console wait to be imported (`<dataDir>/imports` by default). */
  importDir: string;
  importLimitBytes: number;
  demo: 'auto' | 'never';
  demoCustomers: number;
  sessionTtlHours: number;
  /** Sign-in lockout: this many wrong passwords in a row lock the account for `loginLockMinutes`. */
  loginMaxFailures: number;
  loginLockMinutes: number;
  /** Requests per minute, per process: per API key or staff session, per IP when unauthenticated, sign-in attempts per IP. */
  rateLimitPerKey: number;
  rateLimitPerIp: number;
  rateLimitSignIn: number;
  strongIdentifiers: string[];
  jobs: boolean;
  /** Jobs (tests and operations): a cap on every queue's expiry and retry delay, and how often an expired job of a dead process is retried. */
  jobExpireCapSeconds: number | undefined;
  jobMaintenanceSeconds: number;
  /** Referrals (loyalty): the page a referral link opens, the cap per referrer, the least net paid (fen) that rewards. */
  referralUrl: string;
  referralCap: number;
  referralMinPaidFen: number;
  /** Messaging: signs unsubscribe links (HMAC-SHA256); the brand name templates print as {{brand}}; the public base URL of links. */
  messagingSecret: string;
  brandName: string;
  publicUrl: string;
  /** Behaviour events older than this many months (from the start of a month) are rolled up into monthly counts and deleted, nightly; 0 keeps them forever. */
  retentionEventsMonths: number;
  /** GET /metrics: with a token, `Authorization: Bearer <token>` is required; without one only loopback callers are answered. */
  metricsToken: string | undefined;
  /** `serve` on SIGTERM/SIGINT: past this many seconds of graceful shutdown it gives up and exits 1. */
  shutdownTimeoutSeconds: number;
  /** `kemai worker`: serve /metrics on this port (a worker has no API). */
  metricsPort: number | undefined;
};

export class ConfigError extends Error {}

/** Parse the environment once, at start-up; a bad value stops the process with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `PORT=` in an env file means "not set": without this it would coerce to port 0.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = ConfigSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.DATABASE_REPLICA_URL && !e.DATABASE_URL)
    throw new ConfigError('Invalid configuration:\n  DATABASE_REPLICA_URL: needs DATABASE_URL (a read replica of a PostgreSQL primary; the embedded database has none)');
  const dataDir = path.resolve(e.KEMAI_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    replicaUrl: e.DATABASE_REPLICA_URL,
    replicaMaxLagSeconds: e.KEMAI_REPLICA_MAX_LAG_SECONDS,
    dataDir,
    timeZone: e.KEMAI_TIMEZONE,
    defaultRegion: e.KEMAI_DEFAULT_REGION.toUpperCase(),
    logLevel: e.KEMAI_LOG_LEVEL,
    bodyLimitBytes: e.KEMAI_BODY_LIMIT_BYTES,
    importDir: e.KEMAI_IMPORT_DIR ? path.resolve(e.KEMAI_IMPORT_DIR) : path.join(dataDir, 'imports'),
    importLimitBytes: e.KEMAI_IMPORT_LIMIT_BYTES,
    demo: e.KEMAI_DEMO,
    demoCustomers: e.KEMAI_DEMO_CUSTOMERS,
    sessionTtlHours: e.KEMAI_SESSION_TTL_HOURS,
    loginMaxFailures: e.KEMAI_LOGIN_MAX_FAILURES,
    loginLockMinutes: e.KEMAI_LOGIN_LOCK_MINUTES,
    rateLimitPerKey: e.KEMAI_RATE_LIMIT_PER_KEY,
    rateLimitPerIp: e.KEMAI_RATE_LIMIT_PER_IP,
    rateLimitSignIn: e.KEMAI_RATE_LIMIT_SIGN_IN,
    strongIdentifiers: e.KEMAI_STRONG_IDENTIFIERS,
    jobs: e.KEMAI_JOBS === 'on',
    jobExpireCapSeconds: e.KEMAI_JOB_EXPIRE_SECONDS,
    jobMaintenanceSeconds: e.KEMAI_JOB_MAINTENANCE_SECONDS,
    referralUrl: e.KEMAI_REFERRAL_URL,
    referralCap: e.KEMAI_REFERRAL_CAP,
    referralMinPaidFen: parseMoney(e.KEMAI_REFERRAL_MIN_PAID)!,
    messagingSecret: e.KEMAI_MESSAGING_SECRET,
    brandName: e.KEMAI_BRAND_NAME,
    publicUrl: e.KEMAI_PUBLIC_URL.replace(/\/+$/, ''),
    retentionEventsMonths: e.KEMAI_RETENTION_EVENTS_MONTHS,
    metricsToken: e.KEMAI_METRICS_TOKEN,
    shutdownTimeoutSeconds: e.KEMAI_SHUTDOWN_TIMEOUT_SECONDS,
    metricsPort: e.KEMAI_METRICS_PORT,
  };
}
