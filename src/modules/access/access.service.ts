import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { SCOPES, type Principal, type Scope } from '../../platform/http/auth.js';
import { apiKeys, sessions, staff } from './db/access.schema.js';
import { ROLE_SCOPES, ROLES, type Role } from './domain/roles.js';

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
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toStaffView(r: typeof staff.$inferSelect): StaffView {
  return {
    id: r.id,
    username: r.username,
    displayName: r.displayName,
    role: r.role as Role,
    storeCode: r.storeCode,
    mustChangePassword: r.mustChangePassword,
    disabled: !!r.disabledAt,
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

export class AccessService {
  constructor(
    private readonly db: Db,
    private readonly sessionTtlHours: number,
  ) {}

  /** First start: create `admin` with a one-time password, printed once by the caller. */
  async ensureInitialAdmin(): Promise<{ username: string; password: string } | undefined> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(staff);
    if ((row?.n ?? 0) > 0) return undefined;
    const { password } = await this.createStaff({ username: 'admin', displayName: 'Administrator', role: 'admin' });
    return { username: 'admin', password };
  }

  async createStaff(input: {
    username: string;
    displayName?: string;
    role: string;
    storeCode?: string | null;
    password?: string;
  }): Promise<{ staff: StaffView; password: string }> {
    if (!(ROLES as readonly string[]).includes(input.role))
      throw invalid('access.unknown_role', `Unknown role ${input.role}; roles: ${ROLES.join(', ')}`, [
        { path: 'role', message: `unknown role ${input.role}` },
      ]);
    if (!/^[a-zA-Z0-9._-]{2,64}$/.test(input.username))
      throw invalid('access.bad_username', 'Username: 2–64 letters, digits, dot, dash or underscore', [
        { path: 'username', message: 'invalid' },
      ]);
    const password = input.password ?? randomSecret(12);
    if (password.length < 10)
      throw invalid('access.weak_password', 'Password must have at least 10 characters', [
        { path: 'password', message: 'too short' },
      ]);
    const passwordHash = await hash(password, ARGON);
    const rows = await this.db
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
    const row = rows[0];
    if (!row) throw conflict('access.username_taken', `Username ${input.username} is taken`);
    return { staff: toStaffView(row), password };
  }

  async resetPassword(username: string): Promise<string> {
    const password = randomSecret(12);
    const rows = await this.db
      .update(staff)
      .set({ passwordHash: await hash(password, ARGON), mustChangePassword: true })
      .where(eq(staff.username, username))
      .returning({ id: staff.id });
    if (!rows[0]) throw notFound('access.staff_not_found', `No staff account ${username}`);
    await this.db.delete(sessions).where(eq(sessions.staffId, rows[0].id));
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
    const rows = await this.db.select().from(staff).orderBy(staff.username);
    return rows.map(toStaffView);
  }

  async login(username: string, password: string): Promise<{ token: string; expiresAt: string; staff: StaffView }> {
    const [row] = await this.db.select().from(staff).where(eq(staff.username, username));
    // Verify against a dummy hash when the user is unknown so timing does not reveal usernames.
    const ok = row ? await verify(row.passwordHash, password) : (await verify(DUMMY_HASH, password), false);
    if (!row || !ok || row.disabledAt)
      throw new AppError('unauthenticated', 'auth.invalid_credentials', 'Wrong username or password');
    const token = `kms_${randomSecret(32)}`;
    const expiresAt = new Date(Date.now() + this.sessionTtlHours * 3600_000);
    await this.db.insert(sessions).values({ tokenHash: sha256(token), staffId: row.id, expiresAt });
    return { token, expiresAt: expiresAt.toISOString(), staff: toStaffView(row) };
  }

  async logout(token: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
  }

  async createApiKey(input: { name: string; scopes: string[]; createdBy?: string }): Promise<{
    apiKey: ApiKeyView;
    key: string;
  }> {
    const scopes = parseScopes(input.scopes);
    if (!input.name.trim()) throw invalid('access.bad_name', 'An API key needs a name', [{ path: 'name', message: 'empty' }]);
    const id = newId();
    const secret = randomSecret(32);
    const [row] = await this.db
      .insert(apiKeys)
      .values({ id, name: input.name.trim(), secretHash: sha256(secret), scopes, createdBy: input.createdBy ?? null })
      .returning();
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

  async revokeApiKey(id: string): Promise<void> {
    const rows = await this.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (!rows[0]) throw notFound('access.api_key_not_found', `No active API key ${id}`);
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
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date())) return undefined;
    const given = Buffer.from(sha256(m[2]!));
    if (!crypto.timingSafeEqual(given, Buffer.from(row.secretHash))) return undefined;
    return { kind: 'apikey', id: row.id, name: row.name, scopes: new Set(row.scopes as Scope[]) };
  }

  private async authenticateSession(token: string): Promise<Principal | undefined> {
    const rows = await this.db
      .select({ staff })
      .from(sessions)
      .innerJoin(staff, eq(staff.id, sessions.staffId))
      .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, new Date()), isNull(staff.disabledAt)));
    const s = rows[0]?.staff;
    if (!s) return undefined;
    const scopes = ROLE_SCOPES[s.role as Role] ?? new Set<Scope>();
    return { kind: 'staff', id: s.id, name: s.username, role: s.role, scopes };
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
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}
