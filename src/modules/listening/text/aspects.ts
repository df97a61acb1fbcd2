/**
 * Aspect hints: which sides of the business a mention talks about, from cue words in Chinese and English.
 */
import { isHanCode, tokenize, type Lang } from './segment.js';

/** The aspects, in the fixed order aspectHints() reports them. */
export const ASPECTS = ['price', 'quality', 'delivery', 'service', 'staff'] as const;

/** An aspect of a mention. */
export type Aspect = (typeof ASPECTS)[number];

/**
 * Chinese cues, found inside Han tokens by longest match (服务员 is staff, not service; 不贵 and 很贵 are price).
 * A one-character cue must be a SINGLE_CHAR_WORDS character, or tokenize() would drop it.
 */
export const ZH_ASPECT_CUES: Readonly<Record<Aspect, readonly string[]>> = {
  price: ['价格', '价钱', '价位', '贵', '便宜', '性价比', '划算', '实惠', '优惠', '优惠券', '打折', '折扣', '满减', '涨价', '降价', '原价', '差价', '收费'],
  quality: [
    '质量', '质量问题', '品质', '做工', '材质', '面料', '起球', '掉色', '褪色', '开线', '破损', '瑕疵', '次品', '假货', '正品', '耐用', '坏', '破', '漏水',
    '变质', '新鲜',
  ],
  delivery: [
    '快递', '物流', '发货', '到货', '送货', '配送', '送达', '送餐', '外卖', '包装', '运费', '包邮', '快递员', '配送员', '送餐员', '骑手', '骑士', '小哥',
    '签收', '丢件', '延误',
  ],
  service: ['客服', '售后', '服务', '退款', '退货', '换货', '退钱', '投诉', '维修', '保修', '回复', '客户服务'],
  staff: ['店员', '导购', '服务员', '收银员', '收银', '售货员', '营业员', '店长', '员工', '态度', '热情', '耐心', '不耐烦', '冷漠'],
};

/** English cues, matched against whole tokens (lower case). */
export const EN_ASPECT_CUES: Readonly<Record<Aspect, readonly string[]>> = {
  price: [
    'price', 'prices', 'priced', 'pricing', 'expensive', 'overpriced', 'cheap', 'cheaper', 'cost', 'costs', 'costly',
    'affordable', 'discount', 'coupon', 'value', 'money', 'bargain',
  ],
  quality: [
    'quality', 'broke', 'broken', 'breaks', 'defective', 'faulty', 'flimsy', 'durable', 'sturdy', 'damaged',
    'material', 'fabric', 'stitching', 'torn', 'ripped', 'leaks', 'leaking', 'fake',
  ],
  delivery: [
    'delivery', 'delivered', 'deliver', 'shipping', 'shipped', 'ship', 'shipment', 'courier', 'package', 'parcel',
    'packaging', 'arrived', 'arrival', 'tracking', 'dispatch', 'dispatched',
  ],
  service: [
    'service', 'support', 'refund', 'refunded', 'refunds', 'return', 'returned', 'returns', 'exchange', 'warranty',
    'complaint', 'helpdesk', 'repair',
  ],
  staff: [
    'staff', 'cashier', 'cashiers', 'clerk', 'clerks', 'employee', 'employees', 'salesperson', 'salesman',
    'saleswoman', 'waiter', 'waitress', 'manager', 'rude', 'attitude',
  ],
};

const zhCues = cueMap(ZH_ASPECT_CUES);
const enCues = cueMap(EN_ASPECT_CUES);
const zhLongest = Math.max(...[...zhCues.keys()].map((cue) => cue.length));

/**
 * The aspects a mention touches, distinct, in ASPECTS order. A text is tokenized first (the built-in dictionary
 * keeps every cue whole); given tokens (e.g. a mention's stored keywords), only those are looked at. A Han token
 * matches the Chinese cues by longest match from each position (不贵 → 贵 → price; 服务员 → staff only); any other
 * token must equal an English cue. Cue words only: negation and sentiment are not judged here.
 */
export function aspectHints(input: string | readonly string[], lang?: Lang): Aspect[] {
  let tokens: readonly string[];
  if (typeof input === 'string') tokens = tokenize(input, { lang });
  else if (Array.isArray(input) && input.every((token) => typeof token === 'string')) tokens = input;
  else throw new TypeError('aspectHints: input must be a text or an array of token strings');
  const found = new Set<Aspect>();
  for (const token of tokens) {
    if (isHanCode(token.charCodeAt(0))) for (const aspect of zhAspects(token)) found.add(aspect);
    else {
      const aspect = enCues.get(token);
      if (aspect) found.add(aspect);
    }
  }
  return ASPECTS.filter((aspect) => found.has(aspect));
}

/** The aspects of the Chinese cues inside one token, longest match first from each position. */
function zhAspects(token: string): Aspect[] {
  const aspects: Aspect[] = [];
  let i = 0;
  while (i < token.length) {
    let length = Math.min(zhLongest, token.length - i);
    while (length > 0 && !zhCues.has(token.slice(i, i + length))) length--;
    if (length === 0) i++;
    else {
      aspects.push(zhCues.get(token.slice(i, i + length))!);
      i += length;
    }
  }
  return aspects;
}

/** cue → aspect; a cue listed under two aspects is a programming error. */
function cueMap(cues: Readonly<Record<Aspect, readonly string[]>>): Map<string, Aspect> {
  const map = new Map<string, Aspect>();
  for (const aspect of ASPECTS)
    for (const cue of cues[aspect]) {
      const other = map.get(cue);
      if (other !== undefined) throw new Error(`aspect cue '${cue}' is listed under both ${other} and ${aspect}`);
      map.set(cue, aspect);
    }
  return map;
}
