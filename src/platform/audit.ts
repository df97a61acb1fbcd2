import crypto from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { query, queryOne, type Db } from './db/database.js';
import type { Principal } from './http/auth.js';

/**
 * The tamper-evident audit log (platform.audit_log, ADR 0012). Every sensitive action appends one row in the
 * transaction that does it; each row's hash covers the previous row's hash and the row's own fields, so an edited,
 * deleted, inserted or reordered row breaks the chain at that point and `verifyAuditChain` names it.
 *
 * `details` must never hold a person's values (names, phones, free-text notes): ids, counts, codes and field names only.
 */

/** The previous hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The advisory lock that serialises appends: the two-key form (class 727274 = Kemai's platform locks, 1 = the audit
 * log), a key space apart from the one-key locks (the migration lock, hashtext() keys).
 */
const LOCK = sql`select pg_advisory_xact_lock(727274, 1)`;

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export type AuditValue = string | number | boolean | null | AuditValue[] | { [key: string]: AuditValue | undefined };

export interface AuditEntry {
  /** Who: `staff:<id>`, `key:<id>` (actorOf), `system`, or an internal caller's label (`cli:<os user>`). */
  actor: string;
  /** Dotted, lower case: `customers.merge`, `loyalty.adjust`, `access.role_change`, `export.segment`. */
  action: string;
  targetType: string;
  targetId: string;
  /** Ids, counts, codes and field names only — never personal data. */
  details?: Record<string, AuditValue | undefined>;
  /** When it happened; now when absent. Stored to the millisecond. */
  at?: Date;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, AuditValue>;
  prevHash: string;
  hash: string;
}

export type AuditProblem = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch';

export interface AuditVerification {
  ok: boolean;
  /** Rows found intact (all of them when ok; those before the first bad one otherwise). */
  rows: number;
  /** The last row's seq and hash when ok (null for an empty log): worth noting down, as a truncated tail leaves no trace in the chain itself. */
  headSeq: number | null;
  headHash: string | null;
  firstBadSeq?: number;
  problem?: AuditProblem;
  reason?: string;
}

/** How the audit log names a request's caller: `staff:<staff id>` or `key:<api key id>`; `system` without one. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'system';
  return principal.kind === 'staff' ? `staff:${principal.id}` : `key:${principal.id}`;
}

/**
 * JSON with object keys sorted (code-unit order) at every depth and undefined members left out, so the same value
 * hashes the same wherever it was read from (jsonb reorders keys; drivers differ in nothing else we store).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`audit details: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`audit details: a ${typeof value} cannot be stored`);
  }
}

/**
 * `at` as it is hashed: UTC with six fractional digits, exactly what `to_char(at at time zone 'UTC', …US)` reads back
 * on PostgreSQL and PGlite alike (timestamptz keeps microseconds; a JS Date has milliseconds, so the last three are 0).
 */
export function auditInstant(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

const AT_TEXT = sql.raw(`to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

interface HashedFields {
  seq: number;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details: unknown;
}

/** sha256 hex of the previous hash followed by the canonical JSON of the row's own fields (seq included). */
export function auditHash(prevHash: string, row: HashedFields): string {
  const body = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    details: row.details,
  });
  return crypto.createHash('sha256').update(prevHash).update(body).digest('hex');
}

/**
 * Append one entry, inside the caller's transaction when given one (`tx`), in a transaction of its own otherwise.
 * An advisory transaction lock serialises appends, so concurrent transactions still form one chain; the lock is held
 * until the caller's transaction ends, so call this last in it. `seq` is the last seq + 1, read under that lock: a
 * rolled-back append leaves no gap (a sequence would), so a gap always means a deleted row.
 */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  if (!ACTION.test(entry.action)) throw new TypeError(`audit action must be dotted lower case (area.verb): ${entry.action}`);
  for (const [name, v] of [
    ['actor', entry.actor],
    ['targetType', entry.targetType],
    ['targetId', entry.targetId],
  ] as const) {
    if (!v) throw new TypeError(`audit entry without ${name}`);
  }
  const details = JSON.parse(canonicalJson(entry.details ?? {})) as Record<string, AuditValue>;
  const at = auditInstant(entry.at ?? new Date());
  return db.transaction(async (tx) => {
    await tx.execute(LOCK);
    const last = await queryOne<{ seq: number | string; hash: string }>(tx, sql`select seq, hash from platform.audit_log order by seq desc limit 1`);
    const seq = last ? Number(last.seq) + 1 : 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = auditHash(prevHash, { seq, at, actor: entry.actor, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, details });
    await tx.execute(sql`insert into platform.audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, hash)
      values (${seq}, ${at}::timestamptz, ${entry.actor}, ${entry.action}, ${entry.targetType}, ${entry.targetId}, ${canonicalJson(details)}::jsonb, ${prevHash}, ${hash})`);
    return { seq, hash };
  });
}

interface RawRow {
  seq: number | string;
  at_text: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  details_text: string;
  prev_hash: string;
  hash: string;
}

/**
 * Walk the whole log in seq order, a page at a time, recomputing every hash. Detects: a missing seq (a deleted row),
 * a prev_hash that is not the previous row's hash (a row deleted, inserted or moved), a hash that does not match the
 * row's content (an edited row). The first problem found is reported.
 */
export async function verifyAuditChain(db: Db, opts: { pageSize?: number } = {}): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  let prev = GENESIS_HASH;
  let expected = 1;
  let rows = 0;
  for (;;) {
    const page = await query<RawRow>(
      db,
      sql`select seq, ${AT_TEXT} as at_text, actor, action, target_type, target_id, details::text as details_text, prev_hash, hash
          from platform.audit_log where seq >= ${expected} order by seq limit ${pageSize}`,
    );
    for (const r of page) {
      const seq = Number(r.seq);
      const bad = (firstBadSeq: number, problem: AuditProblem, reason: string): AuditVerification => ({
        ok: false,
        rows,
        headSeq: null,
        headHash: null,
        firstBadSeq,
        problem,
        reason,
      });
      if (seq !== expected) return bad(expected, 'seq_gap', `seq ${expected} is missing (the next row is seq ${seq}): a row was deleted`);
      if (r.prev_hash !== prev)
        return bad(seq, 'prev_hash_mismatch', `its prev_hash is not the hash of seq ${seq - 1 || 'genesis'}: a row before it was deleted, inserted or reordered`);
      const details = JSON.parse(r.details_text) as unknown;
      const hash = auditHash(prev, { seq, at: r.at_text, actor: r.actor, action: r.action, targetType: r.target_type, targetId: r.target_id, details });
      if (hash !== r.hash) return bad(seq, 'hash_mismatch', 'its content does not match its hash: the row was edited');
      prev = r.hash;
      expected = seq + 1;
      rows++;
    }
    if (page.length < pageSize) break;
  }
  // Rows before seq 1 (0, negatives) are never written by appendAudit: their presence is tampering too.
  const stray = await queryOne<{ seq: number | string }>(db, sql`select seq from platform.audit_log where seq < 1 order by seq limit 1`);
  if (stray) {
    const seq = Number(stray.seq);
    return { ok: false, rows, headSeq: null, headHash: null, firstBadSeq: seq, problem: 'seq_gap', reason: `seq ${seq} is out of the chain (seqs start at 1): a row was inserted` };
  }
  return { ok: true, rows, headSeq: rows ? expected - 1 : null, headHash: rows ? prev : null };
}

export interface AuditFilters {
  /** Exact, or a prefix ending in `.*` (`customers.*`). */
  action?: string | undefined;
  actor?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** at >= from */
  from?: Date | undefined;
  /** at < to */
  to?: Date | undefined;
  /** Entries with seq below this one (the previous page's nextBefore). */
  before?: number | undefined;
  limit?: number | undefined;
}

const likePrefix = (p: string) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Entries newest first, filtered, a page at a time (keyset on seq: `nextBefore` fetches the next page, null at the end). */
export async function listAudit(db: Db, f: AuditFilters = {}): Promise<{ items: AuditRecord[]; nextBefore: number | null }> {
  const limit = Math.max(1, Math.min(f.limit ?? 50, 1000));
  const where: SQL[] = [sql`true`];
  if (f.action !== undefined) where.push(f.action.endsWith('.*') ? sql`action like ${likePrefix(f.action.slice(0, -1))}` : sql`action = ${f.action}`);
  if (f.actor !== undefined) where.push(sql`actor = ${f.actor}`);
  if (f.targetType !== undefined) where.push(sql`target_type = ${f.targetType}`);
  if (f.targetId !== undefined) where.push(sql`target_id = ${f.targetId}`);
  if (f.from !== undefined) where.push(sql`at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to !== undefined) where.push(sql`at < ${f.to.toISOString()}::timestamptz`);
  if (f.before !== undefined) where.push(sql`seq < ${f.before}`);
  const rows = await query<RawRow>(
    db,
    sql`select seq, ${AT_TEXT} as at_text, actor, action, target_type, target_id, details::text as details_text, prev_hash, hash
        from platform.audit_log where ${sql.join(where, sql` and `)} order by seq desc limit ${limit + 1}`,
  );
  const items = rows.slice(0, limit).map(
    (r): AuditRecord => ({
      seq: Number(r.seq),
      at: new Date(r.at_text).toISOString(),
      actor: r.actor,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      // Keys in sorted order (jsonb stores shorter keys first), as they were hashed.
      details: JSON.parse(canonicalJson(JSON.parse(r.details_text))) as Record<string, AuditValue>,
      prevHash: r.prev_hash,
      hash: r.hash,
    }),
  );
  return { items, nextBefore: rows.length > limit ? items.at(-1)!.seq : null };
}
