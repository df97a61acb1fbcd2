import type { NewPromotion } from '../../promotions/index.js';
import type { DemoProduct } from './catalog.data.js';
import { dateOf, dayNumber, UTC_OFFSET } from './calendar.js';

/**
 * The demo brand's promotions, on SKUs and categories of its catalogue, with windows around the last day of the demo
 * (`until`, yesterday by default) so they are running when the console opens: the usual retail mix of issue 9 —
 * order thresholds, N件M折 on a category, member and flash prices, 满赠, birthday, pick-up, new-customer and
 * second-purchase offers — plus one upcoming draft and one past event. Same seed and `until`, same promotions.
 */
export function demoPromotions(products: readonly DemoProduct[], until: string): NewPromotion[] {
  const day = dayNumber(until);
  const at = (offset: number, time = '00:00:00') => `${dateOf(day + offset)}T${time}${UTC_OFFSET}`;
  const inLeaf = (path: string) => products.filter((p) => p.path.join('/') === path);
  const pick = (path: string, n: number, band?: DemoProduct['band']) => inLeaf(path).filter((p) => !band || p.band === band).slice(0, n);
  /** A shelf-looking special price (ending in 9) about `share` of the list price, always below it. */
  const special = (p: DemoProduct, share: number) => Math.max(90, Math.min(p.priceFen - 100, Math.floor((p.priceFen * share) / 1000) * 1000 - 100));

  const serums = pick('美妆/护肤/精华', 3, 'mid');
  const gift = [...inLeaf('美妆/护肤/面膜')].sort((a, b) => a.priceFen - b.priceFen || (a.sku < b.sku ? -1 : 1))[0]!;
  const flash = pick('食品/零食/坚果', 1, 'mid')[0]!;
  const running = { status: 'active' as const, startsAt: at(-13), endsAt: at(45) };

  return [
    {
      code: 'DEMO-MJ300',
      name: '全场满300减50，满500减100',
      description: 'Whole order, the highest step reached; gift cards excluded.',
      ...running,
      definition: { scope: { kind: 'order' }, rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }, { minFen: 50000, offFen: 10000 }] } },
      priority: 300,
      stackGroup: 'order-threshold',
      budgetFen: 20_000_000,
      holdoutPercent: 10,
    },
    {
      code: 'DEMO-WOMEN-2PCS',
      name: '女装任意2件8折',
      ...running,
      definition: { scope: { kind: 'categories', paths: ['服装/女装'] }, rule: { kind: 'quantity', minUnits: 2, percent: 20 } },
      priority: 200,
      stackGroup: 'category',
    },
    {
      code: 'DEMO-MEMBER-SERUM',
      name: '会员价：精华专区',
      ...running,
      definition: { scope: { kind: 'skus', skus: serums.map((p) => p.sku) }, rule: { kind: 'price', prices: serums.map((p) => ({ sku: p.sku, priceFen: special(p, 0.85) })) } },
      conditions: { audience: 'members' },
      priority: 100,
      stackGroup: 'item-price',
    },
    {
      code: 'DEMO-GIFT399',
      name: `满399赠${gift.name}`,
      ...running,
      definition: { rule: { kind: 'gift', minFen: 39900, gifts: [{ sku: gift.sku, quantity: 1, valueFen: gift.priceFen, name: gift.name }] } },
      priority: 400,
      totalQuantity: 500,
    },
    {
      code: 'DEMO-BIRTHDAY',
      name: '会员生日月全场9折',
      ...running,
      endsAt: at(365),
      definition: { scope: { kind: 'order' }, rule: { kind: 'percent', percent: 10 }, capFen: 20000 },
      conditions: { audience: 'members', birthdayMonth: true },
      priority: 250,
      stackGroup: 'member-order',
      perCustomerLimit: 1,
    },
    {
      code: 'DEMO-PICKUP10',
      name: '到店自提立减10元',
      ...running,
      definition: { rule: { kind: 'fixed', offFen: 1000 } },
      conditions: { channels: ['online', 'miniprogram'], fulfillment: ['pickup'], minSubtotalFen: 5000 },
      priority: 350,
    },
    {
      code: 'DEMO-FLASH-NUTS',
      name: `限时秒杀：${flash.name}`,
      status: 'active',
      startsAt: at(1, '10:00:00'),
      endsAt: at(3, '22:00:00'),
      definition: { scope: { kind: 'skus', skus: [flash.sku] }, rule: { kind: 'price', prices: [{ sku: flash.sku, priceFen: special(flash, 0.6) }] } },
      priority: 100,
      stackGroup: 'flash',
      totalQuantity: 200,
      perCustomerLimit: 2,
    },
    {
      code: 'DEMO-NEW30',
      name: '新客首单满99减30',
      ...running,
      definition: { rule: { kind: 'threshold', tiers: [{ minFen: 9900, offFen: 3000 }] } },
      conditions: { audience: 'new' },
      priority: 320,
      stackGroup: 'new-customer',
      firstN: 1000,
      perCustomerLimit: 1,
    },
    {
      code: 'DEMO-REPEAT2',
      name: '第二单9折（最高减50元）',
      ...running,
      definition: { rule: { kind: 'percent', percent: 10 }, capFen: 5000 },
      conditions: { priorOrders: { min: 1, max: 1 } },
      priority: 260,
      stackGroup: 'member-order',
      perCustomerLimit: 1,
    },
    {
      code: 'DEMO-D11-DRAFT',
      name: '双11 每满300减40（草稿）',
      status: 'draft',
      startsAt: at(30),
      endsAt: at(33),
      definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 4000 }], repeat: true }, capFen: 40000 },
      priority: 300,
      stackGroup: 'order-threshold',
    },
    {
      code: 'DEMO-618-PAST',
      name: '年中大促 满500减80（已结束）',
      status: 'ended',
      startsAt: at(-170),
      endsAt: at(-160),
      definition: { rule: { kind: 'threshold', tiers: [{ minFen: 50000, offFen: 8000 }] } },
      priority: 300,
      stackGroup: 'order-threshold',
    },
  ];
}
