import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { pointsToFen } from './domain/program.js';
import type { LedgerService, NewLedgerEntry } from './ledger.service.js';
import type { ProgramService } from './program.service.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RewardKind = 'goods' | 'coupon' | 'cash';

export interface Reward {
  code: string;
  kind: RewardKind;
  name: string;
  points: number;
  valueFen: number | null;
  sku: string | null;
  stock: number | null;
  active: boolean;
  attributes: Record<string, unknown>;
}

export interface Hold {
  id: string;
  customerId: string;
  points: number;
  status: 'held' | 'committed' | 'cancelled' | 'expired';
  reference: string | null;
  rewardCode: string | null;
  entryId: string;
  expiresAt: Date;
  createdAt: Date;
  settledAt: Date | null;
}

interface HoldRow {
  id: string;
  customer_id: string;
  points: string | number;
  status: Hold['status'];
  reference: string | null;
  reward_code: string | null;
  entry_id: string;
  expires_at: string | Date;
  created_at: string | Date;
  settled_at: string | Date | null;
}

const holdOf = (r: HoldRow): Hold => ({
  id: r.id,
  customerId: r.customer_id,
  points: Number(r.points),
  status: r.status,
  reference: r.reference,
  rewardCode: r.reward_code,
  entryId: r.entry_id,
  expiresAt: new Date(r.expires_at),
  createdAt: new Date(r.created_at),
  settledAt: r.settled_at ? new Date(r.settled_at) : null,
});

const rewardOf = (r: Record<string, unknown>): Reward => ({
  code: r.code as string,
  kind: r.kind as RewardKind,
  name: r.name as string,
  points: Number(r.points),
  valueFen: r.value_fen === null ? null : Number(r.value_fen),
  sku: (r.sku as string | null) ?? null,
  stock: r.stock === null ? null : Number(r.stock),
  active: r.active as boolean,
  attributes: (r.attributes as Record<string, unknown>) ?? {},
});

/**
 * Spending points: the reward catalogue, holds for checkout (a `redeem` entry drawing lots the
 * moment the hold is made, so the points cannot be spent twice; commit keeps it, cancel or expiry
 * writes a `reverse` entry putting the points back into the same lots), and points as cash.
 */
export class RedemptionService {
  constructor(
    private readonly db: Db,
    private readonly deps: { ledger: LedgerService; program: ProgramService },
  ) {}

  // ---------------------------------------------------------------- catalogue

  async listRewards(opts: { activeOnly?: boolean } = {}): Promise<Reward[]> {
    const rows = await query(
      this.db,
      sql`select * from loyalty.rewards ${opts.activeOnly ? sql`where active` : sql``} order by code collate "C"`,
    );
    return rows.map(rewardOf);
  }

  async getReward(code: string, db: Db = this.db): Promise<Reward> {
    const [row] = await query(db, sql`select * from loyalty.rewards where code = ${code}`);
    if (!row) throw notFound('loyalty.reward_not_found', `no reward ${code}`);
    return rewardOf(row);
  }

  async createReward(r: Reward): Promise<Reward> {
    checkReward(r);
    const rows = await query(
      this.db,
      sql`insert into loyalty.rewards (code, kind, name, points, value_fen, sku, stock, active, attributes)
          values (${r.code}, ${r.kind}, ${r.name}, ${r.points}, ${r.valueFen}, ${r.sku}, ${r.stock}, ${r.active}, ${JSON.stringify(r.attributes)}::jsonb)
          on conflict (code) do nothing returning *`,
    );
    if (rows.length === 0) throw conflict('loyalty.reward_exists', `reward ${r.code} exists`);
    return rewardOf(rows[0]!);
  }

  async updateReward(code: string, patch: Partial<Omit<Reward, 'code'>>): Promise<Reward> {
    return this.db.transaction(async (tx) => {
      const [row] = await query(tx, sql`select * from loyalty.rewards where code = ${code} for update`);
      if (!row) throw notFound('loyalty.reward_not_found', `no reward ${code}`);
      const next = { ...rewardOf(row), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Reward;
      checkReward(next);
      const [out] = await query(
        tx,
        sql`update loyalty.rewards set kind = ${next.kind}, name = ${next.name}, points = ${next.points}, value_fen = ${next.valueFen},
              sku = ${next.sku}, stock = ${next.stock}, active = ${next.active}, attributes = ${JSON.stringify(next.attributes)}::jsonb
            where code = ${code} returning *`,
      );
      return rewardOf(out!);
    });
  }

  /** Deleting a reward that holds name would lose what they were for: it is deactivated instead. */
  async deleteReward(code: string): Promise<{ code: string; deleted: boolean }> {
    return this.db.transaction(async (tx) => {
      const [used] = await query(tx, sql`select 1 from loyalty.holds where reward_code = ${code} limit 1`);
      if (used) {
        const rows = await query(tx, sql`update loyalty.rewards set active = false where code = ${code} returning code`);
        if (rows.length === 0) throw notFound('loyalty.reward_not_found', `no reward ${code}`);
        return { code, deleted: false };
      }
      const rows = await query(tx, sql`delete from loyalty.rewards where code = ${code} returning code`);
      if (rows.length === 0) throw notFound('loyalty.reward_not_found', `no reward ${code}`);
      return { code, deleted: true };
    });
  }

  // ---------------------------------------------------------------- points as cash

  async cashQuote(points: number): Promise<{ points: number; valueFen: number; pointsPerYuanCash: number; ruleVersion: number }> {
    const rules = await this.deps.program.rulesAt(this.db, this.deps.ledger.internals.clock.now());
    return { points, valueFen: pointsToFen(points, rules), pointsPerYuanCash: rules.pointsPerYuanCash, ruleVersion: rules.version };
  }

  // ---------------------------------------------------------------- holds

  /**
   * Reserve points for a checkout: a `redeem` entry drawing the oldest-expiring lots and a hold
   * row, with the member's account row locked — concurrent holds queue on that lock, so the sum
   * of holds never exceeds the balance. Idempotent by `idempotencyKey`: a replay answers the
   * first hold (created = false). Refused (409 loyalty.insufficient_points) beyond the balance.
   */
  async createHold(
    h: { customerId: string; points?: number | undefined; rewardCode?: string | undefined; reference?: string | undefined; idempotencyKey: string; ttlSeconds: number },
    actor: string,
  ): Promise<{ hold: Hold; created: boolean }> {
    if ((h.points === undefined) === (h.rewardCode === undefined))
      throw invalid('loyalty.hold_invalid', 'points: give points or rewardCode, not both', [{ path: 'points', message: 'give points or rewardCode, not both' }]);
    const L = this.deps.ledger.internals;
    return this.db.transaction(async (tx) => {
      const existing = await this.holdByKey(tx, h.customerId, h.idempotencyKey);
      if (existing) return { hold: existing, created: false };
      h = { ...h, customerId: await L.requireCustomer(tx, h.customerId) };
      return L.onAccount(tx, h.customerId, async () => {
        const again = await this.holdByKey(tx, h.customerId, h.idempotencyKey);
        if (again) return { hold: again, created: false };
        const now = L.clock.now();
        await this.expireHoldsOf(tx, h.customerId, now);
        let points = h.points ?? 0;
        let rewardCode: string | null = null;
        if (h.rewardCode !== undefined) {
          const [row] = await query(tx, sql`select * from loyalty.rewards where code = ${h.rewardCode} for update`);
          if (!row) throw invalid('loyalty.reward_not_found', `rewardCode: no reward ${h.rewardCode}`, [{ path: 'rewardCode', message: 'no such reward' }]);
          const reward = rewardOf(row);
          if (!reward.active) throw conflict('loyalty.reward_inactive', `reward ${reward.code} is not active`);
          if (reward.stock !== null && reward.stock <= 0) throw conflict('loyalty.reward_out_of_stock', `reward ${reward.code} is out of stock`);
          if (reward.stock !== null) await tx.execute(sql`update loyalty.rewards set stock = stock - 1 where code = ${reward.code}`);
          points = reward.points;
          rewardCode = reward.code;
        }
        const acc = await L.account(tx, h.customerId);
        if (acc.available < points)
          throw conflict('loyalty.insufficient_points', `only ${acc.available} points available`, { available: acc.available, requested: points });
        const plan = await L.plan(tx, h.customerId, points);
        const id = newId();
        const entryId = newId();
        const rules = await this.deps.program.rulesAt(tx, now);
        const entry: NewLedgerEntry = {
          customerId: h.customerId,
          id: entryId,
          kind: 'redeem',
          points: -points,
          pendingPoints: 0,
          sourceType: 'hold',
          sourceId: id,
          idempotencyKey: `hold:${id}:redeem`,
          ruleVersion: rules.version,
          relatesTo: null,
          reason: null,
          actor,
          detail: { holdId: id, reference: h.reference ?? null, rewardCode, valueFen: pointsToFen(points, rules) },
          occurredAt: now,
          draws: plan.draws.map((d) => ({ lotId: d.lotId, points: d.points })),
          heldDelta: points,
        };
        await L.write(tx, [entry]);
        const expiresAt = new Date(now.getTime() + h.ttlSeconds * 1000);
        const [row] = await query<HoldRow>(
          tx,
          sql`insert into loyalty.holds (customer_id, id, points, status, reference, reward_code, idempotency_key, entry_id, expires_at, created_at)
              values (${h.customerId}, ${id}, ${points}, 'held', ${h.reference ?? null}, ${rewardCode}, ${h.idempotencyKey}, ${entryId},
                      ${expiresAt.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
              returning *`,
        );
        return { hold: holdOf(row!), created: true };
      });
    });
  }

  /** The customer's hold made with the key (keys are unique per customer: unique (customer_id, idempotency_key)). */
  private async holdByKey(tx: Db, customerId: string, key: string): Promise<Hold | null> {
    if (!UUID_RE.test(customerId)) return null;
    const [row] = await query<HoldRow>(tx, sql`select * from loyalty.holds where customer_id = ${customerId}::uuid and idempotency_key = ${key}`);
    return row ? holdOf(row) : null;
  }

  async getHold(id: string, tx: Db = this.db): Promise<Hold> {
    const [row] = await query<HoldRow>(tx, sql`select * from loyalty.holds where id = ${id}`);
    if (!row) throw notFound('loyalty.hold_not_found', 'no such hold');
    return holdOf(row);
  }

  /** The checkout went through: the points stay spent. Committing a committed hold again answers it unchanged. */
  async commitHold(id: string): Promise<Hold> {
    const L = this.deps.ledger.internals;
    return this.db.transaction(async (tx) => {
      const first = await this.getHold(id, tx);
      return L.onAccount(tx, first.customerId, async () => {
        const hold = await this.getHold(id, tx);
        if (hold.status === 'committed') return hold;
        if (hold.status !== 'held') throw conflict('loyalty.hold_settled', `hold is ${hold.status}`);
        const now = L.clock.now();
        if (hold.expiresAt.getTime() <= now.getTime()) {
          await this.release(tx, hold, 'expired', now);
          throw conflict('loyalty.hold_expired', 'hold has expired; its points were put back');
        }
        await tx.execute(
          sql`update loyalty.accounts set held = held - ${hold.points}, updated_at = now() where customer_id = ${hold.customerId}`,
        );
        const [row] = await query<HoldRow>(
          tx,
          sql`update loyalty.holds set status = 'committed', settled_at = ${now.toISOString()}::timestamptz where id = ${id} returning *`,
        );
        return holdOf(row!);
      });
    });
  }

  /** The checkout was abandoned: a `reverse` entry puts the points back into the lots they came from. */
  async cancelHold(id: string): Promise<Hold> {
    const L = this.deps.ledger.internals;
    return this.db.transaction(async (tx) => {
      const first = await this.getHold(id, tx);
      return L.onAccount(tx, first.customerId, async () => {
        const hold = await this.getHold(id, tx);
        if (hold.status === 'cancelled' || hold.status === 'expired') return hold;
        if (hold.status !== 'held') throw conflict('loyalty.hold_settled', `hold is ${hold.status}`);
        return this.release(tx, hold, 'cancelled', L.clock.now());
      });
    });
  }

  /** Put a held hold's points back (cancel or expiry); the caller holds the account lock. */
  private async release(tx: Db, hold: Hold, status: 'cancelled' | 'expired', now: Date): Promise<Hold> {
    const L = this.deps.ledger.internals;
    const draws = await query<{ lot_id: string; points: string | number }>(
      tx,
      sql`select lot_id, points from loyalty.lot_draws where customer_id = ${hold.customerId} and entry_id = ${hold.entryId}`,
    );
    await L.write(tx, [
      {
        customerId: hold.customerId,
        id: newId(),
        kind: 'reverse',
        points: hold.points,
        pendingPoints: 0,
        sourceType: 'hold',
        sourceId: hold.id,
        idempotencyKey: `hold:${hold.id}:${status}`,
        ruleVersion: null,
        relatesTo: hold.entryId,
        reason: status === 'expired' ? 'hold expired' : 'hold cancelled',
        actor: 'system:holds',
        detail: { holdId: hold.id, status },
        occurredAt: now,
        draws: draws.map((d) => ({ lotId: d.lot_id, points: -Number(d.points) })),
        heldDelta: -hold.points,
      },
    ]);
    if (hold.rewardCode) await tx.execute(sql`update loyalty.rewards set stock = stock + 1 where code = ${hold.rewardCode} and stock is not null`);
    const [row] = await query<HoldRow>(
      tx,
      sql`update loyalty.holds set status = ${status}, settled_at = ${now.toISOString()}::timestamptz where id = ${hold.id} returning *`,
    );
    return holdOf(row!);
  }

  private async expireHoldsOf(tx: Db, customerId: string, now: Date): Promise<number> {
    const rows = await query<HoldRow>(
      tx,
      sql`select * from loyalty.holds where customer_id = ${customerId} and status = 'held' and expires_at <= ${now.toISOString()}::timestamptz`,
    );
    for (const r of rows) await this.release(tx, holdOf(r), 'expired', now);
    return rows.length;
  }

  /** Stale holds (expires_at passed, still held) are put back; run by the expiry job and lazily per member. */
  async expireHolds(at: Date = this.deps.ledger.internals.clock.now()): Promise<number> {
    const L = this.deps.ledger.internals;
    const members = await query<{ customer_id: string }>(
      this.db,
      sql`select distinct customer_id from loyalty.holds where status = 'held' and expires_at <= ${at.toISOString()}::timestamptz`,
    );
    let n = 0;
    for (const m of members) {
      n += await this.db.transaction((tx) => L.onAccount(tx, m.customer_id, () => this.expireHoldsOf(tx, m.customer_id, at)));
    }
    return n;
  }
}

function checkReward(r: Reward): void {
  const issues: Array<{ path: string; message: string }> = [];
  if (r.kind === 'cash' && (r.valueFen === null || r.valueFen <= 0)) issues.push({ path: 'value', message: 'a cash reward needs a positive value' });
  if (r.kind === 'goods' && !r.sku) issues.push({ path: 'sku', message: 'a goods reward needs the SKU handed over' });
  if (issues.length > 0) throw invalid('loyalty.reward_invalid', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
}
