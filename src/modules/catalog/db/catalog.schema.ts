import { bigint, boolean, date, doublePrecision, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Catalog tables are small and shared by every customer: reference tables on Citus. */
export const catalog = pgSchema('catalog');

export const stores = catalog.table('stores', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  city: text('city'),
  district: text('district'),
  address: text('address'),
  lat: doublePrecision('lat'),
  lng: doublePrecision('lng'),
  openedOn: date('opened_on'),
  status: text('status').notNull().default('open'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const products = catalog.table('products', {
  id: uuid('id').primaryKey(),
  sku: text('sku').notNull().unique(),
  name: text('name').notNull(),
  /** Category path from the root, e.g. ['服装', '女装', '连衣裙']. */
  categoryPath: text('category_path').array().notNull(),
  brand: text('brand'),
  listPriceFen: bigint('list_price_fen', { mode: 'number' }),
  consumable: boolean('consumable').notNull().default(false),
  attributes: jsonb('attributes').notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
