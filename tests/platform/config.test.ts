import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/platform/config.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      replicaUrl: undefined,
      replicaMaxLagSeconds: 30,
      dataDir: path.resolve('.kemai/data'),
      timeZone: 'Asia/Shanghai',
      defaultRegion: 'CN',
      logLevel: 'info',
      bodyLimitBytes: 5 * 1024 * 1024,
      importDir: path.resolve('.kemai/data/imports'),
      importLimitBytes: 200 * 1024 * 1024,
      demo: 'auto',
      demoCustomers: 20000,
      sessionTtlHours: 12,
      loginMaxFailures: 5,
      loginLockMinutes: 15,
      rateLimitPerKey: 1200,
      rateLimitPerIp: 300,
      rateLimitSignIn: 20,
      strongIdentifiers: ['phone', 'email', 'member_no', 'wechat_unionid', 'ecom_user_id', 'pos_card'],
      jobs: true,
      jobExpireCapSeconds: undefined,
      jobMaintenanceSeconds: 60,
      referralUrl: 'https://kemai.example/join',
      referralCap: 20,
      referralMinPaidFen: 100,
      messagingSecret: 'kemai-dev-messaging-secret-change-me',
      brandName: 'Kemai',
      publicUrl: 'http://localhost:3000',
      retentionEventsMonths: 24,
      metricsToken: undefined,
      shutdownTimeoutSeconds: 25,
      metricsPort: undefined,
    });
  });

  it('reads and converts every setting it is given', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://kemai@db.example:5432/kemai',
      DATABASE_REPLICA_URL: 'postgres://kemai@replica.example:5432/kemai',
      KEMAI_REPLICA_MAX_LAG_SECONDS: '10',
      KEMAI_DATA_DIR: '/var/lib/kemai',
      KEMAI_TIMEZONE: 'Europe/London',
      KEMAI_DEFAULT_REGION: 'gb',
      KEMAI_LOG_LEVEL: 'warn',
      KEMAI_BODY_LIMIT_BYTES: '1024',
      KEMAI_IMPORT_DIR: '/srv/kemai-uploads',
      KEMAI_IMPORT_LIMIT_BYTES: '2048',
      KEMAI_DEMO: 'never',
      KEMAI_DEMO_CUSTOMERS: '500',
      KEMAI_SESSION_TTL_HOURS: '1.5',
      KEMAI_LOGIN_MAX_FAILURES: '3',
      KEMAI_LOGIN_LOCK_MINUTES: '30',
      KEMAI_RATE_LIMIT_PER_KEY: '600',
      KEMAI_RATE_LIMIT_PER_IP: '100',
      KEMAI_RATE_LIMIT_SIGN_IN: '10',
      KEMAI_STRONG_IDENTIFIERS: ' phone , member_no ,,',
      KEMAI_JOBS: 'off',
      KEMAI_JOB_EXPIRE_SECONDS: '12',
      KEMAI_JOB_MAINTENANCE_SECONDS: '5',
      KEMAI_REFERRAL_URL: 'https://shop.example/invite?utm=member',
      KEMAI_REFERRAL_CAP: '5',
      KEMAI_REFERRAL_MIN_PAID: '49.90',
      KEMAI_MESSAGING_SECRET: 'a-secret-of-sixteen-or-more',
      KEMAI_BRAND_NAME: '小熊母婴',
      KEMAI_PUBLIC_URL: 'https://crm.example/',
      KEMAI_RETENTION_EVENTS_MONTHS: '36',
      KEMAI_METRICS_TOKEN: 'a-token-of-16-chars+',
      KEMAI_SHUTDOWN_TIMEOUT_SECONDS: '40',
      KEMAI_METRICS_PORT: '9464',
    });
    expect(c).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://kemai@db.example:5432/kemai',
      replicaUrl: 'postgres://kemai@replica.example:5432/kemai',
      replicaMaxLagSeconds: 10,
      dataDir: '/var/lib/kemai',
      timeZone: 'Europe/London',
      defaultRegion: 'GB',
      logLevel: 'warn',
      bodyLimitBytes: 1024,
      importDir: '/srv/kemai-uploads',
      importLimitBytes: 2048,
      demo: 'never',
      demoCustomers: 500,
      sessionTtlHours: 1.5,
      loginMaxFailures: 3,
      loginLockMinutes: 30,
      rateLimitPerKey: 600,
      rateLimitPerIp: 100,
      rateLimitSignIn: 10,
      strongIdentifiers: ['phone', 'member_no'],
      jobs: false,
      jobExpireCapSeconds: 12,
      jobMaintenanceSeconds: 5,
      referralUrl: 'https://shop.example/invite?utm=member',
      referralCap: 5,
      referralMinPaidFen: 4990,
      messagingSecret: 'a-secret-of-sixteen-or-more',
      brandName: '小熊母婴',
      publicUrl: 'https://crm.example',
      retentionEventsMonths: 36,
      metricsToken: 'a-token-of-16-chars+',
      shutdownTimeoutSeconds: 40,
      metricsPort: 9464,
    });
  });

  it('names every invalid setting in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', KEMAI_TIMEZONE: 'Mars/Olympus_Mons', KEMAI_LOG_LEVEL: 'loud', DATABASE_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    const named = lines.slice(1).map((l) => l.trim().split(':')[0]).sort();
    expect(named).toEqual(['DATABASE_URL', 'KEMAI_LOG_LEVEL', 'KEMAI_TIMEZONE', 'PORT']);
    expect((error as Error).message).toContain('KEMAI_TIMEZONE: not an IANA time zone');
  });

  it('refuses out-of-range numbers and unknown switches', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT:/);
    expect(() => loadConfig({ KEMAI_BODY_LIMIT_BYTES: '0' })).toThrow(/KEMAI_BODY_LIMIT_BYTES:/);
    expect(() => loadConfig({ KEMAI_DEMO: 'sometimes' })).toThrow(/KEMAI_DEMO:/);
    expect(() => loadConfig({ KEMAI_JOBS: 'yes' })).toThrow(/KEMAI_JOBS:/);
    expect(() => loadConfig({ KEMAI_DEFAULT_REGION: 'CHN' })).toThrow(/KEMAI_DEFAULT_REGION:/);
    // Scale-out and operations settings: a bad value names its variable and what is wrong.
    expect(() => loadConfig({ KEMAI_METRICS_PORT: '70000' })).toThrow(/KEMAI_METRICS_PORT:/);
    expect(() => loadConfig({ KEMAI_METRICS_TOKEN: 'short' })).toThrow(/KEMAI_METRICS_TOKEN: at least 16 characters/);
    expect(() => loadConfig({ KEMAI_SHUTDOWN_TIMEOUT_SECONDS: '0' })).toThrow(/KEMAI_SHUTDOWN_TIMEOUT_SECONDS:/);
    expect(() => loadConfig({ KEMAI_JOB_EXPIRE_SECONDS: '1.5' })).toThrow(/KEMAI_JOB_EXPIRE_SECONDS: a whole number of seconds/);
    expect(() => loadConfig({ KEMAI_JOB_MAINTENANCE_SECONDS: '0' })).toThrow(/KEMAI_JOB_MAINTENANCE_SECONDS:/);
    expect(() => loadConfig({ KEMAI_REPLICA_MAX_LAG_SECONDS: '-1' })).toThrow(/KEMAI_REPLICA_MAX_LAG_SECONDS:/);
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://r.example/kemai' })).toThrow(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
  });
});

describe('loadConfig with empty values', () => {
  it('treats an empty variable as unset rather than as zero or an invalid URL', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: '', KEMAI_TIMEZONE: ' ' });
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.timeZone).toBe('Asia/Shanghai');
  });
});
