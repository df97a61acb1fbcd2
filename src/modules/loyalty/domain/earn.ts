import type { Multiplier, ProgramRules } from './program.js';

/** One order line as the earn rule sees it (orders.line_facts). */
export interface EarnLine {
  lineNo: number;
  sku: string;
  categoryPath: readonly string[] | null;
  /** Net paid amount of the line in fen (after line and order discounts). */
  paidFen: number;
}

export interface EarnFacts {
  placedAt: Date;
  /** Business-zone calendar date of placedAt (YYYY-MM-DD). */
  placedDate: string;
  tierCode: string | null;
  /** YYYY-MM-DD (the year is ignored) or null. */
  birthday: string | null;
  /** Points the member's other orders already earned on the same business day (for caps.perDay). */
  earnedToday: number;
}

export interface EarnLineDetail {
  lineNo: number;
  sku: string;
  paidFen: number;
  excluded: boolean;
  /** The factor applied to the line (1 when nothing matched). */
  factor: number;
  multipliers: string[];
}

export interface EarnResult {
  points: number;
  /** Before caps. */
  uncapped: number;
  /** Paid fen of the lines that earn. */
  eligibleFen: number;
  cappedBy: 'order' | 'day' | null;
  lines: EarnLineDetail[];
}

function label(m: Multiplier): string {
  switch (m.kind) {
    case 'category':
      return `category:${m.category}`;
    case 'sku':
      return `sku:${m.sku}`;
    case 'tier':
      return `tier:${m.tierCode}`;
    case 'birthday_month':
      return 'birthday_month';
    case 'date_range':
      return `date_range:${m.from}/${m.to}`;
  }
}

function matches(m: Multiplier, line: EarnLine, facts: EarnFacts): boolean {
  switch (m.kind) {
    case 'category':
      return (line.categoryPath ?? []).includes(m.category);
    case 'sku':
      return line.sku === m.sku;
    case 'tier':
      return facts.tierCode === m.tierCode;
    case 'birthday_month':
      return facts.birthday !== null && facts.birthday.slice(5, 7) === facts.placedDate.slice(5, 7);
    case 'date_range':
      return facts.placedAt.getTime() >= Date.parse(m.from) && facts.placedAt.getTime() < Date.parse(m.to);
  }
}

const pct = (factor: number) => BigInt(Math.round(factor * 100));

/**
 * The points an order earns. Each earning line's net paid fen is weighted by its multipliers
 * (`highest`: the largest matching factor; `product`: all matching factors multiplied; none: ×1);
 * the weighted amounts are added up and converted at `earn.points` per `earn.perFen`, floored
 * ONCE per order — so ¥398 at 10/¥100 earns 39, and two ¥50 lines earn 10, not 5 + 5. Then the
 * per-order cap, then what is left of the member's per-day cap. Integer (BigInt) arithmetic only.
 */
export function computeEarn(lines: readonly EarnLine[], rules: ProgramRules, facts: EarnFacts): EarnResult {
  const excluded = new Set(rules.excludedSkus);
  const details: EarnLineDetail[] = [];
  // Each line's weight is a fraction numerator / 100^k; bring all to one denominator 100^K.
  const weights: Array<{ fen: bigint; pcts: bigint[] }> = [];
  let eligibleFen = 0;
  for (const line of lines) {
    const isExcluded = excluded.has(line.sku) || line.paidFen <= 0;
    const matched = isExcluded ? [] : rules.multipliers.filter((m) => matches(m, line, facts));
    let pcts: bigint[];
    let factor: number;
    let applied: Multiplier[];
    if (matched.length === 0) {
      pcts = [];
      factor = 1;
      applied = [];
    } else if (rules.multiplierCombination === 'highest') {
      const best = matched.reduce((a, b) => (b.factor > a.factor ? b : a));
      pcts = [pct(best.factor)];
      factor = best.factor;
      applied = [best];
    } else {
      pcts = matched.map((m) => pct(m.factor));
      factor = Number(pcts.reduce((a, b) => a * b, 1n)) / 100 ** pcts.length;
      applied = matched;
    }
    details.push({ lineNo: line.lineNo, sku: line.sku, paidFen: line.paidFen, excluded: isExcluded, factor, multipliers: applied.map(label) });
    if (isExcluded) continue;
    eligibleFen += line.paidFen;
    weights.push({ fen: BigInt(line.paidFen), pcts });
  }
  const k = weights.reduce((m, w) => Math.max(m, w.pcts.length), 0);
  let numerator = 0n;
  for (const w of weights) {
    numerator += w.fen * w.pcts.reduce((a, b) => a * b, 1n) * 100n ** BigInt(k - w.pcts.length);
  }
  const uncapped = Number((numerator * BigInt(rules.earn.points)) / (BigInt(rules.earn.perFen) * 100n ** BigInt(k)));
  let points = uncapped;
  let cappedBy: EarnResult['cappedBy'] = null;
  if (rules.caps.perOrder !== null && points > rules.caps.perOrder) {
    points = rules.caps.perOrder;
    cappedBy = 'order';
  }
  if (rules.caps.perDay !== null) {
    const left = Math.max(0, rules.caps.perDay - facts.earnedToday);
    if (points > left) {
      points = left;
      cappedBy = 'day';
    }
  }
  return { points, uncapped, eligibleFen, cappedBy, lines: details };
}
