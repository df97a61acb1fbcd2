import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { pgCode, query } from '../../platform/db/database.js';

/**
 * The key tables of ADR 0014 item 3: customers.identifier_keys ((type, value) → customer, unique) and
 * loyalty.referral_codes (code → member, unique) hold the global keys that customers.identifiers and loyalty.accounts
 * no longer may (their keys hold customer_id). They must stay exactly in step with the rows they key.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ KEMAI_REFERRAL_URL: 'https://shop.example/join' });
});
afterAll(async () => t?.close());

const db = () => t.kemai.database.db;
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });

async function upsert(body: Record<string, unknown>): Promise<string> {
  const res = await post('/api/v1/customers', body);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<{ id: string }>().id;
}

/** The identifiers and the key rows of some profiles, as `type:value→customer`, sorted. */
async function keyed(ids: string[]) {
  const param = sql`${sql.param(ids)}::uuid[]`;
  const identifiers = await query<{ r: string }>(
    db(),
    sql`select type || ':' || value || '→' || customer_id as r from customers.identifiers where customer_id = any(${param})`,
  );
  const keys = await query<{ r: string }>(
    db(),
    sql`select k.type || ':' || k.value || '→' || k.customer_id as r from customers.identifier_keys k
        where k.customer_id = any(${param})
           or (k.value, k.type) in (select value, type from customers.identifiers where customer_id = any(${param}))`,
  );
  const sorted = (xs: Array<{ r: string }>) => xs.map((x) => x.r).sort();
  return { identifiers: sorted(identifiers), keys: sorted(keys) };
}

describe('customers.identifier_keys', () => {
  it('holds one row per identifier, written with it', async () => {
    const a = await upsert({ phone: '13811110001', email: 'keys.a@example.com', deviceId: 'keys-dev-a' });
    expect(await keyed([a])).toEqual({
      identifiers: [`device_id:keys-dev-a→${a}`, `email:keys.a@example.com→${a}`, `phone:+8613811110001→${a}`],
      keys: [`device_id:keys-dev-a→${a}`, `email:keys.a@example.com→${a}`, `phone:+8613811110001→${a}`],
    });
    // Found again through the key table, under another phone format.
    expect(await upsert({ phone: '+86 138-1111-0001' })).toBe(a);
  });

  it('rejects an identifier taken by another customer, as the unique index did', async () => {
    const a = await upsert({ phone: '13811110002', deviceId: 'keys-shared-dev' });
    // A weak identifier another profile holds is not attached: a new profile, and a review candidate.
    const b = await upsert({ phone: '13811110003', deviceId: 'keys-shared-dev' });
    expect(b).not.toBe(a);
    expect(await keyed([a, b])).toEqual({
      identifiers: [`device_id:keys-shared-dev→${a}`, `phone:+8613811110002→${a}`, `phone:+8613811110003→${b}`].sort(),
      keys: [`device_id:keys-shared-dev→${a}`, `phone:+8613811110002→${a}`, `phone:+8613811110003→${b}`].sort(),
    });
    // The key itself refuses a second holder.
    const err = await db()
      .execute(sql`insert into customers.identifier_keys (value, type, customer_id) values ('keys-shared-dev', 'device_id', ${b})`)
      .then(() => null, (e: unknown) => e);
    expect(pgCode(err)).toBe('23505');
    const taken = await query(db(), sql`insert into customers.identifier_keys (value, type, customer_id) values ('+8613811110002', 'phone', ${b}) on conflict do nothing returning 1`);
    expect(taken).toEqual([]);
  });

  it('makes one customer when two upserts of the same new phone run at once', async () => {
    for (const phone of ['13811110010', '13811110011', '13811110012']) {
      const [x, y] = await Promise.all([upsert({ phone, name: '并发甲' }), upsert({ phone, email: `${phone}@example.com` })]);
      expect(y).toBe(x);
      const rows = await query<{ n: number; keys: number }>(
        db(),
        sql`select (select count(*)::int from customers.identifiers where type = 'phone' and value = ${'+86' + phone}) as n,
                   (select count(*)::int from customers.identifier_keys where type = 'phone' and value = ${'+86' + phone}) as keys`,
      );
      expect(rows).toEqual([{ n: 1, keys: 1 }]);
      expect((await keyed([x])).keys).toEqual([`email:${phone}@example.com→${x}`, `phone:+86${phone}→${x}`]);
    }
  });

  it('on PostgreSQL, the second writer of a new phone waits on the key, then joins the first', async () => {
    if (t.kemai.database.kind !== 'postgres') return; // PGlite has one connection: nothing runs at once
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let resolved!: () => void;
    const resolvedOnce = new Promise<void>((r) => (resolved = r));
    const first = db().transaction(async (tx) => {
      const r = await t.kemai.customers.resolveCustomers(tx, [{ phone: '13811110020', name: '先到' }], { source: 'w1' });
      resolved();
      await gate;
      return r;
    });
    await resolvedOnce;
    const second = db().transaction((tx) => t.kemai.customers.resolveCustomers(tx, [{ phone: '13811110020', email: 'second@example.com' }], { source: 'w2' }));
    for (;;) {
      const waiting = await query<{ n: number }>(
        db(),
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting[0]!.n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    release();
    const [a, b] = await Promise.all([first, second]);
    const id = a[0]!.customerId!;
    expect(b).toEqual([{ customerId: id, created: false }]);
    expect(await keyed([id])).toEqual({
      identifiers: [`email:second@example.com→${id}`, `phone:+8613811110020→${id}`],
      keys: [`email:second@example.com→${id}`, `phone:+8613811110020→${id}`],
    });
  });

  it('moves the keys with the identifiers on merge and back on unmerge', async () => {
    const s = await upsert({ phone: '13811110030', email: 'keys.survivor@example.com' });
    const m = await upsert({ memberNo: 'KEYS-M1', phone: '13811110031', deviceId: 'keys-dev-m' });
    const before = await keyed([s, m]);
    expect(before.keys).toEqual(before.identifiers);

    const merged = await post(`/api/v1/customers/${s}/merge`, { otherId: m, reason: 'same person' });
    expect(merged.statusCode, merged.body).toBe(200);
    const after = await keyed([s, m]);
    const all = [
      `device_id:keys-dev-m→${s}`,
      `email:keys.survivor@example.com→${s}`,
      `member_no:KEYS-M1→${s}`,
      `phone:+8613811110030→${s}`,
      `phone:+8613811110031→${s}`,
    ].sort();
    expect(after).toEqual({ identifiers: all, keys: all });
    // Resolution finds the absorbed profile's identifiers at the survivor.
    expect(await upsert({ memberNo: 'keys-m1' })).toBe(s);

    const undone = await post(`/api/v1/customers/${s}/unmerge`, { mergeId: merged.json<{ mergeId: string }>().mergeId });
    expect(undone.statusCode, undone.body).toBe(200);
    expect(await keyed([s, m])).toEqual(before);
    expect(before.keys).toEqual(
      [
        `device_id:keys-dev-m→${m}`,
        `email:keys.survivor@example.com→${s}`,
        `member_no:KEYS-M1→${m}`,
        `phone:+8613811110030→${s}`,
        `phone:+8613811110031→${m}`,
      ].sort(),
    );
    expect(await upsert({ memberNo: 'KEYS-M1' })).toBe(m);
  });

  it('erasure removes the keys: the values are free for a new profile', async () => {
    const s = await upsert({ phone: '13811110040', email: 'keys.erase@example.com' });
    const m = await upsert({ phone: '13811110041' });
    expect((await post(`/api/v1/customers/${s}/merge`, { otherId: m, reason: 'same person' })).statusCode).toBe(200);
    await t.kemai.customers.erase(s, { reason: 'request 42', actor: 'staff:test' });
    const left = await query(
      db(),
      sql`select type, value from customers.identifier_keys where value in ('+8613811110040', '+8613811110041', 'keys.erase@example.com')
          or customer_id in (${s}, ${m})`,
    );
    expect(left).toEqual([]);
    const fresh = await upsert({ phone: '13811110040' });
    expect(fresh).not.toBe(s);
    expect(await keyed([fresh])).toEqual({ identifiers: [`phone:+8613811110040→${fresh}`], keys: [`phone:+8613811110040→${fresh}`] });
  });
});

describe('loyalty.referral_codes', () => {
  const codeOf = async (id: string) => {
    const res = await get(`/api/v1/loyalty/members/${id}/referral`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ code: string }>().code;
  };

  it('keys each member\'s code, unique across members, and finds the member by it', async () => {
    const a = await upsert({ phone: '13811110050' });
    const b = await upsert({ phone: '13811110051' });
    const ca = await codeOf(a);
    const cb = await codeOf(b);
    expect(cb).not.toBe(ca);
    expect(await codeOf(a)).toBe(ca);
    expect(
      await query(db(), sql`select code, customer_id from loyalty.referral_codes where customer_id in (${a}, ${b}) order by code collate "C"`),
    ).toEqual([{ code: ca, customer_id: a }, { code: cb, customer_id: b }].sort((x, y) => (x.code < y.code ? -1 : 1)));
    expect(await query(db(), sql`select referral_code from loyalty.accounts where customer_id = ${a}`)).toEqual([{ referral_code: ca }]);
    // A code another member holds cannot be keyed again.
    const err = await db()
      .execute(sql`insert into loyalty.referral_codes (code, customer_id) values (${ca}, ${b})`)
      .then(() => null, (e: unknown) => e);
    expect(pgCode(err)).toBe('23505');

    // Redeemed by code: the referral names the holder.
    const made = await post('/api/v1/loyalty/referrals', { code: ca.toLowerCase(), referee: { phone: '13811110052' } });
    expect(made.statusCode, made.body).toBeLessThan(300);
    expect(made.json()).toMatchObject({ referrerId: a, code: ca, status: 'pending' });
  });

  it('erasure removes the member\'s code: it no longer finds anyone', async () => {
    const a = await upsert({ phone: '13811110060' });
    const code = await codeOf(a);
    await t.kemai.customers.erase(a, { reason: 'request 43', actor: 'staff:test' });
    expect(await query(db(), sql`select code from loyalty.referral_codes where code = ${code} or customer_id = ${a}`)).toEqual([]);
    const res = await post('/api/v1/loyalty/referrals', { code, referee: { phone: '13811110061' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('loyalty.referral_code_not_found');
  });
});
