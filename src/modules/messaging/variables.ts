import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { TIER_PRESETS } from '../loyalty/index.js';
import type { Locale, VariableProvider } from './messaging.contract.js';
import { variableNames } from './domain/render.js';

/** Variables every customer has: from the profile, the loyalty account, the configuration and the message. */
export const BASE_VARIABLES = ['name', 'tierName', 'pointsBalance', 'brand', 'unsubscribeUrl'] as const;

/**
 * Template variables other modules provide (recommendations, nearby stores, …). The composition root registers them;
 * the send-time checks call each provider once per batch with only the customers whose text names one of its
 * variables.
 */
export class VariableRegistry {
  private readonly list: VariableProvider[] = [];

  register(provider: VariableProvider): void {
    for (const n of provider.names) {
      if ((BASE_VARIABLES as readonly string[]).includes(n) || this.list.some((p) => p.names.includes(n)))
        throw new Error(`the template variable ${n} is already provided`);
    }
    this.list.push(provider);
  }

  get providers(): readonly VariableProvider[] {
    return this.list;
  }

  /** Every variable name a template may use without the planner giving it. */
  knownNames(): Set<string> {
    return new Set<string>([...BASE_VARIABLES, ...this.list.flatMap((p) => p.names)]);
  }

  /**
   * Values from the providers for texts that need them: `texts` maps a customer to the texts rendered for them; a
   * provider is called once with the customers whose texts use one of its names (never when none do).
   */
  async load(db: Db, texts: ReadonlyMap<string, readonly string[]>, locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    if (this.list.length === 0) return out;
    const used = new Map<string, Set<string>>();
    for (const [customerId, list] of texts) used.set(customerId, new Set(list.flatMap((t) => variableNames(t))));
    for (const p of this.list) {
      const ids = [...used].filter(([, names]) => p.names.some((n) => names.has(n))).map(([id]) => id);
      if (ids.length === 0) continue;
      const values = await p.load(db, ids, locale);
      for (const [id, v] of values) out.set(id, { ...(out.get(id) ?? {}), ...v });
    }
    return out;
  }
}

/** The profile facts the send-time checks and the preview read, one query for a set of customers. */
export interface CustomerProfile {
  id: string;
  status: string;
  name: string | null;
  birthday: string | null;
  locale: string | null;
  preferredChannel: string | null;
  pointsBalance: number;
  tierCode: string | null;
  tierName: { 'zh-CN'?: string; en?: string } | null;
}

export async function loadProfiles(db: Db, customerIds: readonly string[]): Promise<Map<string, CustomerProfile>> {
  const out = new Map<string, CustomerProfile>();
  if (customerIds.length === 0) return out;
  const rows = await query<{
    id: string;
    status: string;
    name: string | null;
    birthday: string | Date | null;
    locale: string | null;
    preferred: string | null;
    available: string | number | null;
    tier_set: string | null;
    tier_code: string | null;
    tier_name: unknown;
  }>(
    db,
    // The tiers' names once per set (its active version, else its latest), not once per customer.
    sql`with sets as (select distinct on (code) code, definition from loyalty.tier_sets order by code, active desc, version desc),
          names as (select s.code as tier_set, t->>'code' as tier_code, t->'name' as names from sets s cross join lateral jsonb_array_elements(s.definition->'tiers') t)
        select c.id, c.status, c.name, c.birthday::text as birthday, c.attributes->>'locale' as locale, c.attributes->>'preferredChannel' as preferred,
          a.available, a.tier_set, a.tier_code, n.names as tier_name
        from customers.customers c
        left join loyalty.accounts a on a.customer_id = c.id
        left join names n on n.tier_set = a.tier_set and n.tier_code = a.tier_code
        where c.id = any(${sql.param([...customerIds])}::uuid[])`,
  );
  for (const r of rows) {
    let tierName = (typeof r.tier_name === 'string' ? JSON.parse(r.tier_name) : r.tier_name) as CustomerProfile['tierName'];
    if (!tierName && r.tier_code) {
      const preset = Object.values(TIER_PRESETS)
        .flatMap((p) => p.definition.tiers)
        .find((t) => t.code === r.tier_code);
      tierName = preset ? preset.name : null;
    }
    out.set(r.id, {
      id: r.id,
      status: r.status,
      name: r.name,
      birthday: r.birthday == null ? null : r.birthday instanceof Date ? r.birthday.toISOString().slice(0, 10) : String(r.birthday).slice(0, 10),
      locale: r.locale,
      preferredChannel: r.preferred,
      pointsBalance: Number(r.available ?? 0),
      tierCode: r.tier_code,
      tierName,
    });
  }
  return out;
}

/** The base variables of one customer for one message. */
export function baseVariables(p: CustomerProfile | undefined, locale: Locale, brand: string, unsubscribeUrl: string): Record<string, unknown> {
  return {
    name: p?.name ?? '',
    tierName: (p?.tierName && (p.tierName[locale] ?? p.tierName['zh-CN'])) ?? '',
    pointsBalance: p ? p.pointsBalance : 0,
    brand,
    unsubscribeUrl,
  };
}
