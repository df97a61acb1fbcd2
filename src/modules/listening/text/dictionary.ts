/**
 * User dictionaries: multi-character words that tokenize() keeps whole even where Intl.Segmenter would cut them
 * (客服 → 客|服, 性价比 → 性|价|比). A dictionary is compiled once by createDictionary() and then shared by every call.
 */

/** A compiled, immutable set of words that tokenization keeps whole. */
export interface Dictionary {
  /** The normalised words (NFKC, lower case), each at least two characters long. */
  readonly words: ReadonlySet<string>;
  /**
   * The length of the longest word that starts at `start` in `text` (already normalised), or 0. A word that ends
   * with a Latin letter or digit must not be followed by another one (so `iphone` does not match inside `iphones`).
   */
  matchAt(text: string, start: number): number;
}

/**
 * Retail words Intl.Segmenter's dictionary does not give whole (or gives only in some contexts), among them every
 * multi-character Chinese aspect cue that it would cut (a test checks that each cue comes out whole).
 */
export const RETAIL_WORDS: readonly string[] = [
  '客服', '售后', '物流', '快递', '外卖', '配送', '发货', '到货', '送货', '送达', '送餐', '退款', '退货', '换货', '退钱',
  '缺货', '质量问题', '性价比', '做工', '起球', '掉色', '褪色', '包装', '导购', '店员', '店长', '门店', '服务员',
  '送餐员', '收银员', '会员', '积分', '优惠券', '满减', '折扣', '小票', '发票', '好评', '差评', '中评', 't恤',
  '价位', '原价', '差价', '材质', '面料', '次品', '假货', '正品', '包邮', '快递员', '配送员', '骑手', '签收', '丢件',
  '保修', '客户服务', '售货员', '营业员', '京东', '淘宝', '天猫', '拼多多', '美团', '饿了么',
];

const LATIN_OR_DIGIT = /[\p{Script=Latin}\p{Nd}]/u;

/** Normalises a word the way tokenize() normalises text: NFKC (full width → half width), lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019]/g, "'");
}

/**
 * Compiles words into a Dictionary. Words are normalised; blanks are refused with an error naming the entry.
 * Single characters are ignored: tokens of one character are never the segmenter's problem.
 */
export function createDictionary(words: Iterable<string>): Dictionary {
  const set = new Set<string>();
  let i = 0;
  for (const raw of words) {
    if (typeof raw !== 'string' || raw.trim() === '') throw new TypeError(`createDictionary: words[${i}] must be a non-blank string`);
    const word = normalizeText(raw.trim());
    if (word.length >= 2) set.add(word);
    i++;
  }
  const lengthsByFirst = new Map<string, number[]>();
  for (const word of set) {
    const lengths = lengthsByFirst.get(word[0]!) ?? [];
    if (!lengths.includes(word.length)) lengths.push(word.length);
    lengthsByFirst.set(word[0]!, lengths);
  }
  for (const lengths of lengthsByFirst.values()) lengths.sort((a, b) => b - a);
  return {
    words: set,
    matchAt(text, start) {
      const lengths = lengthsByFirst.get(text[start]!);
      if (lengths === undefined) return 0;
      for (const length of lengths) {
        const end = start + length;
        if (end > text.length || !set.has(text.slice(start, end))) continue;
        if (end < text.length && LATIN_OR_DIGIT.test(text[end - 1]!) && LATIN_OR_DIGIT.test(text[end]!)) continue;
        return length;
      }
      return 0;
    },
  };
}

/** The built-in retail dictionary (RETAIL_WORDS), used by tokenize() when no dictionary is given. */
export const RETAIL_DICTIONARY: Dictionary = createDictionary(RETAIL_WORDS);
