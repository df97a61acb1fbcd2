import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../tests/support/test-db.js';
import { appendAudit, auditInstant, canonicalJson, GENESIS_HASH, listAudit, verifyAuditChain, type AuditEntry } from './audit.js';
import { query, type Database } from './db/database.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());
beforeEach(async () => {
  await database.db.execute(sql`delete from platform.audit_log`);
});

const T = new Date('2026-03-01T08:00:00.123Z');
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000);
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

const ENTRIES: AuditEntry[] = [
  { actor: 'staff:0b6f1c1e-0000-4000-8000-000000000001', action: 'customers.merge', targetType: 'customer', targetId: 'c1', details: { mergeId: 'm1', absorbedId: 'c2' }, at: at(0) },
  { actor: 'key:0b6f1c1e-0000-4000-8000-000000000002', action: 'loyalty.adjust', targetType: 'customer', targetId: 'c1', details: { points: -50, entryId: 'e1' }, at: at(1) },
  { actor: 'system', action: 'export.segment', targetType: 'segment', targetId: 'vip', details: { rows: 3 }, at: at(2) },
];

async function appendThree() {
  for (const e of ENTRIES) await appendAudit(database.db, e);
}

const verify = () => verifyAuditChain(database.db);

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
    expect(auditInstant(T)).toBe('2026-03-01T08:00:00.123000Z');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow('audit details: NaN is not a JSON number');
  });
});

describe('appendAudit + verifyAuditChain', () => {
  it('chains three entries from 64 zeros; the hash is sha256(prev_hash + canonical JSON of the row, seq included)', async () => {
    await appendThree();
    const rows = await query<{ seq: number; prev_hash: string; hash: string; details: unknown }>(
      database.db,
      sql`select seq, prev_hash, hash, details from platform.audit_log order by seq`,
    );
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(rows[0]!.hash).toBe(
      sha256(
        GENESIS_HASH +
          '{"action":"customers.merge","actor":"staff:0b6f1c1e-0000-4000-8000-000000000001","at":"2026-03-01T08:00:00.123000Z","details":{"absorbedId":"c2","mergeId":"m1"},"seq":1,"targetId":"c1","targetType":"customer"}',
      ),
    );
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    expect(rows[2]!.prev_hash).toBe(rows[1]!.hash);
    expect(rows[1]!.details).toEqual({ points: -50, entryId: 'e1' });
    expect(await verify()).toEqual({ ok: true, rows: 3, headSeq: 3, headHash: rows[2]!.hash });
  });

  it('an empty log is intact', async () => {
    expect(await verify()).toEqual({ ok: true, rows: 0, headSeq: null, headHash: null });
  });

  it('names the row whose details were edited with raw SQL', async () => {
    await appendThree();
    await database.db.execute(sql`update platform.audit_log set details = '{"points": -5000, "entryId": "e1"}'::jsonb where seq = 2`);
    expect(await verify()).toEqual({
      ok: false,
      rows: 1,
      headSeq: null,
      headHash: null,
      firstBadSeq: 2,
      problem: 'hash_mismatch',
      reason: 'its content does not match its hash: the row was edited',
    });
  });

  it('sees a time moved by one microsecond', async () => {
    await appendThree();
    await database.db.execute(sql`update platform.audit_log set at = at + interval '1 microsecond' where seq = 3`);
    expect(await verify()).toMatchObject({ ok: false, rows: 2, firstBadSeq: 3, problem: 'hash_mismatch' });
  });

  it('names the missing seq when a middle row is deleted', async () => {
    await appendThree();
    await database.db.execute(sql`delete from platform.audit_log where seq = 2`);
    expect(await verify()).toEqual({
      ok: false,
      rows: 1,
      headSeq: null,
      headHash: null,
      firstBadSeq: 2,
      problem: 'seq_gap',
      reason: 'seq 2 is missing (the next row is seq 3): a row was deleted',
    });
  });

  it('sees a deletion hidden by renumbering, an edit hidden by rehashing, and swapped rows', async () => {
    await appendThree();
    await database.db.execute(sql`delete from platform.audit_log where seq = 2`);
    await database.db.execute(sql`update platform.audit_log set seq = 2 where seq = 3`);
    expect(await verify()).toMatchObject({ ok: false, rows: 1, firstBadSeq: 2, problem: 'prev_hash_mismatch' });

    await database.db.execute(sql`delete from platform.audit_log`);
    await appendThree();
    // The forger recomputes row 2's own hash: row 3 no longer links to it.
    const [r1] = await query<{ hash: string }>(database.db, sql`select hash from platform.audit_log where seq = 1`);
    const forged = { seq: 2, at: auditInstant(at(1)), actor: ENTRIES[1]!.actor, action: 'loyalty.adjust', targetType: 'customer', targetId: 'c1', details: { points: 5000, entryId: 'e1' } };
    const forgedHash = sha256(r1!.hash + canonicalJson(forged));
    await database.db.execute(sql`update platform.audit_log set details = ${JSON.stringify(forged.details)}::jsonb, hash = ${forgedHash} where seq = 2`);
    expect(await verify()).toMatchObject({ ok: false, rows: 2, firstBadSeq: 3, problem: 'prev_hash_mismatch' });

    await database.db.execute(sql`delete from platform.audit_log`);
    await appendThree();
    await database.db.execute(sql`update platform.audit_log set seq = -seq where seq in (2, 3)`);
    await database.db.execute(sql`update platform.audit_log set seq = case seq when -2 then 3 else 2 end where seq < 0`);
    expect(await verify()).toMatchObject({ ok: false, rows: 1, firstBadSeq: 2, problem: 'prev_hash_mismatch' });
  });

  it('refuses a row slipped in before seq 1', async () => {
    await appendThree();
    await database.db.execute(sql`insert into platform.audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, hash)
      values (0, now(), 'system', 'x.y', 't', 'i', '{}', ${GENESIS_HASH}, 'x')`);
    expect(await verify()).toMatchObject({ ok: false, rows: 3, firstBadSeq: 0, problem: 'seq_gap' });
  });

  it('walks the log in pages', async () => {
    for (let i = 0; i < 7; i++) await appendAudit(database.db, { actor: 'system', action: 'test.page', targetType: 't', targetId: String(i), details: { i } });
    expect(await verifyAuditChain(database.db, { pageSize: 2 })).toMatchObject({ ok: true, rows: 7, headSeq: 7 });
    await database.db.execute(sql`update platform.audit_log set target_id = 'x' where seq = 6`);
    expect(await verifyAuditChain(database.db, { pageSize: 2 })).toMatchObject({ ok: false, rows: 5, firstBadSeq: 6, problem: 'hash_mismatch' });
  });

  it('concurrent appends form one chain; a rolled-back append leaves no gap', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        database.db.transaction(async (tx) => {
          await appendAudit(tx, { actor: 'system', action: 'test.concurrent', targetType: 't', targetId: String(i) });
        }),
      ),
    );
    await expect(
      database.db.transaction(async (tx) => {
        await appendAudit(tx, { actor: 'system', action: 'test.rolled_back', targetType: 't', targetId: 'x' });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    const { seq } = await appendAudit(database.db, { actor: 'system', action: 'test.after', targetType: 't', targetId: 'y' });
    expect(seq).toBe(13);
    expect(await verify()).toMatchObject({ ok: true, rows: 13, headSeq: 13 });
    expect((await query<{ n: number }>(database.db, sql`select count(*)::int as n from platform.audit_log where action = 'test.rolled_back'`))[0]!.n).toBe(0);
  });

  it('refuses an action that is not dotted lower case', async () => {
    await expect(appendAudit(database.db, { actor: 'system', action: 'Merge', targetType: 't', targetId: 'x' })).rejects.toThrow(
      'audit action must be dotted lower case (area.verb): Merge',
    );
  });
});

describe('listAudit', () => {
  it('filters by action (exact or prefix), actor, target and time, newest first, in pages', async () => {
    await appendThree();
    const seqs = async (f: Parameters<typeof listAudit>[1]) => (await listAudit(database.db, f)).items.map((e) => e.seq);
    expect(await seqs({})).toEqual([3, 2, 1]);
    expect(await seqs({ action: 'loyalty.adjust' })).toEqual([2]);
    expect(await seqs({ action: 'loyalty.*' })).toEqual([2]);
    expect(await seqs({ action: 'loyalty' })).toEqual([]);
    expect(await seqs({ actor: 'system' })).toEqual([3]);
    expect(await seqs({ targetType: 'customer', targetId: 'c1' })).toEqual([2, 1]);
    expect(await seqs({ from: at(1), to: at(2) })).toEqual([2]);
    const first = await listAudit(database.db, { limit: 2 });
    expect([first.items.map((e) => e.seq), first.nextBefore]).toEqual([[3, 2], 2]);
    const second = await listAudit(database.db, { limit: 2, before: first.nextBefore! });
    expect([second.items.map((e) => e.seq), second.nextBefore]).toEqual([[1], null]);
    expect(second.items[0]).toEqual({
      seq: 1,
      at: '2026-03-01T08:00:00.123Z',
      actor: 'staff:0b6f1c1e-0000-4000-8000-000000000001',
      action: 'customers.merge',
      targetType: 'customer',
      targetId: 'c1',
      details: { absorbedId: 'c2', mergeId: 'm1' },
      prevHash: GENESIS_HASH,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});
