import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CHANNELS } from '../../orders/index.js';
import { BASKET_LEVELS, DEFAULT_SUGGEST_SUPPORT, type BasketService } from '../basket.service.js';

const tags = ['basket'];
const SCOPE = 'segments:read';

const support = z.number().gt(0, 'a fraction above 0 up to 1 (0.01 = 1%)').max(1, 'a fraction above 0 up to 1 (0.01 = 1%)');
const confidence = z.number().min(0, 'a fraction from 0 up to 1').max(1, 'a fraction from 0 up to 1');
const sort = z.enum(['lift', 'confidence', 'support']);
const limit = z.number().int().min(1).max(1000);

/** Filters in a JSON body. */
const Filters = {
  from: z.iso.date().optional().describe('First business date (inclusive, configured time zone)'),
  to: z.iso.date().optional().describe('Last business date (inclusive)'),
  stores: z.array(z.string().trim().min(1).max(64)).max(100).optional().describe('Store codes (any of)'),
  channels: z.array(z.enum(CHANNELS)).max(CHANNELS.length).optional().describe('Channels (any of)'),
  segment: z.string().trim().min(1).max(100).optional().describe("Only orders of this segment's current members (segment code)"),
  level: z.enum(BASKET_LEVELS).optional().describe('sku (default), category (the leaf of the category path) or brand'),
};

/** The same filters in a query string: lists comma-separated. */
const commaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .pipe(z.array(item).min(1));
const QueryFilters = {
  from: Filters.from,
  to: Filters.to,
  stores: commaList(z.string().max(64)).optional().describe('Comma-separated store codes'),
  channels: commaList(z.enum(CHANNELS)).optional().describe('Comma-separated channels'),
  segment: Filters.segment,
  level: Filters.level,
};
const qNumber = (inner: z.ZodNumber) => z.coerce.number().pipe(inner);

const RuleOut = z.object({
  lhs: z.array(z.string()),
  rhs: z.string(),
  count: z.number().int(),
  support: z.number(),
  confidence: z.number(),
  coverage: z.number(),
  lift: z.number(),
  leverage: z.number(),
  conviction: z.union([z.number(), z.literal('Infinity')]).describe('"Infinity" when the confidence is 1'),
});
const Suggestion = z.object({
  item: z.string(),
  because: z.array(z.string()).describe('The rule\'s left side: "because the basket has …"'),
  count: z.number().int(),
  support: z.number(),
  confidence: z.number(),
  lift: z.number(),
});
const Set = {
  baskets: z.number().int().describe('Orders with at least one item at the level'),
  items: z.number().int(),
  level: z.enum(BASKET_LEVELS),
  minSupport: z.number(),
  minCount: z.number().int().describe('Least baskets: ceil(minSupport × baskets)'),
};

const BASKETS =
  'One basket per order from orders.line_facts: orders not cancelled, lines not fully returned, an item once per basket; ' +
  'category level: lines without a category are left out; orders with no item left are no basket. See src/modules/basket/README.md.';

/** Basket analysis over the orders: association rules, frequently bought together, cross-sell, bundles. */
export function registerBasketRoutes(root: FastifyInstance, basket: BasketService) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/basket/rules',
    {
      config: { scope: SCOPE },
      schema: {
        tags,
        summary: 'Association rules X => {y} (FP-growth, arules semantics) with support, confidence, lift, leverage, conviction',
        description: BASKETS,
        body: z
          .object({
            ...Filters,
            minSupport: support.describe('Least share of baskets holding the whole rule'),
            minConfidence: confidence,
            minLen: z.number().int().min(1).max(10).optional().describe('Least items in a rule, both sides (default 1)'),
            maxLen: z.number().int().min(1).max(10).optional().describe('Most items in a rule (default 10)'),
            sort: sort.optional().describe('Descending (default lift)'),
            limit: limit.optional().describe('First n rules (default 100); total is the full count'),
          })
          .strict(),
        response: {
          200: z.object({
            ...Set,
            minConfidence: z.number(),
            minLen: z.number().int(),
            maxLen: z.number().int(),
            itemsets: z.number().int(),
            total: z.number().int(),
            sort,
            rules: z.array(RuleOut),
          }),
        },
      },
    },
    async (req) => {
      const r = await basket.rules({ ...req.body, limit: req.body.limit ?? 100 });
      return { ...r, rules: r.rules.map((x) => ({ ...x, conviction: x.conviction === Infinity ? ('Infinity' as const) : x.conviction })) };
    },
  );

  const SuggestQuery = {
    minSupport: support.optional().describe(`Least support of the rules used (default ${DEFAULT_SUGGEST_SUPPORT})`),
    minConfidence: confidence.optional().describe('Least confidence (default 0)'),
    sort: sort.optional().describe('Ranking (default lift)'),
    limit: limit.optional().describe('Most suggestions (default 10)'),
  };
  const SuggestOut = { ...Set, minConfidence: z.number(), suggestions: z.array(Suggestion) };

  app.get(
    '/api/v1/basket/together',
    {
      config: { scope: SCOPE },
      schema: {
        tags,
        summary: 'Frequently bought together with one item: the rules {item} => {y}, ranked',
        description: `${BASKETS} An item not in the baskets has no suggestions.`,
        querystring: z
          .object({
            item: z.string().trim().min(1).max(200).describe('SKU, category or brand (by level)'),
            ...QueryFilters,
            minSupport: qNumber(SuggestQuery.minSupport.unwrap()).optional(),
            minConfidence: qNumber(SuggestQuery.minConfidence.unwrap()).optional(),
            sort: SuggestQuery.sort,
            limit: qNumber(limit).optional(),
          })
          .strict(),
        response: { 200: z.object({ item: z.string(), ...SuggestOut }) },
      },
    },
    async (req) => {
      const { item, ...q } = req.query;
      return basket.together(item, q);
    },
  );

  app.post(
    '/api/v1/basket/cross-sell',
    {
      config: { scope: SCOPE },
      schema: {
        tags,
        summary: 'Cross-sell for a cart: items not in it, each by its best rule whose left side is inside the cart',
        description: BASKETS,
        body: z
          .object({ cart: z.array(z.string().trim().min(1).max(200)).min(1).max(20).describe('Items in the cart (1–20)'), ...Filters, ...SuggestQuery })
          .strict(),
        response: { 200: z.object({ cart: z.array(z.string()), ...SuggestOut }) },
      },
    },
    async (req) => {
      const { cart, ...q } = req.body;
      return basket.crossSell(cart, q);
    },
  );

  app.get(
    '/api/v1/basket/bundles',
    {
      config: { scope: SCOPE },
      schema: {
        tags,
        summary: 'Bundle suggestions: itemsets of 2–3 items with their support and lift against independence',
        description: BASKETS,
        querystring: z
          .object({
            ...QueryFilters,
            minSupport: qNumber(support).optional().describe(`Default ${DEFAULT_SUGGEST_SUPPORT}`),
            minSize: qNumber(z.number().int().min(2).max(5)).optional().describe('Default 2'),
            maxSize: qNumber(z.number().int().min(2).max(5)).optional().describe('Default 3'),
            minLift: qNumber(z.number().min(0)).optional(),
            sort: z.enum(['lift', 'support']).optional().describe('Default lift'),
            limit: qNumber(limit).optional().describe('Default 10'),
          })
          .strict(),
        response: {
          200: z.object({
            ...Set,
            bundles: z.array(z.object({ items: z.array(z.string()), count: z.number().int(), support: z.number(), lift: z.number() })),
          }),
        },
      },
    },
    async (req) => basket.bundles(req.query),
  );

  const Named = { item: z.string(), name: z.string().nullable().describe('Catalog name at SKU level; the category or brand itself at the others') };
  app.get(
    '/api/v1/basket/customers/:id/recommendations',
    {
      config: { scope: SCOPE },
      schema: {
        tags,
        summary: "Next-best items for a customer from their history: rules, similar items, items due again, popular ones — each with its reason",
        description:
          'The model (rules, item-to-item cosine, repurchase intervals, popularity) is built from every customer\'s orders in orders.line_facts ' +
          'and cached per level; rebuild=true builds it afresh. Items bought within 365 days are left out unless due again. See src/modules/basket/README.md.',
        params: z.object({ id: z.uuid() }),
        querystring: z
          .object({
            limit: qNumber(z.number().int().min(1).max(100)).optional().describe('Default 10'),
            level: Filters.level,
            asOf: z.iso.date().optional().describe('Business date the recommendations are made on (default today)'),
            rebuild: z.enum(['true', 'false']).optional().describe('Build the model afresh'),
          })
          .strict(),
        response: {
          200: z.object({
            customerId: z.uuid(),
            level: z.enum(BASKET_LEVELS),
            asOf: z.string(),
            model: z.object({ builtAt: z.string(), baskets: z.number().int(), customers: z.number().int(), items: z.number().int(), rules: z.number().int() }),
            recommendations: z.array(
              z.object({
                ...Named,
                kind: z.enum(['rule', 'similar', 'popular', 'due_again']),
                because: z.array(z.object(Named)).describe('rule: its left side; similar: the item bought it is like; due_again: the item itself; popular: none'),
                score: z.number(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => basket.recommendFor(req.params.id, { ...req.query, rebuild: req.query.rebuild === 'true' }),
  );

  const MetricsOut = z.object({ hitRate: z.number(), map: z.number(), precision: z.number(), recall: z.number() });
  app.post(
    '/api/v1/basket/evaluation',
    {
      config: { scope: SCOPE },
      schema: {
        tags,
        summary: 'Offline evaluation with a time split: hit rate@K and MAP@K of the personal recommendations and of a popularity baseline',
        description: 'Trained on the orders before splitDate, tested on each customer\'s items bought in [splitDate, splitDate + windowDays). See src/modules/basket/README.md.',
        body: z
          .object({
            splitDate: z.iso.date().describe('First business date of the test window'),
            windowDays: z.number().int().min(1).max(366).optional().describe('Default 30'),
            k: z.number().int().min(1).max(100).optional().describe('List length (default 10)'),
            excludeDays: z.number().int().min(0).max(3650).optional().describe('Items bought within this many days before the split are left out unless due (default 365)'),
            level: Filters.level,
          })
          .strict(),
        response: {
          200: z.object({
            level: z.enum(BASKET_LEVELS),
            splitDate: z.string(),
            windowDays: z.number().int(),
            k: z.number().int(),
            excludeDays: z.number().int(),
            trainBaskets: z.number().int(),
            testBaskets: z.number().int(),
            items: z.number().int(),
            rules: z.number().int(),
            customers: z.number().int(),
            buildMs: z.number(),
            recommender: MetricsOut,
            popular: MetricsOut,
          }),
        },
      },
    },
    async (req) => basket.evaluate(req.body),
  );
}
