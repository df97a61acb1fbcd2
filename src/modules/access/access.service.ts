import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { systemClock, type Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { SCOPES, type Principal, type Scope } from '../../platform/http/auth.js';
import { apiKeys, sessions, staff } from './db/access.schema.js';
import { ROLE_SCOPES, ROLES, type Role } from './domain/roles.js';
import { API_KEY_SORTS, STAFF_SORTS, USERNAME_PATTERN, type UpdateStaffInput } from './access.contract.js';

/** A key's last use is written at most this often, so a busy partner system costs one write a minute. */
const LAST_USED_EVERY_MS = 60_000;

// argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1).
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 } as const;

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const randomSecret = (bytes = 24) => crypto.randomBytes(bytes).toString('base64url');

export interface StaffView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  storeCode: string | null;
  mustChangePassword: boolean;
  disabled: boolean;
  /** Sign-in is refused until then after too many wrong passwords; null when not locked. */
  lockedUntil: string | null;
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: Scope[];
  /** The role whose scopes were copied when the key was made; null when scopes were chosen one by one. */
  role: Role | null;
  /** A guide or store_manager key's store (store scoping). */
  storeCode: string | null;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  /** Updated at most once a minute. */
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The key this one replaced by rotation. */
  rotatedFrom: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface StaffListQuery {
  q?: string | undefined;
  role?: Role | undefined;
  status?: 'active' | 'disabled' | undefined;
  sort: string;
  page: number;
  pageSize: number;
}

export interface ApiKeyListQuery {
  q?: string | undefined;
  status?: 'active' | 'revoked' | undefined;
  sort: string;
  page: number;
  pageSize: number;
}

/** `%`, `_` and `\` in a search are literal characters, not patterns. */
const contains = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function orderOf(sort: string, allowed: readonly string[], columns: Record<string, SQL>, tieBreak: SQL): SQL {
  const desc = sort.startsWith('-');
  const key = desc ? sort.slice(1) : sort;
  if (!allowed.includes(key))
    throw invalid('access.bad_sort', `Cannot sort by ${key}; choose one of ${allowed.join(', ')}`, [{ path: 'sort', message: `unknown: ${key}` }]);
  return desc ? sql`${columns[key]} desc nulls last, ${tieBreak} desc` : sql`${columns[key]} asc nulls first, ${tieBreak} asc`;
}

function toStaffView(r: typeof staff.$inferSelect, now = new Date()): StaffView {
  return {
    id: r.id,
    username: r.username,
    displayName: r.displayName,
    role: r.role as Role,
    storeCode: r.storeCode,
    mustChangePassword: r.mustChangePassword,
    disabled: !!r.disabledAt,
    lockedUntil: r.lockedUntil && r.lockedUntil > now ? r.lockedUntil.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
  };
}

export function parseScopes(input: string[]): Scope[] {
  const bad = input.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length)
    throw invalid('access.unknown_scope', `Unknown scope ${bad.join(', ')}; known: ${SCOPES.join(', ')}`, [
      { path: 'scopes', message: `unknown: ${bad.join(', ')}` },
    ]);
  return [...new Set(input)] as Scope[];
}

export interface AccessOptions {
  /** Wrong passwords in a row that lock an account (default 5). */
  maxFailures?: number;
  /** How long a lock lasts (default 15). */
  lockMinutes?: number;
  clock?: Clock;
}

export class AccessService {
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    private readonly sessionTtlHours: number,
    opts: AccessOptions = {},
  ) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.lockMs = (opts.lockMinutes ?? 15) * 60_000;
    this.clock = opts.clock ?? systemClock;
  }

  /** First start: create `admin` with a one-time password, printed once by the caller. */
  async ensureInitialAdmin(): Promise<{ username: string; password: string } | undefined> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(staff);
    if ((row?.n ?? 0) > 0) return undefined;
    try {
      const { password } = await this.createStaff({ username: 'admin', displayName: 'Administrator', role: 'admin' });
      return { username: 'admin', password };
    } catch (err) {
      // Several servers starting at once on a new database: another one made the first admin (and shows its password).
      if (err instanceof AppError && err.code === 'access.username_taken') return undefined;
      throw err;
    }
  }

  /** `actor`: who does it, as the audit log names them (`staff:<id>`, `key:<id>`, `system`). */
  async createStaff(
    input: {
      username: string;
      displayName?: string;
      role: string;
      storeCode?: string | null;
      password?: string;
    },
    actor = 'system',
  ): Promise<{ staff: StaffView; password: string }> {
    if (!(ROLES as readonly string[]).includes(input.role))
      throw invalid('access.unknown_role', `Unknown role ${input.role}; roles: ${ROLES.join(', ')}`, [
        { path: 'role', message: `unknown role ${input.role}` },
      ]);
    if (!USERNAME_PATTERN.test(input.username))
      throw invalid('access.bad_username', 'Username: 2–64 letters, digits, dot, dash or underscore', [
        { path: 'username', message: 'invalid' },
      ]);
    const password = input.password ?? randomSecret(12);
    if (password.length < 10)
      throw invalid('access.weak_password', 'Password must have at least 10 characters', [
        { path: 'password', message: 'too short' },
      ]);
    const passwordHash = await hash(password, ARGON);
    const row = await this.db.transaction(async (tx) => {
      const rows = await tx
        .insert(staff)
        .values({
          id: newId(),
          username: input.username,
          displayName: input.displayName ?? input.username,
          role: input.role,
          storeCode: input.storeCode ?? null,
          passwordHash,
          mustChangePassword: input.password === undefined,
        })
        .onConflictDoNothing()
        .returning();
      const created = rows[0];
      if (!created) throw conflict('access.username_taken', `Username ${input.username} is taken`);
      await appendAudit(tx, { actor, action: 'access.staff_create', targetType: 'staff', targetId: created.id, details: { role: created.role, storeCode: created.storeCode } });
      return created;
    });
    return { staff: toStaffView(row), password };
  }

  async resetPassword(username: string, actor = 'system'): Promise<string> {
    const password = randomSecret(12);
    const passwordHash = await hash(password, ARGON);
    await this.db.transaction(async (tx) => {
      const [before] = await tx.select({ lockedUntil: staff.lockedUntil }).from(staff).where(eq(staff.username, username)).for('update');
      // A reset also lifts a sign-in lock and clears the count of wrong passwords.
      const rows = await tx
        .update(staff)
        .set({ passwordHash, mustChangePassword: true, failedLogins: 0, lockedUntil: null })
        .where(eq(staff.username, username))
        .returning({ id: staff.id });
      if (!rows[0]) throw notFound('access.staff_not_found', `No staff account ${username}`);
      await tx.delete(sessions).where(eq(sessions.staffId, rows[0].id));
      await appendAudit(tx, { actor, action: 'access.password_reset', targetType: 'staff', targetId: rows[0].id });
      if (before?.lockedUntil && before.lockedUntil > this.clock.now()) await appendAudit(tx, { actor, action: 'access.unlock', targetType: 'staff', targetId: rows[0].id });
    });
    return password;
  }

  async changePassword(staffId: string, current: string, next: string): Promise<void> {
    const [row] = await this.db.select().from(staff).where(eq(staff.id, staffId));
    if (!row || !(await verify(row.passwordHash, current)))
      throw new AppError('unauthenticated', 'auth.invalid_credentials', 'Current password is wrong');
    if (next.length < 10)
      throw invalid('access.weak_password', 'Password must have at least 10 characters', [
        { path: 'newPassword', message: 'too short' },
      ]);
    await this.db
      .update(staff)
      .set({ passwordHash: await hash(next, ARGON), mustChangePassword: false })
      .where(eq(staff.id, staffId));
  }

  async listStaff(): Promise<StaffView[]> {
    const rows = await this.db.select().from(staff).orderBy(sql`${staff.username} collate "C"`);
    return rows.map((r) => toStaffView(r, this.clock.now()));
  }

  /** The console's staff list: search by username or display name, filter by role and status, sorted and paged. */
  async pageStaff(l: StaffListQuery): Promise<Page<StaffView>> {
    const where: SQL[] = [];
    const q = l.q?.trim();
    if (q) where.push(sql`(${staff.username} ilike ${contains(q)} or ${staff.displayName} ilike ${contains(q)})`);
    if (l.role) where.push(eq(staff.role, l.role));
    if (l.status === 'active') where.push(isNull(staff.disabledAt));
    if (l.status === 'disabled') where.push(sql`${staff.disabledAt} is not null`);
    const order = orderOf(
      l.sort,
      STAFF_SORTS,
      {
        username: sql`${staff.username} collate "C"`,
        displayName: sql`${staff.displayName} collate "C"`,
        role: sql`${staff.role} collate "C"`,
        createdAt: sql`${staff.createdAt}`,
      },
      sql`${staff.id}`,
    );
    const filter = where.length ? and(...where) : undefined;
    const [rows, counted] = await Promise.all([
      this.db.select().from(staff).where(filter).orderBy(order).limit(l.pageSize).offset((l.page - 1) * l.pageSize),
      this.db.select({ n: sql<number>`count(*)::int` }).from(staff).where(filter),
    ]);
    return { items: rows.map((r) => toStaffView(r, this.clock.now())), total: counted[0]!.n };
  }

  /**
   * Change a person's display name, role, store or whether they may sign in. Disabling ends their
   * sessions at once. The last active administrator can be neither demoted nor disabled, and two
   * admins demoting each other at the same time cannot both succeed. Each change of role, store or
   * disabled writes one audit entry (`access.role_change`, `access.store_change`, `access.staff_disable`
   * / `access.staff_enable`) in the same transaction; a display name alone writes none.
   */
  async updateStaff(username: string, input: UpdateStaffInput, actor = 'system'): Promise<StaffView> {
    const row = await this.db.transaction(async (tx) => {
      // The person and every active admin, locked in id order (two admins demoting each other wait
      // for one another instead of deadlocking; the second then sees the first one's change).
      const locked = await tx
        .select()
        .from(staff)
        .where(or(eq(staff.username, username), and(eq(staff.role, 'admin'), isNull(staff.disabledAt))))
        .orderBy(staff.id)
        .for('update');
      const current = locked.find((r) => r.username === username);
      if (!current) throw notFound('access.staff_not_found', `No staff account ${username}`);
      const staysAdmin = (input.role ?? current.role) === 'admin';
      const staysActive = input.disabled === undefined ? !current.disabledAt : !input.disabled;
      const otherAdmins = locked.filter((r) => r.id !== current.id && r.role === 'admin' && !r.disabledAt);
      if (current.role === 'admin' && !current.disabledAt && !(staysAdmin && staysActive) && otherAdmins.length === 0)
        throw conflict(
          'access.last_admin',
          `${username} is the last active administrator; make another person an administrator before ${staysActive ? 'changing this role' : 'disabling this account'}`,
        );
      const disabledAt = input.disabled === undefined ? current.disabledAt : input.disabled ? (current.disabledAt ?? this.clock.now()) : null;
      // Enabling (disabled: false) also lifts a sign-in lock.
      const unlock = input.disabled === false;
      const wasLocked = !!current.lockedUntil && current.lockedUntil > this.clock.now();
      const [updated] = await tx
        .update(staff)
        .set({
          displayName: input.displayName ?? current.displayName,
          role: input.role ?? current.role,
          storeCode: input.storeCode === undefined ? current.storeCode : input.storeCode,
          disabledAt,
          ...(unlock ? { failedLogins: 0, lockedUntil: null } : {}),
        })
        .where(eq(staff.id, current.id))
        .returning();
      // A disabled person is signed out everywhere; a new role takes effect on their next request anyway.
      if (disabledAt) await tx.delete(sessions).where(eq(sessions.staffId, current.id));
      const audit = (action: string, details: Record<string, string | null>) => appendAudit(tx, { actor, action, targetType: 'staff', targetId: current.id, details });
      if (updated!.role !== current.role) await audit('access.role_change', { from: current.role, to: updated!.role });
      if (updated!.storeCode !== current.storeCode) await audit('access.store_change', { from: current.storeCode, to: updated!.storeCode });
      if (!!updated!.disabledAt !== !!current.disabledAt) await audit(updated!.disabledAt ? 'access.staff_disable' : 'access.staff_enable', {});
      if (unlock && wasLocked) await audit('access.unlock', {});
      return updated!;
    });
    return toStaffView(row, this.clock.now());
  }

  /**
   * Sign in. `maxFailures` wrong passwords in a row lock the account for `lockMinutes` (audit `access.lockout`);
   * while locked even the right password is refused, with the same error as a wrong one, so a caller learns
   * neither that the account exists nor that it is locked. A sign-in resets the count; so do an admin's
   * password reset and enabling the account, which also lift the lock.
   */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: string; staff: StaffView }> {
    const refused = () => new AppError('unauthenticated', 'auth.invalid_credentials', 'Wrong username or password');
    const [row] = await this.db.select().from(staff).where(eq(staff.username, username));
    const now = this.clock.now();
    const locked = !!row?.lockedUntil && row.lockedUntil > now;
    // Verify against a dummy hash when the user is unknown or locked so timing reveals neither.
    const ok = row && !locked ? await verify(row.passwordHash, password) : (await verify(DUMMY_HASH, password), false);
    if (!row || locked) throw refused();
    if (!ok) {
      await this.countFailure(row.id, now);
      throw refused();
    }
    if (row.disabledAt) throw refused();
    const token = `kms_${randomSecret(32)}`;
    const expiresAt = new Date(now.getTime() + this.sessionTtlHours * 3600_000);
    await this.db.transaction(async (tx) => {
      if (row.failedLogins !== 0 || row.lockedUntil) await tx.update(staff).set({ failedLogins: 0, lockedUntil: null }).where(eq(staff.id, row.id));
      await tx.insert(sessions).values({ tokenHash: sha256(token), staffId: row.id, expiresAt });
    });
    return { token, expiresAt: expiresAt.toISOString(), staff: toStaffView({ ...row, failedLogins: 0, lockedUntil: null }, now) };
  }

  /** One more wrong password: the count starts again after a lock has passed; reaching the limit locks the account. */
  private async countFailure(staffId: string, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [cur] = await tx.select({ failedLogins: staff.failedLogins, lockedUntil: staff.lockedUntil }).from(staff).where(eq(staff.id, staffId)).for('update');
      if (!cur) return;
      if (cur.lockedUntil && cur.lockedUntil > now) return; // locked meanwhile by a concurrent attempt
      const failures = (cur.lockedUntil ? 0 : cur.failedLogins) + 1;
      const lock = failures >= this.maxFailures;
      await tx
        .update(staff)
        .set({ failedLogins: failures, lockedUntil: lock ? new Date(now.getTime() + this.lockMs) : null })
        .where(eq(staff.id, staffId));
      if (lock)
        await appendAudit(tx, {
          actor: 'system',
          action: 'access.lockout',
          targetType: 'staff',
          targetId: staffId,
          details: { failures, minutes: this.lockMs / 60_000 },
          at: now,
        });
    });
  }

  async logout(token: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
  }

  /** `actor`: who makes it, as the audit log names them (`system` when absent). */
  async createApiKey(input: {
    name: string;
    scopes?: string[] | undefined;
    role?: string | undefined;
    storeCode?: string | undefined;
    createdBy?: string;
    actor?: string;
  }): Promise<{
    apiKey: ApiKeyView;
    key: string;
  }> {
    if (input.role !== undefined && !(ROLES as readonly string[]).includes(input.role))
      throw invalid('access.unknown_role', `Unknown role ${input.role}; roles: ${ROLES.join(', ')}`, [
        { path: 'role', message: `unknown role ${input.role}` },
      ]);
    const scopes = input.role !== undefined ? SCOPES.filter((s) => ROLE_SCOPES[input.role as Role].has(s)) : parseScopes(input.scopes ?? []);
    if (!scopes.length) throw invalid('access.no_scopes', 'An API key needs a role or at least one scope', [{ path: 'scopes', message: 'empty' }]);
    if (!input.name.trim()) throw invalid('access.bad_name', 'An API key needs a name', [{ path: 'name', message: 'empty' }]);
    const storeBound = input.role === 'guide' || input.role === 'store_manager';
    if (storeBound && !input.storeCode?.trim())
      throw invalid('access.store_required', `A key with the ${input.role} role belongs to a store and sees only its customers: give storeCode`, [
        { path: 'storeCode', message: `is required for the ${input.role} role` },
      ]);
    if (!storeBound && input.storeCode !== undefined)
      throw invalid('access.store_not_allowed', 'Only a key with the guide or store_manager role belongs to a store', [
        { path: 'storeCode', message: 'only for the guide or store_manager role' },
      ]);
    const storeCode = storeBound ? input.storeCode!.trim() : null;
    const id = newId();
    const secret = randomSecret(32);
    const row = await this.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(apiKeys)
        .values({ id, name: input.name.trim(), secretHash: sha256(secret), scopes, role: input.role ?? null, storeCode, createdBy: input.createdBy ?? null })
        .returning();
      await appendAudit(tx, { actor: input.actor ?? 'system', action: 'access.apikey_create', targetType: 'api_key', targetId: id, details: { role: input.role ?? null, storeCode, scopes } });
      return created;
    });
    return { apiKey: toKeyView(row!), key: `km_${id.replace(/-/g, '')}_${secret}` };
  }

  /** A short-lived full-access key for the CLI to use the running server (never printed). */
  async createLocalKey(ttlHours = 24 * 30): Promise<string> {
    const id = newId();
    const secret = randomSecret(32);
    await this.db.insert(apiKeys).values({
      id,
      name: 'local-cli',
      secretHash: sha256(secret),
      scopes: [...SCOPES],
      createdBy: 'server',
      expiresAt: new Date(Date.now() + ttlHours * 3600_000),
    });
    return `km_${id.replace(/-/g, '')}_${secret}`;
  }

  async listApiKeys(): Promise<ApiKeyView[]> {
    const rows = await this.db.select().from(apiKeys).where(sql`${apiKeys.name} <> 'local-cli'`).orderBy(apiKeys.createdAt);
    return rows.map(toKeyView);
  }

  /** The console's key list (the CLI's own short-lived keys left out): search by name, active or revoked, sorted and paged. */
  async pageApiKeys(l: ApiKeyListQuery): Promise<Page<ApiKeyView>> {
    const where: SQL[] = [sql`${apiKeys.name} <> 'local-cli'`];
    const q = l.q?.trim();
    if (q) where.push(sql`${apiKeys.name} ilike ${contains(q)}`);
    if (l.status === 'active') where.push(isNull(apiKeys.revokedAt));
    if (l.status === 'revoked') where.push(sql`${apiKeys.revokedAt} is not null`);
    const order = orderOf(
      l.sort,
      API_KEY_SORTS,
      { name: sql`${apiKeys.name} collate "C"`, createdAt: sql`${apiKeys.createdAt}`, lastUsedAt: sql`${apiKeys.lastUsedAt}` },
      sql`${apiKeys.id}`,
    );
    const filter = and(...where);
    const [rows, counted] = await Promise.all([
      this.db.select().from(apiKeys).where(filter).orderBy(order).limit(l.pageSize).offset((l.page - 1) * l.pageSize),
      this.db.select({ n: sql<number>`count(*)::int` }).from(apiKeys).where(filter),
    ]);
    return { items: rows.map(toKeyView), total: counted[0]!.n };
  }

  async revokeApiKey(id: string, actor = 'system'): Promise<ApiKeyView> {
    const row = await this.db.transaction(async (tx) => {
      const rows = await tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning();
      if (!rows[0]) throw notFound('access.api_key_not_found', `No active API key ${id}`);
      await appendAudit(tx, { actor, action: 'access.apikey_revoke', targetType: 'api_key', targetId: id });
      return rows[0];
    });
    return toKeyView(row);
  }

  /**
   * Replace a key: a new key with the same name, role and scopes (its secret returned once), while the old one keeps
   * working for `graceHours` (0–168) so the partner system can switch over, then stops (expires_at). A revoked,
   * expired or already rotated key cannot be rotated (409). Audit `access.apikey_rotate` on the old key.
   */
  async rotateApiKey(
    id: string,
    opts: { graceHours?: number | undefined; createdBy?: string; actor?: string } = {},
  ): Promise<{ apiKey: ApiKeyView; key: string; previous: ApiKeyView }> {
    const graceHours = opts.graceHours ?? 24;
    if (!Number.isFinite(graceHours) || graceHours < 0 || graceHours > 168)
      throw invalid('access.bad_grace', 'graceHours must be between 0 and 168', [{ path: 'graceHours', message: 'between 0 and 168' }]);
    const now = this.clock.now();
    const newKeyId = newId();
    const secret = randomSecret(32);
    const { created, previous } = await this.db.transaction(async (tx) => {
      const [old] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for('update');
      if (!old) throw notFound('access.api_key_not_found', `No API key ${id}`);
      if (old.revokedAt) throw conflict('access.api_key_revoked', `API key ${id} is revoked; a revoked key cannot be rotated — create a new one`);
      if (old.expiresAt && old.expiresAt <= now) throw conflict('access.api_key_expired', `API key ${id} has expired; an expired key cannot be rotated — create a new one`);
      const [successor] = await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.rotatedFrom, id)).limit(1);
      if (successor) throw conflict('access.api_key_rotated', `API key ${id} was already rotated to ${successor.id}; rotate that one instead`);
      const graceEnd = new Date(now.getTime() + graceHours * 3600_000);
      const [prev] = await tx
        .update(apiKeys)
        .set({ expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd })
        .where(eq(apiKeys.id, id))
        .returning();
      const [made] = await tx
        .insert(apiKeys)
        .values({
          id: newKeyId,
          name: old.name,
          secretHash: sha256(secret),
          scopes: old.scopes,
          role: old.role,
          storeCode: old.storeCode,
          createdBy: opts.createdBy ?? null,
          createdAt: now,
          rotatedFrom: id,
        })
        .returning();
      await appendAudit(tx, {
        actor: opts.actor ?? 'system',
        action: 'access.apikey_rotate',
        targetType: 'api_key',
        targetId: id,
        details: { newKeyId, graceHours },
        at: now,
      });
      return { created: made!, previous: prev! };
    });
    return { apiKey: toKeyView(created), key: `km_${newKeyId.replace(/-/g, '')}_${secret}`, previous: toKeyView(previous) };
  }

  async authenticate(token: string): Promise<Principal | undefined> {
    if (token.startsWith('km_')) return this.authenticateKey(token);
    if (token.startsWith('kms_')) return this.authenticateSession(token);
    return undefined;
  }

  private async authenticateKey(token: string): Promise<Principal | undefined> {
    const m = /^km_([0-9a-f]{32})_([A-Za-z0-9_-]{20,})$/.exec(token);
    if (!m) return undefined;
    const hex = m[1]!;
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    // Every key honours expires_at: the CLI's local keys and keys replaced by rotation once their grace ends.
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= this.clock.now())) return undefined;
    const given = Buffer.from(sha256(m[2]!));
    if (!crypto.timingSafeEqual(given, Buffer.from(row.secretHash))) return undefined;
    const now = this.clock.now().getTime();
    if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= LAST_USED_EVERY_MS) {
      // The condition repeats in SQL so concurrent requests of one key still write once.
      await this.db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(
          and(
            eq(apiKeys.id, row.id),
            sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} <= ${new Date(now - LAST_USED_EVERY_MS).toISOString()}::timestamptz)`,
          ),
        );
    }
    return {
      kind: 'apikey',
      id: row.id,
      name: row.name,
      ...(row.role ? { role: row.role } : {}),
      storeCode: row.storeCode,
      scopes: new Set(row.scopes as Scope[]),
    };
  }

  private async authenticateSession(token: string): Promise<Principal | undefined> {
    const rows = await this.db
      .select({ staff })
      .from(sessions)
      .innerJoin(staff, eq(staff.id, sessions.staffId))
      .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, this.clock.now()), isNull(staff.disabledAt)));
    const s = rows[0]?.staff;
    if (!s) return undefined;
    const scopes = ROLE_SCOPES[s.role as Role] ?? new Set<Scope>();
    return { kind: 'staff', id: s.id, name: s.username, role: s.role, storeCode: s.storeCode, scopes };
  }

  async me(principal: Principal): Promise<StaffView | undefined> {
    if (principal.kind !== 'staff') return undefined;
    const [row] = await this.db.select().from(staff).where(eq(staff.id, principal.id));
    return row ? toStaffView(row) : undefined;
  }
}

const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ia9S0r2bqGOM6o7eYcHHGr9VyXu9eoBN7xWIeT4jYg';

function toKeyView(r: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes as Scope[],
    role: (r.role as Role | null) ?? null,
    storeCode: r.storeCode ?? null,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    rotatedFrom: r.rotatedFrom ?? null,
  };
}
