import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/**
 * A small shop's baskets counted by hand (business zone Asia/Shanghai), for the basket console page and the
 * database-mode CLI. Twelve orders, 1–12 March 2026 at noon (Kn on the n-th):
 *   K01 {TEA-LJ, CUP-ZS} SH01 pos VIP       K07 {MILK-1L} BJ02 pos
 *   K02 {TEA-LJ, CUP-ZS} SH01 pos           K08 {COFFEE-YN, FILTER-P} SH01 online VIP
 *   K03 {TEA-LJ, CUP-ZS, MILK-1L} SH01 online VIP   K09 {COFFEE-YN, FILTER-P, MILK-1L} BJ02 pos
 *   K04 {BREAD-WW, JAM-SB} SH01 pos         K10 {TEA-LJ} SH01 miniprogram
 *   K05 {BREAD-WW, JAM-SB, MILK-1L} BJ02 pos         K11 {BREAD-WW, JAM-SB} BJ02 pos
 *   K06 {BREAD-WW, MILK-1L} BJ02 online     K12 {COFFEE-YN, MILK-1L} SH01 pos
 * Counts (N = 12): TEA 4, CUP 3, MILK 6, BREAD 4, JAM 3, COFFEE 3, FILTER 2; pairs TEA+CUP 3, BREAD+JAM 3, BREAD+MILK 2,
 * COFFEE+FILTER 2, COFFEE+MILK 2, each other pair with MILK 1; no triple in 2 baskets.
 * At support 0.1 (2 baskets), confidence 0.3, 2 items: 10 rules, by lift {FILTER-P} => {COFFEE-YN} (lift 12·2/(2·3) = 4,
 * confidence 1), {COFFEE-YN} => {FILTER-P} (4, 2/3), {CUP-ZS} => {TEA-LJ} (3, 1), {JAM-SB} => {BREAD-WW} (3, 1),
 * {BREAD-WW} => {JAM-SB} (3, 3/4), {TEA-LJ} => {CUP-ZS} (3, 3/4), {COFFEE-YN} => {MILK-1L} (4/3, 2/3),
 * {MILK-1L} => {COFFEE-YN} (4/3, 1/3), {BREAD-WW} => {MILK-1L} (1, 1/2), {MILK-1L} => {BREAD-WW} (1, 1/3).
 */
export const BASKET_PRODUCTS = [
  { sku: 'TEA-LJ', name: '西湖龙井绿茶', category: '茶饮/茶叶/绿茶', brand: '西湖' },
  { sku: 'CUP-ZS', name: '紫砂茶杯', category: '家居/茶具/茶杯', brand: '宜兴' },
  { sku: 'MILK-1L', name: '纯牛奶 1L', category: '食品/乳品/牛奶', brand: '光明' },
  { sku: 'BREAD-WW', name: '全麦面包', category: '食品/烘焙/面包', brand: '桃李' },
  { sku: 'JAM-SB', name: '草莓果酱', category: '食品/调味/果酱', brand: '桃李' },
  { sku: 'COFFEE-YN', name: '云南咖啡豆', category: '茶饮/咖啡/咖啡豆', brand: '云啡' },
  { sku: 'FILTER-P', name: '手冲滤纸', category: '家居/咖啡器具/滤纸', brand: '云啡' },
] as const;

export const BASKET_ORDERS: ReadonlyArray<{ id: string; skus: string[]; store: string; channel: string; vip?: string }> = [
  { id: 'K01', skus: ['TEA-LJ', 'CUP-ZS'], store: 'SH01', channel: 'pos', vip: '13900000101' },
  { id: 'K02', skus: ['TEA-LJ', 'CUP-ZS'], store: 'SH01', channel: 'pos' },
  { id: 'K03', skus: ['TEA-LJ', 'CUP-ZS', 'MILK-1L'], store: 'SH01', channel: 'online', vip: '13900000103' },
  { id: 'K04', skus: ['BREAD-WW', 'JAM-SB'], store: 'SH01', channel: 'pos' },
  { id: 'K05', skus: ['BREAD-WW', 'JAM-SB', 'MILK-1L'], store: 'BJ02', channel: 'pos' },
  { id: 'K06', skus: ['BREAD-WW', 'MILK-1L'], store: 'BJ02', channel: 'online' },
  { id: 'K07', skus: ['MILK-1L'], store: 'BJ02', channel: 'pos' },
  { id: 'K08', skus: ['COFFEE-YN', 'FILTER-P'], store: 'SH01', channel: 'online', vip: '13900000108' },
  { id: 'K09', skus: ['COFFEE-YN', 'FILTER-P', 'MILK-1L'], store: 'BJ02', channel: 'pos' },
  { id: 'K10', skus: ['TEA-LJ'], store: 'SH01', channel: 'miniprogram' },
  { id: 'K11', skus: ['BREAD-WW', 'JAM-SB'], store: 'BJ02', channel: 'pos' },
  { id: 'K12', skus: ['COFFEE-YN', 'MILK-1L'], store: 'SH01', channel: 'pos' },
];

/** Stores, products, the orders above and the segment `vip` (the three customers tagged vip) through the API. */
export async function seedBasketBrand(t: Pick<TestApp, 'app' | 'admin' | 'kemai'>): Promise<void> {
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers: t.admin, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  await post('/api/v1/stores/batch', {
    items: [
      { code: 'SH01', name: '上海南京西路店', city: '上海' },
      { code: 'BJ02', name: '北京三里屯店', city: '北京' },
    ],
  });
  await post('/api/v1/products/batch', { items: BASKET_PRODUCTS });
  for (const o of BASKET_ORDERS) if (o.vip) await post('/api/v1/customers', { phone: o.vip, tags: ['vip'] });
  const r = await post('/api/v1/orders/batch', {
    items: BASKET_ORDERS.map((o, i) => ({
      channel: o.channel,
      externalId: o.id,
      storeCode: o.store,
      placedAt: `2026-03-${String(i + 1).padStart(2, '0')}T12:00:00+08:00`,
      ...(o.vip ? { customer: { phone: o.vip } } : {}),
      lines: o.skus.map((sku) => ({ sku, quantity: 1, unitPrice: '20.00' })),
    })),
  });
  expect(r.summary.error, JSON.stringify(r.results)).toBe(0);
  await t.kemai.events.drain();
  const seg = await post('/api/v1/segments', { code: 'vip', name: '会员 VIP', rule: { kind: 'tag', tags: ['vip'] } });
  expect(seg.refresh).toMatchObject({ size: 3 });
}
