import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../platform/db/database.js';
import type { Locale, VariableProvider } from '../messaging.contract.js';
import { EARTH_RADIUS_KM, haversineKm } from './geo.js';

/** Stores named by an offer: within this many km of the customer (product.md §6: instant delivery or pick-up). */
export const NEARBY_RADIUS_KM = 3;
/** Most stores `nearbyStores` names. */
export const NEARBY_MAX = 3;

/**
 * `nearbyStores`, `nearestStore`, `nearestStoreKm`, `nearbyStoresLine`: the open stores within 3 km of where the
 * customer is, nearest first (ties by store code), up to 3.
 *
 * Where the customer is, in this order:
 * 1. `customers.attributes.location` = `{"lat": 31.23, "lng": 121.47}` (WGS-84 degrees, numbers) — what a mini-program
 *    or app writes through the ordinary profile upsert (`POST /api/v1/customers`, `attributes` are merged into the
 *    profile's, so `{"attributes": {"location": {"lat": …, "lng": …, "at": "…"}}}` replaces the last one);
 * 2. else the store of the customer's latest `store_visit` activity event, when that store has coordinates.
 * Without either, the variables are absent (empty in the text); `nearbyStoresLine` is the whole sentence, so a template
 * can carry it and read well either way.
 *
 * Set-based: one query for the batch — the customers' positions, joined to the stores inside each position's
 * bounding box (latitude ± r/(R·π/180), longitude ± that / cos(latitude)) — and the exact great-circle distance
 * (haversine) on the few candidates.
 */
export class NearbyStoresProvider implements VariableProvider {
  readonly names = ['nearbyStores', 'nearestStore', 'nearestStoreKm', 'nearbyStoresLine'] as const;

  constructor(private readonly opts: { radiusKm?: number; max?: number } = {}) {}

  async load(db: Db, customerIds: readonly string[], locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    if (customerIds.length === 0) return out;
    const radius = this.opts.radiusKm ?? NEARBY_RADIUS_KM;
    const max = this.opts.max ?? NEARBY_MAX;
    const dLat = radius / ((EARTH_RADIUS_KM * Math.PI) / 180);
    const rows = await query<{ customer_id: string; lat: number; lng: number; code: string; name: string; s_lat: number; s_lng: number }>(
      db,
      sql`with ids as (select unnest(${sql.param([...customerIds])}::uuid[]) as id),
          own as (
            select c.id as customer_id, (c.attributes #>> '{location,lat}')::float8 as lat, (c.attributes #>> '{location,lng}')::float8 as lng
              from customers.customers c join ids on ids.id = c.id
             where jsonb_typeof(c.attributes #> '{location,lat}') = 'number' and jsonb_typeof(c.attributes #> '{location,lng}') = 'number'
               and abs((c.attributes #>> '{location,lat}')::float8) <= 90 and abs((c.attributes #>> '{location,lng}')::float8) <= 180),
          visited as (
            select distinct on (e.customer_id) e.customer_id, s.lat, s.lng
              from activity.events e join ids on ids.id = e.customer_id
              join catalog.stores s on s.code = e.store_code
             where e.type = 'store_visit' and s.lat is not null and s.lng is not null
               and not exists (select 1 from own where own.customer_id = e.customer_id)
             order by e.customer_id, e.occurred_at desc, e.id),
          here as (select * from own union all select * from visited)
          select h.customer_id::text as customer_id, h.lat, h.lng, s.code, s.name, s.lat as s_lat, s.lng as s_lng
            from here h
            join catalog.stores s
              on s.status = 'open' and s.lat is not null and s.lng is not null
             and s.lat between h.lat - ${dLat} and h.lat + ${dLat}
             and s.lng between h.lng - ${dLat} / greatest(cos(radians(h.lat)), 1e-6) and h.lng + ${dLat} / greatest(cos(radians(h.lat)), 1e-6)`,
    );
    const near = new Map<string, Array<{ code: string; name: string; km: number }>>();
    for (const r of rows) {
      const km = haversineKm({ lat: Number(r.lat), lng: Number(r.lng) }, { lat: Number(r.s_lat), lng: Number(r.s_lng) });
      if (km > radius) continue;
      const list = near.get(r.customer_id) ?? [];
      list.push({ code: r.code, name: r.name, km });
      near.set(r.customer_id, list);
    }
    for (const [customerId, list] of near) {
      list.sort((a, b) => a.km - b.km || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
      const top = list.slice(0, max);
      const lang = locale(customerId);
      const first = top[0]!;
      const km = formatKm(first.km);
      out.set(customerId, {
        nearbyStores: top.map((s) => s.name).join(lang === 'en' ? ', ' : '、'),
        nearestStore: first.name,
        nearestStoreKm: km,
        nearbyStoresLine: lang === 'en' ? `Your nearest store: ${first.name} (${km} km).` : `离您最近的门店：${first.name}（${km} 公里）。`,
      });
    }
    return out;
  }
}

/** Kilometres to one decimal. */
export function formatKm(km: number): string {
  return (Math.round(km * 10) / 10).toFixed(1);
}
