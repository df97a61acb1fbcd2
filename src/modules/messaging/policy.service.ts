import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import { minutesOf, policyFromRows, type ContactPolicy } from './domain/policy.js';

/** The contact policy as stored: the defaults with each messaging.policies row over its part. One query. */
export async function readPolicy(db: Db): Promise<ContactPolicy> {
  const rows = await query<{ key: string; value: unknown }>(db, sql`select key, value from messaging.policies`);
  return policyFromRows(rows);
}

export type PolicyUpdate = Partial<{
  caps: Partial<ContactPolicy['caps']>;
  quietHours: Partial<ContactPolicy['quietHours']>;
  consent: ContactPolicy['consent'];
  channelOrder: ContactPolicy['channelOrder'];
  defaultHour: number;
}>;

/** GET / PUT /messaging/policy: caps, quiet hours, the consent model, the channel order, the default hour. */
export class PolicyService {
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    deps: { clock?: Clock } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  async get(): Promise<ContactPolicy & { updatedAt: Date | null; updatedBy: string | null }> {
    const rows = await query<{ key: string; value: unknown; updated_at: string | Date; updated_by: string | null }>(
      this.db,
      sql`select key, value, updated_at, updated_by from messaging.policies order by updated_at desc`,
    );
    return { ...policyFromRows(rows), updatedAt: rows[0] ? new Date(rows[0].updated_at) : null, updatedBy: rows[0]?.updated_by ?? null };
  }

  /** Changes the parts given (the rest stays), all in one transaction; answers the whole policy. */
  async update(input: PolicyUpdate, actor: string) {
    const current = await readPolicy(this.db);
    const next: ContactPolicy = {
      caps: { ...current.caps, ...(input.caps ?? {}) },
      quietHours: { ...current.quietHours, ...(input.quietHours ?? {}) },
      consent: input.consent ?? current.consent,
      channelOrder: input.channelOrder ?? current.channelOrder,
      defaultHour: input.defaultHour ?? current.defaultHour,
    };
    for (const f of ['start', 'end'] as const)
      if (minutesOf(next.quietHours[f]) === undefined)
        throw invalid('messaging.invalid_policy', `quietHours.${f} must be a time HH:MM`, [{ path: `quietHours.${f}`, message: 'must be HH:MM (00:00–23:59)' }]);
    if (new Set(next.channelOrder).size !== next.channelOrder.length)
      throw invalid('messaging.invalid_policy', 'channelOrder names a channel twice', [{ path: 'channelOrder', message: 'each channel at most once' }]);
    const rows: Array<[string, unknown]> = [];
    if (input.caps) rows.push(['caps', next.caps]);
    if (input.quietHours) rows.push(['quiet_hours', next.quietHours]);
    if (input.consent) rows.push(['consent', { model: next.consent }]);
    if (input.channelOrder) rows.push(['channel_order', next.channelOrder]);
    if (input.defaultHour !== undefined) rows.push(['default_hour', { hour: next.defaultHour }]);
    if (rows.length > 0) {
      const now = this.clock.now().toISOString();
      await this.db.execute(sql`insert into messaging.policies (key, value, updated_by, updated_at)
        select r.key, r.value, ${actor}, ${now}::timestamptz from jsonb_to_recordset(${JSON.stringify(rows.map(([key, value]) => ({ key, value })))}::jsonb) as r(key text, value jsonb)
        on conflict (key) do update set value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    }
    return this.get();
  }
}
