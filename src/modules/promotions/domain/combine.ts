import { applyPromotion, lineAmount, priceInOrder, valueOf, type CartLine, type Priced, type Promotion } from './rules.js';

/**
 * How promotions combine: `priority` orders the ones that apply (lower first: item prices before order thresholds),
 * at most one promotion of each `group` applies (two 满减 events, say), and an `exclusive` one applies alone.
 */
export interface Stacking {
  priority?: number;
  group?: string | null;
  exclusive?: boolean;
}
export type StackablePromotion = Promotion & Stacking;

/** Complete choices tried before the search settles for the best promotion of each group. */
export const MAX_COMBINATIONS = 4096;

export interface Best {
  promotions: StackablePromotion[];
  result: Priced;
  /** What the combination is worth to the customer: the discount plus the value of 满赠 gifts. */
  valueFen: number;
  /** 'exact': every valid combination was priced; 'greedy': too many, each group's best alone was taken. */
  search: 'exact' | 'greedy';
}

const ordered = (ps: readonly StackablePromotion[]) => [...ps].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/**
 * The combination worth the most to the customer (discount plus 满赠 gift value). A promotion that gives nothing on its own gives nothing after
 * others either (they only lower what the lines cost), so only those that apply alone are candidates. Ties: fewer
 * promotions, then the ids in order — the same cart always gets the same answer.
 */
export function bestCombination(promotions: readonly StackablePromotion[], lines: readonly CartLine[]): Best {
  const full = lines.map(lineAmount);
  // Each promotion priced alone once: the candidates, and (greedy) each group's best by that value.
  const alone = new Map<StackablePromotion, number>();
  for (const p of promotions) {
    const a = applyPromotion(p, lines, full);
    if (a) alone.set(p, valueOf(a));
  }
  const candidates = ordered([...alone.keys()]);
  const groups = new Map<string, StackablePromotion[]>();
  for (const p of candidates.filter((x) => !x.exclusive)) {
    const key = p.group ?? `#${p.id}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const choices: StackablePromotion[][] = [];
  let combinations = 1;
  for (const g of groups.values()) combinations *= g.length + 1;
  let search: Best['search'] = 'exact';
  if (combinations <= MAX_COMBINATIONS) {
    const lists = [...groups.values()];
    const walk = (i: number, picked: StackablePromotion[]) => {
      if (i === lists.length) {
        if (picked.length > 0) choices.push(picked);
        return;
      }
      walk(i + 1, picked);
      for (const p of lists[i]!) walk(i + 1, [...picked, p]);
    };
    walk(0, []);
  } else {
    search = 'greedy';
    const best = [...groups.values()].map((g) => g.reduce((a, b) => (alone.get(b)! > alone.get(a)! ? b : a)));
    choices.push(best);
  }
  for (const p of candidates.filter((x) => x.exclusive)) choices.push([p]);

  let winner: Best | null = null;
  const key = (ps: StackablePromotion[]) => ps.map((p) => p.id).join('\u0000');
  for (const choice of choices) {
    const set = ordered(choice);
    const result = priceInOrder(set, lines);
    const value = result.applied.reduce((v, a) => v + valueOf(a), 0);
    const better =
      !winner ||
      value > winner.valueFen ||
      (value === winner.valueFen &&
        (set.length < winner.promotions.length || (set.length === winner.promotions.length && key(set) < key(winner.promotions))));
    if (better) winner = { promotions: set, result, valueFen: value, search };
  }
  return winner ?? { promotions: [], result: priceInOrder([], lines), valueFen: 0, search };
}
