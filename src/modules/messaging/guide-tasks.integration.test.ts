import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import type { GuideTask } from './guide-tasks.service.js';

/**
 * Guide tasks by hand and through the API: assignment from the customer's guide, reassignment within the store, the
 * open → done | cancelled state machine, phone consent (refused, and cancelled on a later opt-out), store scoping of
 * guides and store managers (staff sessions).
 */
let t: TestApp;
const db = () => t.kemai.database.db;
const staff: Record<string, string> = {};
const session: Record<string, Record<string, string>> = {};
const FUTURE = '2099-01-10T10:00:00+08:00';

type Headers = Record<string, string>;
const call = (method: 'GET' | 'POST', url: string, headers: Headers = t.admin, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const create = (payload: Record<string, unknown>, headers: Headers = t.admin) => call('POST', '/api/v1/guide-tasks', headers, { kind: 'follow_up', title: '回访', dueAt: FUTURE, ...payload });
const created = async (payload: Record<string, unknown>, headers: Headers = t.admin): Promise<GuideTask & { dueAt: string }> => {
  const res = await create(payload, headers);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};
const taskCount = async (customerId: string) =>
  (await query<{ n: number }>(db(), sql`select count(*)::int as n from messaging.guide_tasks where customer_id = ${customerId}::uuid`))[0]!.n;
const row = async (id: string) => (await query<Record<string, unknown>>(db(), sql`select * from messaging.guide_tasks where id = ${id}::uuid`))[0]!;

async function customers(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId());
  await query(db(), sql`insert into customers.customers (id, created_at) select unnest(${sql.param(ids)}::uuid[]), '2025-01-01T00:00:00Z'::timestamptz`);
  return ids;
}
const assign = (customerId: string, staffId: string | null, storeCode?: string) => t.kemai.staff.assign(customerId, { staffId, ...(storeCode ? { storeCode } : {}) }, 'test');

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  // Store SA: guides a.one, a.two, a disabled a.off, a store manager a.boss and a marketer a.mkt. Store SB: guide b.one.
  for (const [username, role, storeCode] of [
    ['a.one', 'guide', 'SA'],
    ['a.two', 'guide', 'SA'],
    ['a.off', 'guide', 'SA'],
    ['a.boss', 'store_manager', 'SA'],
    ['a.mkt', 'marketer', 'SA'],
    ['b.one', 'guide', 'SB'],
  ] as const) {
    const password = 'a-long-password-1';
    const { staff: s } = await t.kemai.access.createStaff({ username, displayName: username, role, storeCode, password });
    staff[username] = s.id;
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    expect(login.statusCode, login.body).toBe(200);
    session[username] = { cookie: (login.headers['set-cookie'] as string).split(';')[0]!, origin: 'http://localhost' };
  }
  const disable = await t.app.inject({ method: 'PATCH', url: '/api/v1/staff/a.off', headers: t.admin, payload: { disabled: true } });
  expect(disable.statusCode, disable.body).toBe(200);
});
afterAll(async () => t?.close());

describe('making a task by hand', () => {
  it('assigns the customer’s guide and store, the store pool when nobody looks after them, nobody without an assignment', async () => {
    const [guided, pooled, loose] = await customers(3);
    await assign(guided!, staff['a.one']!);
    await assign(pooled!, null, 'SB');
    const a = await created({ customerId: guided, kind: 'callback', title: '回访新品使用', body: '问问面霜', dueAt: '2099-01-10T10:00:00+08:00' });
    expect(a).toMatchObject({ customerId: guided, kind: 'callback', storeCode: 'SA', assigneeStaffId: staff['a.one'], assignee: 'a.one', title: '回访新品使用', body: '问问面霜', status: 'open', messageId: null, outcome: null });
    expect(a.dueAt).toBe('2099-01-10T02:00:00.000Z');
    expect(a.createdBy).toBe('apikey:local-cli');
    const p = await created({ customerId: pooled });
    expect([p.kind, p.storeCode, p.assigneeStaffId, p.assignee]).toEqual(['follow_up', 'SB', null, null]);
    const l = await created({ customerId: loose, kind: 'other' });
    expect([l.kind, l.storeCode, l.assigneeStaffId]).toEqual(['other', null, null]);
    expect((await call('GET', `/api/v1/guide-tasks/${a.id}`)).json()).toMatchObject({ id: a.id, assignee: 'a.one' });
  });

  it('refuses bad input naming the field, and an unknown customer, making nothing', async () => {
    const [c] = await customers(1);
    const kind = await create({ customerId: c, kind: 'visit' });
    expect([kind.statusCode, kind.json().error.details.issues[0].path]).toEqual([400, 'kind']);
    const due = await create({ customerId: c, dueAt: 'tomorrow' });
    expect([due.statusCode, due.json().error.details.issues[0].path]).toEqual([400, 'dueAt']);
    const title = await create({ customerId: c, title: '  ' });
    expect([title.statusCode, title.json().error.details.issues[0].path]).toEqual([400, 'title']);
    const unknown = await create({ customerId: newId() });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'guide_tasks.customer_not_found']);
    expect(await taskCount(c!)).toBe(0);
  });
});

describe('reassigning', () => {
  it('gives the task to an active guide or store manager of its store, audited; anyone else is a 400 naming staffId', async () => {
    const [c] = await customers(1);
    await assign(c!, staff['a.one']!);
    const task = await created({ customerId: c });
    const to = (staffId: string) => call('POST', `/api/v1/guide-tasks/${task.id}/reassign`, t.admin, { staffId });
    for (const who of ['b.one', 'a.off', 'a.mkt']) {
      const res = await to(staff[who]!);
      expect([res.statusCode, res.json().error.code, res.json().error.details.issues[0].path], who).toEqual([400, 'guide_tasks.invalid_assignee', 'staffId']);
    }
    expect((await to(staff['b.one']!)).json().error.message).toBe('staffId: b.one is not staff of store SA');
    expect((await to(newId())).json().error.details.issues[0].path).toBe('staffId');
    const notUuid = await to('a.two');
    expect([notUuid.statusCode, notUuid.json().error.details.issues[0].path]).toEqual([400, 'staffId']);
    expect(await row(task.id)).toMatchObject({ assignee_staff_id: staff['a.one'], assignee: 'a.one' });

    const ok = await to(staff['a.two']!);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ assigneeStaffId: staff['a.two'], assignee: 'a.two', storeCode: 'SA', status: 'open' });
    const boss = await to(staff['a.boss']!);
    expect(boss.json()).toMatchObject({ assigneeStaffId: staff['a.boss'], assignee: 'a.boss' });
    const same = await to(staff['a.boss']!);
    expect([same.statusCode, same.json().error.code]).toEqual([409, 'guide_tasks.already_assigned']);
    const audit = await query<{ action: string; details: unknown }>(
      db(),
      sql`select action, details from platform.audit_log where target_type = 'guide_task' and target_id = ${task.id} order by seq`,
    );
    expect(audit.map((a) => [a.action, a.details])).toEqual([
      ['guide_tasks.reassign', { from: staff['a.one'], to: staff['a.two'] }],
      ['guide_tasks.reassign', { from: staff['a.two'], to: staff['a.boss'] }],
    ]);
  });
});

describe('completing and cancelling', () => {
  it('open → done with an outcome, open → cancelled with a reason; a closed task refuses every change with 409', async () => {
    const [c] = await customers(1);
    await assign(c!, staff['a.one']!);
    const one = await created({ customerId: c, kind: 'callback' });
    const badOutcome = await call('POST', `/api/v1/guide-tasks/${one.id}/complete`, t.admin, { outcome: 'booked_visit' });
    expect([badOutcome.statusCode, badOutcome.json().error.details.issues[0].path]).toEqual([400, 'outcome']);
    expect(await row(one.id)).toMatchObject({ status: 'open', outcome: null });

    const done = await call('POST', `/api/v1/guide-tasks/${one.id}/complete`, session['a.one'], { outcome: 'reached', note: '周六到店' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'done', outcome: 'reached', note: '周六到店', doneBy: 'staff:a.one', cancelledAt: null });
    for (const [action, body] of [
      ['complete', { outcome: 'no_answer' }],
      ['cancel', { reason: '重复' }],
      ['reassign', { staffId: staff['a.two'] }],
    ] as const) {
      const res = await call('POST', `/api/v1/guide-tasks/${one.id}/${action}`, t.admin, body);
      expect([res.statusCode, res.json().error.code, res.json().error.details], action).toEqual([409, 'guide_tasks.task_closed', { status: 'done' }]);
    }
    expect(await row(one.id)).toMatchObject({ status: 'done', outcome: 'reached', assignee_staff_id: staff['a.one'], cancel_reason: null });

    const two = await created({ customerId: c });
    const noReason = await call('POST', `/api/v1/guide-tasks/${two.id}/cancel`, t.admin, {});
    expect([noReason.statusCode, noReason.json().error.details.issues[0].path]).toEqual([400, 'reason']);
    const cancelled = await call('POST', `/api/v1/guide-tasks/${two.id}/cancel`, session['a.one'], { reason: '客户已到店' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelReason: '客户已到店', cancelledBy: 'staff:a.one', outcome: null });
    const late = await call('POST', `/api/v1/guide-tasks/${two.id}/complete`, t.admin, { outcome: 'done' });
    expect([late.statusCode, late.json().error.code, late.json().error.details]).toEqual([409, 'guide_tasks.task_closed', { status: 'cancelled' }]);
    // The first routes stay as aliases.
    const three = await created({ customerId: c });
    const alias = await call('POST', `/api/v1/messaging/guide-tasks/${three.id}/complete`, t.admin, { outcome: 'wrong_number' });
    expect(alias.json()).toMatchObject({ status: 'done', outcome: 'wrong_number' });
  });
});

describe('phone consent', () => {
  const consent = (customerId: string, channel: string, purpose: string, status: string) =>
    t.kemai.customers.recordConsents(customerId, [{ channel, purpose, status } as never], 'api');

  it('refuses a callback or birthday call for a customer who opted out of phone calls (409), not a follow-up', async () => {
    const [c] = await customers(1);
    await assign(c!, staff['a.one']!);
    await consent(c!, 'phone', 'service', 'withdrawn');
    for (const kind of ['callback', 'birthday_call']) {
      const res = await create({ customerId: c, kind });
      expect([res.statusCode, res.json().error.code], kind).toEqual([409, 'guide_tasks.no_phone_consent']);
    }
    expect(await taskCount(c!)).toBe(0);
    expect((await create({ customerId: c, kind: 'follow_up' })).statusCode).toBe(201);
    // Marketing withdrawn (all channels): no birthday call, a callback is still a service call.
    const [m] = await customers(1);
    await consent(m!, 'all', 'marketing', 'withdrawn');
    expect((await create({ customerId: m, kind: 'birthday_call' })).json().error.code).toBe('guide_tasks.no_phone_consent');
    expect((await create({ customerId: m, kind: 'callback' })).statusCode).toBe(201);
  });

  it('cancels the open phone tasks of a customer who opts out later (reason consent_withdrawn), leaving the rest', async () => {
    const [c, other] = await customers(2);
    await assign(c!, staff['a.one']!);
    await assign(other!, staff['a.one']!);
    const call1 = await created({ customerId: c, kind: 'callback' });
    const bday = await created({ customerId: c, kind: 'birthday_call' });
    const follow = await created({ customerId: c, kind: 'follow_up' });
    const doneCall = await created({ customerId: c, kind: 'callback' });
    await call('POST', `/api/v1/guide-tasks/${doneCall.id}/complete`, t.admin, { outcome: 'reached' });
    const otherBday = await created({ customerId: other, kind: 'birthday_call' });

    await consent(c!, 'phone', 'marketing', 'withdrawn');
    await t.kemai.events.drain();
    const state = async () =>
      (await query<{ id: string; status: string; cancel_reason: string | null; cancelled_by: string | null }>(
        db(),
        sql`select id, status, cancel_reason, cancelled_by from messaging.guide_tasks where id = any(${sql.param([call1.id, bday.id, follow.id, doneCall.id, otherBday.id])}::uuid[])`,
      )).reduce<Record<string, string>>((acc, r) => ({ ...acc, [r.id]: `${r.status}/${r.cancel_reason ?? '-'}/${r.cancelled_by ?? '-'}` }), {});
    expect(await state()).toEqual({
      [call1.id]: 'open/-/-',
      [bday.id]: 'cancelled/consent_withdrawn/system:consent',
      [follow.id]: 'open/-/-',
      [doneCall.id]: 'done/-/-',
      [otherBday.id]: 'open/-/-',
    });
    await consent(c!, 'phone', 'service', 'withdrawn');
    await t.kemai.events.drain();
    expect((await state())[call1.id]).toBe('cancelled/consent_withdrawn/system:consent');
    expect((await state())[follow.id]).toBe('open/-/-');
  });
});

describe('store scoping', () => {
  it('a guide of store SB neither lists, sees, changes nor makes tasks of a store-SA customer; SA’s guide and manager do', async () => {
    const [inA, inB, mine] = await customers(3);
    await assign(inA!, staff['a.one']!);
    await assign(inB!, null, 'SB');
    await assign(mine!, staff['b.one']!);
    const taskA = await created({ customerId: inA, kind: 'callback', title: 'A 店回访' });
    const taskB = await created({ customerId: inB, title: 'B 店回访' });
    const taskMine = await created({ customerId: mine, title: '我的客户' });
    const b = session['b.one']!;

    const listB = await call('GET', '/api/v1/guide-tasks?limit=500', b);
    expect(listB.statusCode, listB.body).toBe(200);
    const idsB = listB.json().items.map((x: GuideTask) => x.id);
    expect(idsB).toContain(taskB.id);
    expect(idsB).toContain(taskMine.id);
    expect(idsB).not.toContain(taskA.id);
    expect(listB.json().items.every((x: GuideTask) => x.storeCode === 'SB')).toBe(true);
    expect((await call('GET', `/api/v1/guide-tasks?customerId=${inA}`, b)).statusCode).toBe(404);

    expect((await call('GET', `/api/v1/guide-tasks/${taskA.id}`, b)).statusCode).toBe(404);
    for (const [action, body] of [
      ['cancel', { reason: 'x' }],
      ['complete', { outcome: 'reached' }],
      ['reassign', { staffId: staff['b.one'] }],
    ] as const) {
      const res = await call('POST', `/api/v1/guide-tasks/${taskA.id}/${action}`, b, body);
      expect(res.statusCode, action).toBe(404);
    }
    expect(await row(taskA.id)).toMatchObject({ status: 'open', assignee_staff_id: staff['a.one'], cancel_reason: null });
    expect((await create({ customerId: inA }, b)).statusCode).toBe(404);
    expect(await taskCount(inA!)).toBe(1);

    // The service scopes by itself too (callers other than HTTP: the CLI, jobs).
    const tasks = t.kemai.messaging.guideTasks;
    const scopeB = { storeCode: 'SB', staffId: staff['b.one']! };
    const bIds = (await tasks.list({ limit: 500 }, { scope: scopeB })).items.map((x) => x.id);
    expect([bIds.includes(taskA.id), bIds.includes(taskB.id), bIds.includes(taskMine.id)]).toEqual([false, true, true]);
    await expect(tasks.get(taskA.id, scopeB)).rejects.toMatchObject({ code: 'guide_tasks.not_found' });
    await expect(tasks.cancel(taskA.id, 'x', { actor: 'staff:b.one', scope: scopeB })).rejects.toMatchObject({ code: 'guide_tasks.not_found' });
    await expect(tasks.complete(taskA.id, { outcome: 'reached' }, { actor: 'staff:b.one', scope: scopeB })).rejects.toMatchObject({ code: 'guide_tasks.not_found' });
    await expect(tasks.reassign(taskA.id, staff['b.one']!, { actor: 'staff:b.one', scope: scopeB })).rejects.toMatchObject({ code: 'guide_tasks.not_found' });
    await expect(tasks.create({ customerId: inA!, kind: 'other', title: 'x', dueAt: FUTURE }, { actor: 'staff:b.one', scope: scopeB })).rejects.toMatchObject({
      code: 'guide_tasks.customer_not_found',
    });
    // A guide's own book counts wherever the customer is assigned: b.one sees their customer even with another store.
    expect((await tasks.get(taskMine.id, { storeCode: 'SX', staffId: staff['b.one']! })).id).toBe(taskMine.id);
    expect(await row(taskA.id)).toMatchObject({ status: 'open', cancel_reason: null });

    for (const who of ['a.one', 'a.boss']) {
      const ids = (await call('GET', '/api/v1/guide-tasks?limit=500', session[who])).json().items.map((x: GuideTask) => x.id);
      expect(ids, who).toContain(taskA.id);
      expect(ids, who).not.toContain(taskB.id);
    }
    const made = await create({ customerId: inA, title: '店长建的' }, session['a.boss']);
    expect(made.json()).toMatchObject({ assigneeStaffId: staff['a.one'], createdBy: 'staff:a.boss' });
  });

  it('filters: assignee me and none, kind, status, store, due before/after, overdue; cursor pages', async () => {
    const [c, p] = await customers(2);
    await assign(c!, staff['a.two']!);
    await assign(p!, null, 'SA');
    const past = await created({ customerId: c, kind: 'callback', title: 'late', dueAt: '2020-01-01T10:00:00+08:00' });
    const soon = await created({ customerId: c, kind: 'follow_up', title: 'soon', dueAt: '2098-01-01T10:00:00+08:00' });
    const later = await created({ customerId: c, kind: 'callback', title: 'later', dueAt: '2098-06-01T10:00:00+08:00' });
    const pool = await created({ customerId: p, kind: 'other', title: 'pool', dueAt: '2098-03-01T10:00:00+08:00' });
    const two = session['a.two']!;
    const titles = async (qs: string, headers: Headers = two) => {
      const res = await call('GET', `/api/v1/guide-tasks?${qs}`, headers);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((x: GuideTask) => x.title);
    };
    expect(await titles(`assignee=me&customerId=${c}`)).toEqual(['late', 'soon', 'later']);
    expect(await titles(`assignee=me&kind=callback&customerId=${c}`)).toEqual(['late', 'later']);
    expect(await titles(`assignee=${staff['a.two']}&overdue=true`)).toEqual(['late']);
    expect(await titles(`assignee=me&overdue=false&dueBefore=2098-05-01T00:00:00Z`)).toEqual(['soon']);
    expect(await titles(`assignee=me&dueAfter=2098-05-01T00:00:00Z&status=open`)).toEqual(['later']);
    expect(await titles(`assignee=none&store=SA&customerId=${p}`)).toEqual(['pool']);
    expect(await titles(`assignee=me&status=done`)).toEqual([]);
    const page1 = (await call('GET', `/api/v1/guide-tasks?assignee=me&limit=2`, two)).json();
    expect(page1.items.map((x: GuideTask) => x.id)).toEqual([past.id, soon.id]);
    const page2 = (await call('GET', `/api/v1/guide-tasks?assignee=me&limit=2&cursor=${page1.nextCursor}`, two)).json();
    expect(page2).toMatchObject({ items: [{ id: later.id }], nextCursor: null });
    expect(pool.assigneeStaffId).toBeNull();

    const meAsKey = await call('GET', '/api/v1/guide-tasks?assignee=me');
    expect([meAsKey.statusCode, meAsKey.json().error.details.issues[0].path]).toEqual([400, 'assignee']);
    const badKind = await call('GET', '/api/v1/guide-tasks?kind=visit');
    expect([badKind.statusCode, badKind.json().error.details.issues[0].path]).toEqual([400, 'querystring.kind']);
    const badDue = await call('GET', '/api/v1/guide-tasks?dueBefore=soon');
    expect([badDue.statusCode, badDue.json().error.details.issues[0].path]).toEqual([400, 'querystring.dueBefore']);
  });
});
