import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { localDate } from '../platform/clock.js';
import { formatMoney } from '../platform/money.js';
import { CartInput, PROMOTION_STATUSES, type HoldoutComparison, type PromotionResults, type Quote, type StoredPromotion } from '../modules/promotions/index.js';
import type { Segment } from '../modules/segments/index.js';
import { asOfOption, CliError, withBackend, type Backend } from './context.js';

const yuan = (fen: number) => `¥${formatMoney(fen)}`;
const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const signed = (v: number, f: (x: number) => string) => (v < 0 ? `−${f(-v)}` : `+${f(v)}`);
const points = (v: number) => `${(v * 100).toFixed(1)} pts`;
const range = (low: number | null, high: number | null, f: (x: number) => string) => (low === null || high === null ? 'no interval' : `95 % CI ${signed(low, f)} … ${signed(high, f)}`);

/** The holdout comparison as the results commands print it. */
export function comparisonLines(c: HoldoutComparison): string[] {
  const perCustomer = (g: HoldoutComparison['treated']) => (g.revenuePerCustomerFen === null ? '—' : yuan(g.revenuePerCustomerFen));
  return [
    `  customers         treated ${c.treated.customers}, holdout ${c.holdout.customers}`,
    `  conversion        ${percent(c.treated.conversionRate)} vs ${percent(c.holdout.conversionRate)}: ${signed(c.conversion.difference, points)} (${range(c.conversion.low, c.conversion.high, points)})`,
    `  revenue/customer  ${perCustomer(c.treated)} vs ${perCustomer(c.holdout)}: ${signed(c.revenuePerCustomer.differenceFen, yuan)} (${range(c.revenuePerCustomer.lowFen, c.revenuePerCustomer.highFen, yuan)})`,
    `  incremental revenue ${signed(c.incrementalRevenueFen, yuan)} (${range(c.incrementalRevenueLowFen, c.incrementalRevenueHighFen, yuan)})`,
  ];
}

/** A quote as a cashier's receipt: lines, discounts, gifts, what did not apply, totals, points, the explanation. */
export function receipt(q: Quote, lang: 'en' | 'zh-CN' = 'en'): string[] {
  const out: string[] = [];
  out.push(`${q.channel}${q.storeCode ? ` ${q.storeCode}` : ''}, ${q.customerId ? `customer ${q.customerId}` : 'guest'}, priced at ${q.at}`);
  const skuWidth = Math.max(3, ...q.lines.map((l) => l.sku.length), ...q.gifts.map((g) => g.sku.length));
  for (const l of q.lines) {
    const discount = l.discountFen ? `−${formatMoney(l.discountFen)}` : '';
    out.push(
      `${String(l.lineNo).padStart(3)}  ${l.sku.padEnd(skuWidth)}  ${String(l.quantity).padStart(3)} × ${formatMoney(l.unitPriceFen).padStart(9)}  ${formatMoney(l.amountFen).padStart(10)}  ${discount.padStart(10)}  ${formatMoney(l.paidFen).padStart(10)}${l.name && l.name !== l.sku ? `  ${l.name}` : ''}`,
    );
  }
  for (const g of q.gifts) out.push(`${String(g.lineNo).padStart(3)}  ${g.sku.padEnd(skuWidth)}  ${String(g.quantity).padStart(3)} × gift (worth ${formatMoney(g.unitValueFen)}) from ${g.code}${g.name && g.name !== g.sku ? `  ${g.name}` : ''}`);
  if (q.applied.length) {
    out.push('Discounts:');
    for (const a of q.applied)
      out.push(`  ${a.kind.padEnd(9)} ${a.code} ${a.name}: ${a.discountFen ? `−${formatMoney(a.discountFen)}` : `gifts worth ${formatMoney(a.giftValueFen)}`}${a.step ? ` (${a.step})` : ''}`);
  }
  if (q.notApplied.length) {
    out.push('Not applied:');
    for (const n of q.notApplied) out.push(`  ${n.kind.padEnd(9)} ${n.code}: ${n.reason}`);
  }
  out.push(`Subtotal ${formatMoney(q.subtotalFen)}`, `Discount −${formatMoney(q.discountFen)}`, `Total ${formatMoney(q.totalFen)}`);
  if (q.points && q.points.used > 0) out.push(`Points ${q.points.used} used −${formatMoney(q.points.valueFen)}`);
  out.push(`Payable ${formatMoney(q.payableFen)}`);
  const explanation = q.explanation[lang];
  if (explanation.length) out.push('Explanation:', ...explanation.map((e) => `  ${e}`));
  return out;
}

function readCart(file: string): CartInput {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, 2);
  }
  const parsed = CartInput.safeParse(value);
  if (!parsed.success) throw new CliError(`${file}: not a cart\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(cart)'}: ${i.message}`).join('\n')}`, 2);
  return parsed.data;
}

/** A segment by id, code or name (a name must be unique). */
async function segmentOf(b: Backend, ref: string): Promise<{ id: string; name: string }> {
  const all: Array<Pick<Segment, 'id' | 'code' | 'name'>> =
    b.mode === 'direct' ? await b.kemai.segments.lists.list() : (await b.api.call<{ items: Segment[] }>('GET', '/api/v1/segments')).items;
  const byKey = all.find((s) => s.id === ref || s.code === ref);
  if (byKey) return byKey;
  const byName = all.filter((s) => s.name === ref);
  if (byName.length === 1) return byName[0]!;
  throw new CliError(byName.length > 1 ? `--segment: ${byName.length} segments are named ${ref}; give its code or id` : `--segment: no segment ${ref}`, 1);
}

/** `kemai promo list|simulate|issue|results`: promotions, a cart's price, coupons to a segment, results against a holdout. */
export function registerPromoCommands(program: Command): void {
  const promo = program.command('promo').description('Promotions and coupons: list, price a cart, issue coupons to a segment, results against a holdout');

  promo
    .command('list')
    .description('Promotions, newest first, with their window and uses')
    .option('--status <status>', `only this status: ${PROMOTION_STATUSES.join(', ')}`)
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: string; json?: boolean }) => {
      const status = o.status as StoredPromotion['status'] | undefined;
      if (status !== undefined && !PROMOTION_STATUSES.includes(status)) throw new CliError(`--status: one of ${PROMOTION_STATUSES.join(', ')}`, 2);
      const config = loadConfig();
      const items = await withBackend(
        async (b) =>
          b.mode === 'direct'
            ? (await b.kemai.promotions.list({ status, limit: 500 })).items
            : (await b.api.call<{ items: StoredPromotion[] }>('GET', `/api/v1/promotions?limit=500${status ? `&status=${status}` : ''}`)).items,
        { config },
      );
      if (o.json) return console.log(JSON.stringify({ items }, null, 2));
      if (items.length === 0) return console.log(status ? `No ${status} promotions.` : 'No promotions yet.');
      const day = (v: string | null) => (v ? localDate(new Date(v), config.timeZone) : '…');
      const width = Math.max(...items.map((p) => p.code.length));
      for (const p of items)
        console.log(`${p.code.padEnd(width)}  ${p.status.padEnd(6)}  ${`${day(p.startsAt)} → ${day(p.endsAt)}`.padEnd(23)}  ${String(p.counters.uses).padStart(6)} uses  ${p.name}`);
    });

  promo
    .command('simulate')
    .description('Price a cart (a JSON file as POST /checkout/price takes it) and print it as a receipt; nothing is reserved')
    .requiredOption('--cart <file>', 'the cart: {channel, customerId?, storeCode?, lines: [{sku, quantity, unitPrice?}], couponCodes?, points?, at?}')
    .option('--lang <lang>', 'language of the explanation: en or zh-CN', 'en')
    .option('--json', 'machine-readable output (the quote)')
    .action(async (o: { cart: string; lang: string; json?: boolean }) => {
      if (o.lang !== 'en' && o.lang !== 'zh-CN') throw new CliError('--lang: en or zh-CN', 2);
      const cart = readCart(o.cart);
      const raw = JSON.parse(fs.readFileSync(o.cart, 'utf8')) as unknown;
      const q = await withBackend(async (b) => (b.mode === 'direct' ? b.kemai.checkout.price(cart) : b.api.call<Quote>('POST', '/api/v1/checkout/price', raw)));
      console.log(o.json ? JSON.stringify(q, null, 2) : receipt(q, o.lang).join('\n'));
    });

  promo
    .command('issue')
    .description('Issue a coupon template to every member of a segment, holding out a stable random share for measurement')
    .requiredOption('--segment <segment>', 'the segment: id, code or name')
    .requiredOption('--template <code>', 'the coupon template code')
    .option('--holdout <percent>', 'held out share, a whole percent from 0 to 90', '0')
    .option('--key <key>', 'idempotency key: running it again with the same key answers the first run')
    .option('--json', 'machine-readable output')
    .action(async (o: { segment: string; template: string; holdout: string; key?: string; json?: boolean }) => {
      const holdoutPercent = Number(o.holdout);
      if (!/^\d+$/.test(o.holdout) || holdoutPercent > 90) throw new CliError('--holdout: a whole percent from 0 to 90', 2);
      const out = await withBackend(async (b) => {
        const segment = await segmentOf(b, o.segment);
        const input = { segmentId: segment.id, holdoutPercent, idempotencyKey: o.key ?? null };
        const run =
          b.mode === 'direct'
            ? await b.kemai.coupons.issueToSegment((await b.kemai.coupons.getTemplate(o.template)).id, input, 'local-cli')
            : (await b.api.call<{ run: { id: string; issued: number; heldOut: number; skipped: number; replayed: boolean } }>('POST', `/api/v1/coupon-templates/${encodeURIComponent(o.template)}/issue`, input)).run;
        return { segment, run };
      });
      const r = out.run;
      console.log(
        o.json
          ? JSON.stringify(r, null, 2)
          : `${r.replayed ? 'Already issued' : 'Issued'} ${o.template} to segment ${out.segment.name}: ${r.issued} issued, ${r.heldOut} held out, ${r.skipped} skipped (run ${r.id})`,
      );
    });

  promo
    .command('results <code>')
    .description("A promotion's results: uses, discount cost, revenue, average order with and without it, treated vs holdout with 95 % intervals")
    .option('--from <date>', 'start (inclusive; a date is its midnight in the business time zone); default the promotion start')
    .option('--to <date>', 'end (exclusive); default the promotion end or now')
    .option('--json', 'machine-readable output')
    .action(async (code: string, o: { from?: string; to?: string; json?: boolean }) => {
      const config = loadConfig();
      const from = o.from === undefined ? undefined : asOfOption(o.from, config.timeZone);
      const to = o.to === undefined ? undefined : asOfOption(o.to, config.timeZone);
      const qs = [from && `from=${encodeURIComponent(from.toISOString())}`, to && `to=${encodeURIComponent(to.toISOString())}`].filter(Boolean).join('&');
      const r = await withBackend(
        async (b) =>
          b.mode === 'direct'
            ? b.kemai.promoResults.promotion(code, { from, to })
            : b.api.call<PromotionResults>('GET', `/api/v1/promotions/${encodeURIComponent(code)}/results${qs ? `?${qs}` : ''}`),
        { config },
      );
      if (o.json) return console.log(JSON.stringify(r, null, 2));
      const when = (v: string) => localDate(new Date(v), config.timeZone);
      const avg = (v: number | null) => (v === null ? '—' : yuan(v));
      const lines = [
        `${r.promotion.code} ${r.promotion.name} (${r.promotion.status}), ${when(r.from)} → ${when(r.to)}`,
        `  uses              ${r.uses} by ${r.customers} customers`,
        `  discount cost     ${yuan(r.discountFen)}`,
        `  revenue           ${yuan(r.revenueFen)} in ${r.orders} orders`,
        `  average order     ${avg(r.averageOrder.withFen)} with it (${r.averageOrder.ordersWith} orders), ${avg(r.averageOrder.withoutFen)} without (${r.averageOrder.ordersWithout} orders)`,
      ];
      if (r.holdout) lines.push(`Against the holdout (${r.promotion.holdoutPercent} % of ${r.holdout.population === 'buyers' ? 'the buyers in the window' : 'its segments’ members'}):`, ...comparisonLines(r.holdout));
      else lines.push('No holdout: set holdoutPercent to measure the incremental effect.');
      console.log(lines.join('\n'));
    });
}
