import { formatMoney } from '../../../platform/money.js';
import { dateOf } from './calendar.js';
import { generatePerson } from './person.generator.js';
import { addStats, emptyStats, type EventRecord, type MemberRecord, type OrderRecord, type PersonStats, type ProductRecord, type ReturnRecord, type StoreRecord } from './records.js';
import { DemoWorld, type DemoOptions } from './world.js';

export interface DemoChunk {
  /** People [first, first + stats.people) of the run. */
  first: number;
  members: MemberRecord[];
  /**
   * Person by person, each person's records in time order: people do not share identifiers, so
   * the outcome is the same as a feed in global time order, and a batch touches far fewer profiles.
   */
  orders: OrderRecord[];
  returns: ReturnRecord[];
  events: EventRecord[];
  stats: PersonStats;
}

export interface DemoPlan {
  options: DemoOptions;
  window: { from: string; to: string };
  stores: StoreRecord[];
  products: ProductRecord[];
  /** Lazily generated, `size` people at a time: memory stays flat whatever the customer count. */
  chunks(size?: number): Generator<DemoChunk>;
}

export const DEFAULT_CHUNK = 500;

/** A deterministic demo brand: the same options give byte-identical records. */
export function planDemo(options: DemoOptions): DemoPlan {
  const w = new DemoWorld(options);
  return {
    options,
    window: { from: dateOf(w.from), to: dateOf(w.to) },
    stores: w.stores.map((s) => ({
      code: s.code,
      name: s.name,
      city: s.city,
      district: s.district,
      address: s.address,
      lat: s.lat,
      lng: s.lng,
      openedOn: s.openedOn,
    })),
    products: w.products.map((p) => ({
      sku: p.sku,
      name: p.name,
      category: p.path.join('/'),
      brand: p.brand,
      listPrice: formatMoney(p.priceFen),
      consumable: p.consumable,
      attributes: {
        priceBand: p.band,
        ...(p.season ? { season: p.season } : {}),
        ...(p.stage ? { stage: p.stage } : {}),
        ...(p.size ? { size: p.size } : {}),
      },
    })),
    *chunks(size = DEFAULT_CHUNK) {
      for (let first = 0; first < options.customers; first += size) {
        const chunk: DemoChunk = { first, members: [], orders: [], returns: [], events: [], stats: emptyStats() };
        const last = Math.min(options.customers, first + size);
        for (let i = first; i < last; i++) {
          const person = generatePerson(w, i);
          chunk.members.push(...person.members);
          chunk.orders.push(...person.orders);
          chunk.returns.push(...person.returns);
          chunk.events.push(...person.events);
          addStats(chunk.stats, person.stats);
        }
        yield chunk;
      }
    },
  };
}
