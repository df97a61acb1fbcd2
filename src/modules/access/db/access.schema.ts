import { boolean, index, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const access = pgSchema('access');

export const staff = access.table('staff', {
  id: uuid('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role').notNull(),
  storeCode: text('store_code'),
  passwordHash: text('password_hash').notNull(),
  mustChangePassword: boolean('must_change_password').notNull().default(true),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** Wrong passwords in a row since the last sign-in (or the last lock); the account locks at KEMAI_LOGIN_MAX_FAILURES. */
  failedLogins: integer('failed_logins').notNull().default(0),
  /** Sign-in is refused until then (lockout); an admin password reset or enable clears it. */
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const sessions = access.table(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    staffId: uuid('staff_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_staff_idx').on(t.staffId)],
);

export const apiKeys = access.table('api_keys', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  secretHash: text('secret_hash').notNull(),
  scopes: text('scopes').array().notNull(),
  /** The role whose scopes were copied when the key was made; null for a key given scopes one by one. */
  role: text('role'),
  /** A key made for the guide or store_manager role belongs to a store and sees only that store's customers. */
  storeCode: text('store_code'),
  createdBy: text('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  /** The key this one replaced (rotation); the old key keeps working until its expires_at. */
  rotatedFrom: uuid('rotated_from'),
});
