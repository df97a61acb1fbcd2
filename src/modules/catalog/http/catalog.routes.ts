import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { batchBody, splitValid, summarize } from '../../../platform/http/batch.js';
import { formatMoney } from '../../../platform/money.js';
import { PRODUCT_SORTS, STORE_SORTS, type CatalogService, type Product } from '../catalog.service.js';
import { ProductInput, StoreInput } from '../catalog.schemas.js';

/** Console lists: `page`, `pageSize` (≤ 200) and `sort` (`key` or `-key`, one of `keys`). */
function pageQuery<K extends string>(keys: readonly K[], fallback: K) {
  return {
    page: z.coerce.number().int().min(1).max(100_000).optional(),
    pageSize: z.coerce.number().int().min(1).max(200).default(25),
    sort: z
      .string()
      .default(fallback)
      .refine((v) => (keys as readonly string[]).includes(v.replace(/^-/, '')), { message: `one of ${keys.join(', ')} (prefix - for descending)` })
      .transform((v) => v as K | `-${K}`),
  };
}

export function productView(p: Product) {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    category: p.categoryPath,
    brand: p.brand,
    listPrice: p.listPriceFen === null ? null : formatMoney(p.listPriceFen),
    consumable: p.consumable,
    attributes: p.attributes,
  };
}

export function registerCatalogRoutes(root: FastifyInstance, catalog: CatalogService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['catalog'];

  app.post(
    '/api/v1/stores',
    { config: { scope: 'catalog:write' }, schema: { tags, summary: 'Create or update a store by code', body: StoreInput } },
    async (req, reply) => {
      const [r] = await catalog.upsertStores([{ index: 0, value: req.body }]);
      reply.status(r!.status === 'created' ? 201 : 200);
      return r;
    },
  );
  app.post(
    '/api/v1/stores/batch',
    {
      config: { scope: 'catalog:write' },
      schema: { tags, summary: 'Upsert up to 1,000 stores; per-item results', body: batchBody },
    },
    async (req) => {
      const { valid, errors } = splitValid(StoreInput, req.body.items);
      return summarize([...errors, ...(await catalog.upsertStores(valid))]);
    },
  );
  app.get(
    '/api/v1/stores',
    {
      config: { scope: 'catalog:read' },
      schema: {
        tags,
        summary: 'List stores',
        description: 'Without `page`: every store, by code. With `page`: `pageSize` stores of page `page` sorted by `sort`, and `total`.',
        querystring: z.object({ q: z.string().max(100).optional(), ...pageQuery(STORE_SORTS, 'code') }),
      },
    },
    async (req) => {
      const { page, pageSize, sort, q } = req.query;
      if (page === undefined) return { items: await catalog.listStores() };
      return catalog.storesPage({ q, page, pageSize, sort });
    },
  );
  app.get(
    '/api/v1/stores/:code',
    { config: { scope: 'catalog:read' }, schema: { tags, summary: 'One store', params: z.object({ code: z.string() }) } },
    async (req) => catalog.getStore(req.params.code),
  );

  app.post(
    '/api/v1/products',
    { config: { scope: 'catalog:write' }, schema: { tags, summary: 'Create or update a product by SKU', body: ProductInput } },
    async (req, reply) => {
      const [r] = await catalog.upsertProducts([{ index: 0, value: req.body }]);
      reply.status(r!.status === 'created' ? 201 : 200);
      return r;
    },
  );
  app.post(
    '/api/v1/products/batch',
    {
      config: { scope: 'catalog:write' },
      schema: { tags, summary: 'Upsert up to 1,000 products; per-item results', body: batchBody },
    },
    async (req) => {
      const { valid, errors } = splitValid(ProductInput, req.body.items);
      return summarize([...errors, ...(await catalog.upsertProducts(valid))]);
    },
  );
  app.get(
    '/api/v1/products',
    {
      config: { scope: 'catalog:read' },
      schema: {
        tags,
        summary: 'Search products by SKU prefix or name',
        description: 'Two ways to page: `limit`/`offset`, or `page`, `pageSize` and `sort` (answers `total` too).',
        querystring: z.object({
          q: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).default(0),
          ...pageQuery(PRODUCT_SORTS, 'sku'),
        }),
      },
    },
    async (req) => {
      const { page, pageSize, sort, q } = req.query;
      if (page !== undefined) {
        const found = await catalog.productsPage({ q, page, pageSize, sort });
        return { items: found.items.map(productView), total: found.total };
      }
      return { items: (await catalog.searchProducts({ search: q, limit: req.query.limit, offset: req.query.offset })).map(productView) };
    },
  );
  app.get(
    '/api/v1/products/:sku',
    { config: { scope: 'catalog:read' }, schema: { tags, summary: 'One product', params: z.object({ sku: z.string() }) } },
    async (req) => productView(await catalog.getProduct(req.params.sku)),
  );
}
