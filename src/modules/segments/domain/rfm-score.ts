import {
  lowerMedian,
  potentialValueFen,
  quadrantOf,
  quintileScore,
  segmentOf,
  thresholdScores,
  valueClassOf,
  type RfmSegment,
  type RfmThresholds,
  type Score,
  type ValueClass,
  type ValueQuadrant,
} from './rfm.js';

/** One customer's purchase facts as of a date: what the database run aggregates in SQL, and file mode in memory. */
export interface CustomerFacts {
  customerId: string;
  /** Business date of the last order in the window (YYYY-MM-DD). */
  lastDate: string;
  /** Orders in the window. */
  frequency: number;
  /** Net paid in the window, fen. */
  monetaryFen: number;
  /** Business date of the first order ever (up to as-of). */
  firstDate: string;
  /** Net paid over all history up to as-of, fen (the value matrix's current value). */
  revenueFen: number;
}

export interface RfmRow {
  customerId: string;
  recencyDays: number;
  frequency: number;
  monetaryFen: number;
  r: Score;
  f: Score;
  m: Score;
  valueClass: ValueClass;
  segment: RfmSegment;
  currentValueFen: number;
  potentialValueFen: number;
  valueQuadrant: ValueQuadrant;
}

export type RfmMethod = { method: 'quintiles' } | { method: 'thresholds'; thresholds: RfmThresholds };

export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** For each value, how many of `values` are strictly smaller (a rank − 1 that never splits ties). */
function countBelow(values: number[]): (v: number) => number {
  const sorted = Float64Array.from(values).sort();
  return (v) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Scores, classes, segments and value quadrants — the same rules the database run's SQL applies. Ordered by customer id. */
export function scoreCustomers(facts: readonly CustomerFacts[], asOf: string, how: RfmMethod): RfmRow[] {
  const n = facts.length;
  const recency = facts.map((c) => daysBetween(c.lastDate, asOf));
  // "Worse" recency is a larger one: count those strictly larger = n − (count ≤ mine) = count below of the negated.
  const belowNegRecency = countBelow(recency.map((d) => -d));
  const belowF = countBelow(facts.map((c) => c.frequency));
  const belowM = countBelow(facts.map((c) => c.monetaryFen));
  const potentials = facts.map((c) => potentialValueFen(c.revenueFen, daysBetween(c.firstDate, asOf)));
  const medCurrent = n ? lowerMedian(facts.map((c) => c.revenueFen).sort((a, b) => a - b)) : 0;
  const medPotential = n ? lowerMedian([...potentials].sort((a, b) => a - b)) : 0;
  const rows = facts.map((c, i): RfmRow => {
    const rd = recency[i]!;
    const s =
      how.method === 'quintiles'
        ? { r: quintileScore(belowNegRecency(-rd), n), f: quintileScore(belowF(c.frequency), n), m: quintileScore(belowM(c.monetaryFen), n) }
        : thresholdScores(how.thresholds, rd, c.frequency, c.monetaryFen);
    return {
      customerId: c.customerId,
      recencyDays: rd,
      frequency: c.frequency,
      monetaryFen: c.monetaryFen,
      ...s,
      valueClass: valueClassOf(s.r, s.f, s.m),
      segment: segmentOf(s.r, s.f, s.m),
      currentValueFen: c.revenueFen,
      potentialValueFen: potentials[i]!,
      valueQuadrant: quadrantOf(c.revenueFen, potentials[i]!, medCurrent, medPotential),
    };
  });
  return rows.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
}

export interface GridCell {
  r: number;
  f: number;
  customers: number;
  monetaryFen: number;
}

/** The R×F grid: customers and monetary value per cell, every one of the 25 cells (empty ones with zeros). */
export function rfGrid(rows: readonly RfmRow[]): GridCell[] {
  const cells: GridCell[] = [];
  for (let r = 5; r >= 1; r--) for (let f = 1; f <= 5; f++) cells.push({ r, f, customers: 0, monetaryFen: 0 });
  for (const row of rows) {
    const c = cells[(5 - row.r) * 5 + row.f - 1]!;
    c.customers++;
    c.monetaryFen += row.monetaryFen;
  }
  return cells;
}
