import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { query } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { CustomerRefInput } from './customers.schemas.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const resolve = (refs: CustomerRefInput[], source = 'test') =>
  t.kemai.database.db.transaction((tx) => t.kemai.customers.resolveCustomers(tx, refs, { source }));

const identifiersOf = (customerId: string) =>
  query<{ type: string; value: string; is_primary: boolean; source: string }>(
    t.kemai.database.db,
    sql`select type, value, is_primary, source from customers.identifiers where customer_id = ${customerId} order by created_at, type, value`,
  );

const profile = async (id: string) =>
  (
    await query<Record<string, unknown>>(
      t.kemai.database.db,
      sql`select status, merged_into, name, gender, birthday::text as birthday, city from customers.customers where id = ${id}`,
    )
  )[0];

describe('identity resolution', () => {
  it('creates a profile for a new phone and finds it again under every phone format', async () => {
    const [a] = await resolve([{ phone: '138 0013 8000', name: '王芳', city: '上海' }]);
    expect(a!.created).toBe(true);
    expect(a!.customerId).toMatch(/^[0-9a-f-]{36}$/);
    for (const phone of ['+86 13800138000', '008613800138000', '13800138000', '+86-138-0013-8000']) {
      const [b] = await resolve([{ phone }]);
      expect(b).toEqual({ customerId: a!.customerId, created: false });
    }
    expect(await identifiersOf(a!.customerId!)).toEqual([{ type: 'phone', value: '+8613800138000', is_primary: true, source: 'test' }]);
    expect(await profile(a!.customerId!)).toMatchObject({ status: 'active', name: '王芳', city: '上海', gender: null });
  });

  it('matches by each identifier type, normalised', async () => {
    const [seed] = await resolve([
      {
        email: 'Li.Na@Example.COM',
        memberNo: 'm-0001',
        wechatOpenid: 'oAbC123',
        wechatUnionid: 'uXyZ9',
        ecomUserId: 'tb_778',
        posCard: 'pc-55',
        deviceId: 'dev-1',
        anonymousId: 'anon-1',
      },
    ]);
    const id = seed!.customerId;
    const probes: CustomerRefInput[] = [
      { email: ' li.na@example.com ' },
      { memberNo: 'M-0001' },
      { wechatOpenid: 'oAbC123' },
      { wechatUnionid: 'uXyZ9' },
      { ecomUserId: 'tb_778' },
      { posCard: 'PC-55' },
      { deviceId: 'dev-1' },
      { anonymousId: 'anon-1' },
    ];
    for (const p of probes) expect((await resolve([p]))[0]).toEqual({ customerId: id, created: false });
    // WeChat ids are case-sensitive: another case is another person.
    expect((await resolve([{ wechatOpenid: 'oabc123' }]))[0]!.customerId).not.toBe(id);
  });

  it('treats a ref without identifiers as a guest', async () => {
    expect(await resolve([{ name: '路人' }, {}])).toEqual([
      { customerId: null, created: false },
      { customerId: null, created: false },
    ]);
  });

  it('rejects invalid phone and email with field paths and writes nothing', async () => {
    const before = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from customers.customers`);
    const err = await resolve([{ phone: '12345', email: 'not-an-email', name: '坏数据' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).details).toEqual({
      issues: [
        { path: 'customer.phone', message: 'is not a valid phone number' },
        { path: 'customer.email', message: 'is not a valid email address' },
      ],
    });
    const batchErr = (await resolve([{ phone: '13900139000' }, { phone: 'abc' }]).catch((e: unknown) => e)) as AppError;
    expect(batchErr.details).toEqual({ issues: [{ path: '1.customer.phone', message: 'is not a valid phone number' }] });
    const unknownId = (await resolve([{ id: '01890000-0000-7000-8000-000000000000' }]).catch((e: unknown) => e)) as AppError;
    expect(unknownId.details).toEqual({ issues: [{ path: 'customer.id', message: 'no customer has this id' }] });
    const after = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from customers.customers`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('keeps a second, different phone as a non-primary identifier and fills only empty fields', async () => {
    const [a] = await resolve([{ memberNo: 'KM100', name: '张伟' }]);
    await resolve([{ memberNo: 'KM100', phone: '13911112222', name: '张三', city: '北京' }]);
    await resolve([{ memberNo: 'KM100', phone: '13933334444', gender: 'male' }]);
    expect(await identifiersOf(a!.customerId!)).toEqual([
      { type: 'member_no', value: 'KM100', is_primary: true, source: 'test' },
      { type: 'phone', value: '+8613911112222', is_primary: true, source: 'test' },
      { type: 'phone', value: '+8613933334444', is_primary: false, source: 'test' },
    ]);
    expect(await profile(a!.customerId!)).toMatchObject({ name: '张伟', city: '北京', gender: 'male' });
  });

  it('resolves refs of one batch that share identifiers to one new profile', async () => {
    const r = await resolve([
      { phone: '13700001111', name: '赵敏' },
      { email: 'zhao@example.com' },
      { phone: '13700001111', email: 'zhao@example.com', posCard: 'PC900' },
      { posCard: 'pc900' },
      {},
    ]);
    const id = r[0]!.customerId;
    expect(r).toEqual([
      { customerId: id, created: true },
      { customerId: id, created: false },
      { customerId: id, created: false },
      { customerId: id, created: false },
      { customerId: null, created: false },
    ]);
    expect((await identifiersOf(id!)).map((i) => i.type).sort()).toEqual(['email', 'phone', 'pos_card']);
  });

  it('merges profiles linked by a strong identifier into the oldest, recording the link', async () => {
    const [old] = await resolve([{ phone: '13600001111', name: '孙丽' }]);
    const [young] = await resolve([{ email: 'sun.li@example.com', city: '杭州' }]);
    const [r] = await resolve([{ phone: '13600001111', email: 'sun.li@example.com' }]);
    expect(r).toEqual({ customerId: old!.customerId, created: false });
    expect(await profile(young!.customerId!)).toMatchObject({ status: 'merged', merged_into: old!.customerId });
    expect(await profile(old!.customerId!)).toMatchObject({ status: 'active', name: '孙丽', city: '杭州' });
    const merges = await query(
      t.kemai.database.db,
      sql`select survivor_id, absorbed_id, link_type, link_value, actor from customers.merges where absorbed_id = ${young!.customerId}`,
    );
    expect(merges).toEqual([
      {
        survivor_id: old!.customerId,
        absorbed_id: young!.customerId,
        link_type: 'email',
        link_value: 'sun.li@example.com',
        actor: 'system:identity-resolution',
      },
    ]);
    expect((await identifiersOf(old!.customerId!)).map((i) => `${i.type}:${i.value}`)).toEqual([
      'phone:+8613600001111',
      'email:sun.li@example.com',
    ]);
    // The merged id still resolves, to the survivor.
    expect((await resolve([{ id: young!.customerId! }]))[0]).toEqual({ customerId: old!.customerId, created: false });
  });

  it('never merges on weak evidence: a weak identifier elsewhere or same name+birthday+city becomes a candidate', async () => {
    const [p1] = await resolve([{ phone: '13500001111', deviceId: 'ipad-family' }]);
    const [p2] = await resolve([{ phone: '13500002222', deviceId: 'ipad-family' }]);
    expect(p2!.customerId).not.toBe(p1!.customerId);
    expect(p2!.created).toBe(true);
    const [q1] = await resolve([{ memberNo: 'A1', name: '周杰', birthday: '1990-05-01', city: '广州' }]);
    const [q2] = await resolve([{ memberNo: 'A2', name: '周杰', birthday: '1990-05-01', city: '广州' }]);
    const pair = (a: string, b: string) => (a < b ? [a, b] : [b, a]);
    const rows = await query<{ customer_id: string; other_id: string; reason: string; status: string }>(
      t.kemai.database.db,
      sql`select customer_id, other_id, reason, status from customers.duplicate_candidates
          where customer_id in (${p1!.customerId}, ${p2!.customerId}, ${q1!.customerId}, ${q2!.customerId}) order by reason`,
    );
    expect(rows).toEqual([
      { customer_id: pair(q1!.customerId!, q2!.customerId!)[0], other_id: pair(q1!.customerId!, q2!.customerId!)[1], reason: 'same_name_birthday_city', status: 'open' },
      { customer_id: pair(p1!.customerId!, p2!.customerId!)[0], other_id: pair(p1!.customerId!, p2!.customerId!)[1], reason: 'weak_identifier:device_id', status: 'open' },
    ]);
    expect(await profile(q2!.customerId!)).toMatchObject({ status: 'active' });
  });

  it('sends every ref of a batch to the survivor when the batch itself merges their profiles', async () => {
    const [x] = await resolve([{ phone: '13200001111' }]);
    const [y] = await resolve([{ email: 'y.batch@example.com', deviceId: 'tablet-y' }]);
    const r = await resolve([{ phone: '13200001111', email: 'y.batch@example.com' }, { deviceId: 'tablet-y' }]);
    expect(r).toEqual([
      { customerId: x!.customerId, created: false },
      { customerId: x!.customerId, created: false },
    ]);
    expect(await profile(y!.customerId!)).toMatchObject({ status: 'merged', merged_into: x!.customerId });
  });

  it('attaches an anonymous visitor to the profile once identified', async () => {
    const [anon] = await resolve([{ anonymousId: 'visitor-42' }]);
    const [known] = await resolve([{ anonymousId: 'visitor-42', phone: '13400004444' }]);
    expect(known).toEqual({ customerId: anon!.customerId, created: false });
    expect((await resolve([{ phone: '13400004444' }]))[0]!.customerId).toBe(anon!.customerId);
  });

  it('creates an anonymous profile for an anonymous-only ref when asked to create, as orders and upserts do', async () => {
    const [r] = await t.kemai.database.db.transaction((tx) =>
      t.kemai.customers.resolveCustomers(tx, [{ deviceId: 'kiosk-create' }], { source: 'test', anonymousOnly: 'create' }),
    );
    expect(r!.created).toBe(true);
    expect(await identifiersOf(r!.customerId!)).toEqual([{ type: 'device_id', value: 'kiosk-create', is_primary: true, source: 'test' }]);
  });

  it('on Postgres, a writer that loses the race for a new phone retries and joins the winner', async () => {
    const db = t.kemai.database.db;
    if (t.kemai.database.kind !== 'postgres') {
      // PGlite has one connection: transactions run one after the other, so there is no race to lose.
      const a = await resolve([{ phone: '13300004444' }]);
      expect(await resolve([{ phone: '13300004444', email: 'late@example.com' }])).toEqual([{ customerId: a[0]!.customerId, created: false }]);
      return;
    }
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let firstResolved!: () => void;
    const resolvedOnce = new Promise<void>((r) => (firstResolved = r));
    const first = db.transaction(async (tx) => {
      const r = await t.kemai.customers.resolveCustomers(tx, [{ phone: '13300004444', name: '先到' }], { source: 'w1' });
      firstResolved();
      await gate; // hold the uncommitted profile until the second writer is blocked on it
      return r;
    });
    await resolvedOnce;
    const second = db.transaction((tx) => t.kemai.customers.resolveCustomers(tx, [{ phone: '13300004444', email: 'late@example.com' }], { source: 'w2' }));
    for (;;) {
      const waiting = await query<{ n: number }>(
        db,
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting[0]!.n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual([{ customerId: a![0]!.customerId, created: false }]);
    expect((await identifiersOf(a![0]!.customerId!)).map((i) => `${i.type}:${i.value}:${i.source}`)).toEqual([
      'phone:+8613300004444:w1',
      'email:late@example.com:w2',
    ]);
    const profiles = await query<{ n: number }>(db, sql`select count(*)::int as n from customers.customers where name = '先到'`);
    expect(profiles[0]!.n).toBe(1);
  });

  it('creates one profile when two writers resolve the same new phone at once', async () => {
    const db = t.kemai.database.db;
    const both = await Promise.all([
      db.transaction((tx) => t.kemai.customers.resolveCustomers(tx, [{ phone: '13300003333', name: 'A' }], { source: 'w1' })),
      db.transaction((tx) => t.kemai.customers.resolveCustomers(tx, [{ phone: '13300003333', email: 'w2@example.com' }], { source: 'w2' })),
    ]);
    expect(both[0]![0]!.customerId).toBe(both[1]![0]!.customerId);
    const n = await query<{ n: number }>(
      db,
      sql`select count(*)::int as n from customers.identifiers where type = 'phone' and value = '+8613300003333'`,
    );
    expect(n[0]!.n).toBe(1);
  });
});

const lookup = (refs: CustomerRefInput[]) =>
  t.kemai.database.db.transaction((tx) => t.kemai.customers.resolveCustomers(tx, refs, { source: 'lookup-test', anonymousOnly: 'lookup' }));

const counts = async () =>
  (
    await query<Record<string, number>>(
      t.kemai.database.db,
      sql`select (select count(*)::int from customers.customers) as customers,
                 (select count(*)::int from customers.identifiers) as identifiers,
                 (select count(*)::int from customers.duplicate_candidates) as candidates,
                 (select count(*)::int from platform.outbox) as outbox`,
    )
  )[0];

describe('anonymous-only refs in lookup mode', () => {
  it('resolve an anonymous or device id nobody holds to null and write nothing', async () => {
    const before = await counts();
    expect(await lookup([{ anonymousId: 'lk-1' }, { deviceId: 'lk-dev-1', name: '访客', city: '深圳' }, { anonymousId: 'lk-1', deviceId: 'lk-dev-1' }])).toEqual([
      { customerId: null, created: false },
      { customerId: null, created: false },
      { customerId: null, created: false },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('follow the profile holding the id and change nothing on it', async () => {
    const [p] = await resolve([{ anonymousId: 'lk-2', memberNo: 'LK2' }]);
    const row = sql`select name, city, updated_at::text as updated, last_seen_at::text as seen from customers.customers where id = ${p!.customerId}`;
    const profileBefore = await query(t.kemai.database.db, row);
    const identifiersBefore = await query(t.kemai.database.db, sql`select type, value, last_seen_at::text as seen from customers.identifiers where customer_id = ${p!.customerId} order by type`);
    const before = await counts();
    expect(await lookup([{ anonymousId: 'lk-2', deviceId: 'lk-dev-2', name: '新名字', city: '深圳' }])).toEqual([{ customerId: p!.customerId, created: false }]);
    expect(await query(t.kemai.database.db, row)).toEqual(profileBefore);
    expect(await query(t.kemai.database.db, sql`select type, value, last_seen_at::text as seen from customers.identifiers where customer_id = ${p!.customerId} order by type`)).toEqual(identifiersBefore);
    expect(await counts()).toEqual(before);
  });

  it('follow another ref of the same call that identifies the id, which is the one that created the profile', async () => {
    const r = await lookup([{ anonymousId: 'lk-3' }, { anonymousId: 'lk-3', phone: '13100003333' }, { deviceId: 'lk-dev-3' }]);
    const id = r[1]!.customerId!;
    expect(r).toEqual([
      { customerId: id, created: false },
      { customerId: id, created: true },
      { customerId: null, created: false },
    ]);
    expect(await identifiersOf(id)).toEqual([
      { type: 'anonymous_id', value: 'lk-3', is_primary: true, source: 'lookup-test' },
      { type: 'phone', value: '+8613100003333', is_primary: true, source: 'lookup-test' },
    ]);
  });

  it('still resolve refs with a strong identifier or an id as usual', async () => {
    const r = await lookup([{ phone: '13100006666', deviceId: 'lk-dev-6' }, { wechatOpenid: 'lk-openid-6' }]);
    expect(r.map((x) => x.created)).toEqual([true, true]);
    expect((await lookup([{ id: r[0]!.customerId!, anonymousId: 'lk-6' }]))[0]).toEqual({ customerId: r[0]!.customerId, created: false });
    expect((await identifiersOf(r[0]!.customerId!)).map((i) => `${i.type}:${i.value}`).sort()).toEqual([
      'anonymous_id:lk-6',
      'device_id:lk-dev-6',
      'phone:+8613100006666',
    ]);
  });
});

const announced = (prefix: string) =>
  query<{ payload: { customerId: string; type: string; value: string } }>(
    t.kemai.database.db,
    sql`select payload from platform.outbox where name = 'customers.identifier.attached' and payload->>'value' like ${`${prefix}%`}
        order by payload->>'type', payload->>'value'`,
  ).then((rows) => rows.map((r) => r.payload));

describe('customers.identifier.attached', () => {
  it('announces each anonymous or device id a resolution attaches, with the profile now holding it', async () => {
    const [r] = await resolve([{ phone: '13100004444', anonymousId: 'att-1', deviceId: 'att-dev-1', wechatOpenid: 'att-openid' }]);
    expect(await announced('att-')).toEqual([
      { customerId: r!.customerId, type: 'anonymous_id', value: 'att-1' },
      { customerId: r!.customerId, type: 'device_id', value: 'att-dev-1' },
    ]);
    // Nothing newly attached, nothing announced.
    await resolve([{ phone: '13100004444', anonymousId: 'att-1' }]);
    expect(await announced('att-')).toHaveLength(2);
    await resolve([{ phone: '13100004444', anonymousId: 'att-2' }]);
    expect(await announced('att-2')).toEqual([{ customerId: r!.customerId, type: 'anonymous_id', value: 'att-2' }]);
  });

  it('announces nothing when the resolution rolls back', async () => {
    await expect(
      t.kemai.database.db.transaction(async (tx) => {
        await t.kemai.customers.resolveCustomers(tx, [{ phone: '13100007777', anonymousId: 'rb-1' }], { source: 'test' });
        throw new Error('the order insert failed');
      }),
    ).rejects.toThrow('the order insert failed');
    expect(await announced('rb-')).toEqual([]);
  });

  it('names the survivor when the same call merges away the profile the id was attached to', async () => {
    const [x] = await resolve([{ phone: '13100005555' }]);
    const [y] = await resolve([{ email: 'att-y@example.com', deviceId: 'mrg-tablet' }]);
    const r = await resolve([{ phone: '13100005555', email: 'att-y@example.com' }, { deviceId: 'mrg-tablet', anonymousId: 'mrg-anon' }]);
    expect(r.map((x) => x.customerId)).toEqual([x!.customerId, x!.customerId]);
    expect(await profile(y!.customerId!)).toMatchObject({ status: 'merged', merged_into: x!.customerId });
    expect(await announced('mrg-')).toEqual([
      { customerId: x!.customerId, type: 'anonymous_id', value: 'mrg-anon' },
      // Announced when y's profile was created; the merge moved the id with the profile's records.
      { customerId: y!.customerId, type: 'device_id', value: 'mrg-tablet' },
    ]);
  });
});
