import { DEMO_CHANNELS, dayNumber, dayProfile, type DayProfile, type DemoChannel } from './calendar.js';
import { DEMO_STORES, buildProducts, type Category, type DemoProduct, type DemoStore, type DiaperSize, type PriceBand } from './catalog.data.js';
import { scatter } from './random.js';

export interface DemoOptions {
  seed: string;
  /** People to generate (each becomes one or more customer records across channels). */
  customers: number;
  /** The last day of the two-year window (local date in China), usually yesterday. */
  until: string;
  /** Identifier types that merge profiles automatically (config.strongIdentifiers). */
  strongIdentifiers: readonly string[];
}

export const WINDOW_DAYS = 730;

/**
 * Everything the people share: the window's calendar (with running sums of demand per channel so
 * a day can be drawn in O(log n)), the catalog indexed for basket building, and the bijections that
 * hand out unique phone numbers and account numbers by person index.
 */
export class DemoWorld {
  readonly from: number;
  readonly to: number;
  readonly days: DayProfile[];
  /** cumBase[c][i] = sum of base demand of the first i days of the window. */
  readonly cumBase: Record<DemoChannel, Float64Array>;
  readonly cumPromo: Record<DemoChannel, Float64Array>;
  readonly products: DemoProduct[];
  readonly stores: readonly DemoStore[];
  readonly storeOpenDay: ReadonlyMap<string, number>;
  private readonly pools = new Map<string, DemoProduct[]>();
  readonly formula = new Map<number, DemoProduct[]>();
  readonly diapers = new Map<DiaperSize, DemoProduct[]>();
  readonly strong: ReadonlySet<string>;
  readonly ids: {
    phone: (i: number) => number;
    member: (i: number) => number;
    card: (i: number) => number;
    ecom: (i: number) => number;
    email: (i: number) => number;
  };

  constructor(readonly options: DemoOptions) {
    this.to = dayNumber(options.until);
    this.from = this.to - WINDOW_DAYS + 1;
    this.days = Array.from({ length: WINDOW_DAYS }, (_, i) => dayProfile(this.from + i));
    const cum = (pick: (d: DayProfile) => number) => {
      const a = new Float64Array(WINDOW_DAYS + 1);
      for (let i = 0; i < WINDOW_DAYS; i++) a[i + 1] = a[i]! + pick(this.days[i]!);
      return a;
    };
    this.cumBase = { pos: cum((d) => d.base.pos), online: cum((d) => d.base.online), miniprogram: cum((d) => d.base.miniprogram) };
    this.cumPromo = { pos: cum((d) => d.promo.pos), online: cum((d) => d.promo.online), miniprogram: cum((d) => d.promo.miniprogram) };
    this.stores = DEMO_STORES;
    this.storeOpenDay = new Map(DEMO_STORES.map((s) => [s.code, dayNumber(s.openedOn)]));
    this.products = buildProducts(options.seed);
    for (const p of this.products) {
      // Formula and diapers follow the baby's rhythm, not the everyday basket.
      if (!p.stage && !p.size) push(this.pools, poolKey(p.category, p.band), p);
      push(this.pools, leafKey(p.path), p);
      if (p.stage) push(this.formula, p.stage, p);
      if (p.size) push(this.diapers, p.size, p);
    }
    this.strong = new Set(options.strongIdentifiers);
    // Index spaces: people [0, N), look-alike records [N, 2N), second phones [2N, 3N).
    this.ids = {
      phone: scatter(options.seed, 'phone', 100_000_000),
      member: scatter(options.seed, 'member', 100_000_000),
      card: scatter(options.seed, 'card', 100_000_000),
      ecom: scatter(options.seed, 'ecom', 1_000_000_000),
      email: scatter(options.seed, 'email', 10_000_000),
    };
  }

  /** Everyday products of a category and price band (formula and diapers excluded). */
  pool(category: Category, band: PriceBand): DemoProduct[] {
    return this.pools.get(poolKey(category, band)) ?? [];
  }

  leaf(path: readonly string[]): DemoProduct[] {
    return this.pools.get(leafKey(path)) ?? [];
  }

  /** Demand of channel c over window days [a, b] (offsets, inclusive). */
  demand(c: DemoChannel, a: number, b: number): { base: number; promo: number } {
    return { base: this.cumBase[c][b + 1]! - this.cumBase[c][a]!, promo: this.cumPromo[c][b + 1]! - this.cumPromo[c][a]! };
  }

  /** The window offset where a running sum first passes u (binary search). */
  locate(cum: Float64Array, u: number): number {
    let lo = 0;
    let hi = WINDOW_DAYS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid + 1]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  profile(day: number): DayProfile {
    return this.days[day - this.from]!;
  }

  readonly channels: readonly DemoChannel[] = DEMO_CHANNELS;
}

const poolKey = (c: string, b: string) => `${c}|${b}`;
const leafKey = (path: readonly string[]) => path.join('/');

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
