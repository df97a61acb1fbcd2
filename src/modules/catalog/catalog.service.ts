import { asc, desc, eq, ilike, or, sql, inArray, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { ItemResult } from '../../platform/http/batch.js';
import { products, stores } from './db/catalog.schema.js';
import type { ProductInput, StoreInput } from './catalog.schemas.js';

export type Store = typeof stores.$inferSelect;
export type Product = typeof products.$inferSelect;

export const STORE_SORTS = ['code', 'name', 'city', 'openedOn', 'status'] as const;
export const PRODUCT_SORTS = ['sku', 'name', 'category', 'brand', 'listPrice', 'updatedAt'] as const;

export interface PageQuery<S extends string> {
  q?: string | undefined;
  /** `key` or `-key` (descending). */
  sort: S | `-${S}`;
  page: number;
  pageSize: number;
}

/** Text sorts by code point (`collate "C"`), so PGlite and PostgreSQL list in the same order. */
const byText = (c: AnyColumn) => sql`${c} collate "C"`;
const STORE_ORDER: Record<(typeof STORE_SORTS)[number], SQL | AnyColumn> = {
  code: byText(stores.code),
  name: byText(stores.name),
  city: byText(stores.city),
  openedOn: stores.openedOn,
  status: byText(stores.status),
};
const PRODUCT_ORDER: Record<(typeof PRODUCT_SORTS)[number], SQL | AnyColumn> = {
  sku: byText(products.sku),
  name: byText(products.name),
  category: sql`array_to_string(${products.categoryPath}, '/') collate "C"`,
  brand: byText(products.brand),
  listPrice: products.listPriceFen,
  updatedAt: products.updatedAt,
};

function orderOf<S extends string>(columns: Record<S, SQL | AnyColumn>, sort: S | `-${S}`, tieBreak: SQL): SQL[] {
  const key = sort.replace(/^-/, '') as S;
  const dir = sort.startsWith('-') ? desc : asc;
  // Empty values last whichever way the list is sorted.
  return [sql`${columns[key]} is null`, dir(columns[key]), tieBreak];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class CatalogService {
  constructor(private readonly db: Db) {}

  /** Insert or update by store code; reports created / updated / unchanged per item. */
  async upsertStores(items: Array<{ index: number; value: StoreInput }>): Promise<ItemResult<{ id: string; code: string }>[]> {
    if (items.length === 0) return [];
    const rows = dedupeLast(items, (i) => i.value.code).map(({ index, value: s }) => ({
      index,
      row: {
        id: newId(),
        code: s.code,
        name: s.name,
        city: s.city ?? null,
        district: s.district ?? null,
        address: s.address ?? null,
        lat: s.lat ?? null,
        lng: s.lng ?? null,
        openedOn: s.openedOn ?? null,
        status: s.status ?? 'open',
      },
    }));
    const before = await this.db
      .select({ code: stores.code, h: sql<string>`md5(row(name, city, district, address, lat, lng, opened_on, status)::text)` })
      .from(stores)
      .where(inArray(stores.code, rows.map((r) => r.row.code)));
    const prior = new Map(before.map((b) => [b.code, b.h]));
    const written = await this.db
      .insert(stores)
      .values(rows.map((r) => r.row))
      .onConflictDoUpdate({
        target: stores.code,
        set: {
          name: sql`excluded.name`,
          city: sql`excluded.city`,
          district: sql`excluded.district`,
          address: sql`excluded.address`,
          lat: sql`excluded.lat`,
          lng: sql`excluded.lng`,
          openedOn: sql`excluded.opened_on`,
          status: sql`excluded.status`,
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: stores.id, code: stores.code, h: sql<string>`md5(row(${stores.name}, ${stores.city}, ${stores.district}, ${stores.address}, ${stores.lat}, ${stores.lng}, ${stores.openedOn}, ${stores.status})::text)` });
    const byCode = new Map(written.map((w) => [w.code, w]));
    return items.map(({ index, value }) => {
      const w = byCode.get(value.code)!;
      const old = prior.get(value.code);
      const status = old === undefined ? 'created' : old === w.h ? 'unchanged' : 'updated';
      return { index, status, id: w.id, code: w.code };
    });
  }

  async upsertProducts(items: Array<{ index: number; value: ProductInput }>): Promise<ItemResult<{ id: string; sku: string }>[]> {
    if (items.length === 0) return [];
    const rows = dedupeLast(items, (i) => i.value.sku).map(({ value: p }) => ({
      id: newId(),
      sku: p.sku,
      name: p.name,
      categoryPath: p.category ?? [],
      brand: p.brand ?? null,
      listPriceFen: p.listPrice ?? null,
      consumable: p.consumable ?? false,
      attributes: p.attributes ?? {},
    }));
    const hashExpr = sql`md5(row(name, category_path, brand, list_price_fen, consumable, attributes)::text)`;
    const before = await this.db
      .select({ sku: products.sku, h: sql<string>`${hashExpr}` })
      .from(products)
      .where(inArray(products.sku, rows.map((r) => r.sku)));
    const prior = new Map(before.map((b) => [b.sku, b.h]));
    const written = await this.db
      .insert(products)
      .values(rows)
      .onConflictDoUpdate({
        target: products.sku,
        set: {
          name: sql`excluded.name`,
          categoryPath: sql`excluded.category_path`,
          brand: sql`excluded.brand`,
          listPriceFen: sql`excluded.list_price_fen`,
          consumable: sql`excluded.consumable`,
          attributes: sql`excluded.attributes`,
          updatedAt: sql`now()`,
        },
      })
      .returning({
        id: products.id,
        sku: products.sku,
        h: sql<string>`md5(row(${products.name}, ${products.categoryPath}, ${products.brand}, ${products.listPriceFen}, ${products.consumable}, ${products.attributes})::text)`,
      });
    const bySku = new Map(written.map((w) => [w.sku, w]));
    return items.map(({ index, value }) => {
      const w = bySku.get(value.sku)!;
      const old = prior.get(value.sku);
      const status = old === undefined ? 'created' : old === w.h ? 'unchanged' : 'updated';
      return { index, status, id: w.id, sku: w.sku };
    });
  }

  async listStores(): Promise<Store[]> {
    return this.db.select().from(stores).orderBy(asc(stores.code));
  }

  /** One page of stores: code prefix, name or city containing `q`. */
  async storesPage(q: PageQuery<(typeof STORE_SORTS)[number]>): Promise<{ items: Store[]; total: number }> {
    const term = q.q?.trim() ? escapeLike(q.q.trim()) : undefined;
    const where = term ? or(ilike(stores.code, `${term}%`), ilike(stores.name, `%${term}%`), ilike(stores.city, `%${term}%`)) : undefined;
    return this.page<Store>(stores, where, orderOf(STORE_ORDER, q.sort, byText(stores.code)), q);
  }

  /** One page of products: SKU prefix, name or brand containing `q`. */
  async productsPage(q: PageQuery<(typeof PRODUCT_SORTS)[number]>): Promise<{ items: Product[]; total: number }> {
    const term = q.q?.trim() ? escapeLike(q.q.trim()) : undefined;
    const where = term ? or(ilike(products.sku, `${term}%`), ilike(products.name, `%${term}%`), ilike(products.brand, `%${term}%`)) : undefined;
    return this.page<Product>(products, where, orderOf(PRODUCT_ORDER, q.sort, byText(products.sku)), q);
  }

  private async page<R>(table: typeof stores | typeof products, where: SQL | undefined, order: SQL[], q: { page: number; pageSize: number }) {
    const [items, [count]] = await Promise.all([
      this.db
        .select()
        .from(table)
        .where(where)
        .orderBy(...order)
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize),
      this.db.select({ n: sql<number>`count(*)::int` }).from(table).where(where),
    ]);
    return { items: items as R[], total: count!.n };
  }

  async getStore(code: string): Promise<Store> {
    const [row] = await this.db.select().from(stores).where(eq(stores.code, code));
    if (!row) throw notFound('catalog.store_not_found', `No store with code ${code}`);
    return row;
  }

  async searchProducts(q: { search?: string; limit: number; offset: number }): Promise<Product[]> {
    const where = q.search ? or(ilike(products.sku, `${q.search}%`), ilike(products.name, `%${q.search}%`)) : undefined;
    return this.db.select().from(products).where(where).orderBy(asc(products.sku)).limit(q.limit).offset(q.offset);
  }

  async getProduct(sku: string): Promise<Product> {
    const [row] = await this.db.select().from(products).where(eq(products.sku, sku));
    if (!row) throw notFound('catalog.product_not_found', `No product with SKU ${sku}`);
    return row;
  }

  /**
   * Placeholders for store codes and SKUs not in the catalog yet, so no order line is lost and
   * every line joins to a product row. One statement whatever the count; callers pass codes
   * sorted, so two writers creating the same codes lock them in the same order.
   */
  async ensureStores(db: Db, codes: string[]): Promise<void> {
    await ensureCodes(db, codes, (rows) => sql`
      insert into catalog.stores (id, code, name, status)
      select x.id, x.code, x.code, 'open' from json_to_recordset(${rows}::json) as x(id uuid, code text)
      where not exists (select 1 from catalog.stores s where s.code = x.code)
      on conflict (code) do nothing`);
  }

  async ensureProducts(db: Db, skus: string[]): Promise<void> {
    await ensureCodes(db, skus, (rows) => sql`
      insert into catalog.products (id, sku, name, category_path)
      select x.id, x.code, x.code, '{}' from json_to_recordset(${rows}::json) as x(id uuid, code text)
      where not exists (select 1 from catalog.products p where p.sku = x.code)
      on conflict (sku) do nothing`);
  }
}

/** One insert of the unknown ones among `codes`; the statement gets them as JSON [{id, code}]. */
async function ensureCodes(db: Db, codes: string[], insert: (rows: string) => SQL): Promise<void> {
  if (!codes.length) return;
  await db.execute(insert(JSON.stringify([...new Set(codes)].map((code) => ({ id: newId(), code })))));
}

/** A batch naming the same key twice keeps the last one (as a replayed feed would). */
function dedupeLast<T>(items: T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const i of items) m.set(key(i), i);
  return [...m.values()];
}
