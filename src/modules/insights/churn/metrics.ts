/** How well predicted churn probabilities rank and match what happened. */
export interface CalibrationBin {
  /** [from, to) of the predicted probability; the last bin includes 1. */
  from: number;
  to: number;
  customers: number;
  /** Mean predicted probability and observed churn rate of the bin; null for an empty bin. */
  predicted: number | null;
  observed: number | null;
}

export interface Evaluation {
  customers: number;
  churners: number;
  /** Area under the ROC curve: P(a churner scores above a non-churner), ties counting ½ (Mann-Whitney U / n₁n₀). */
  auc: number | null;
  /** Mean squared error of the probability against the 0/1 outcome. */
  brier: number;
  calibration: CalibrationBin[];
}

/** Exact AUC by mid-ranks: sort once, tied scores share their average rank. Null without both classes. */
export function auc(scores: readonly number[], y: readonly number[]): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++)
      if (y[order[m]!] === 1) {
        positives++;
        rankSum += midRank;
      }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function brier(p: readonly number[], y: readonly number[]): number {
  return p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / p.length;
}

/** Ten equal-width bins of the predicted probability: mean predicted vs observed rate (a reliability diagram). */
export function calibration(p: readonly number[], y: readonly number[], bins = 10): CalibrationBin[] {
  const sums = Array.from({ length: bins }, () => ({ n: 0, p: 0, y: 0 }));
  p.forEach((v, i) => {
    const b = sums[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]!;
    b.n++;
    b.p += v;
    b.y += y[i]!;
  });
  return sums.map((b, i) => ({
    from: i / bins,
    to: (i + 1) / bins,
    customers: b.n,
    predicted: b.n ? b.p / b.n : null,
    observed: b.n ? b.y / b.n : null,
  }));
}

export function evaluate(p: readonly number[], y: readonly number[]): Evaluation {
  return { customers: p.length, churners: y.reduce((s, v) => s + v, 0), auc: auc(p, y), brier: brier(p, y), calibration: calibration(p, y) };
}
