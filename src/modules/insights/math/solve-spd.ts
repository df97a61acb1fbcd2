/**
 * Solves A x = b for a symmetric positive definite A by Cholesky (A = L Lᵀ, then two triangular solves). Only the
 * lower triangle of A is read. A pivot that is not positive means A is not positive definite: by default an error
 * naming `what`; with `clamp` the pivot is floored at 1e-300 instead (a column that is all zeros then solves to 0).
 */
export function solveSpd(a: readonly (readonly number[])[], b: readonly number[], opts: { what?: string; clamp?: boolean } = {}): number[] {
  const d = b.length;
  const l = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let m = 0; m < j; m++) s -= l[i]![m]! * l[j]![m]!;
      if (i === j) {
        if (!(s > 0) && !opts.clamp) throw new Error(`${opts.what ?? 'solveSpd'}: the matrix is not positive definite (a constant feature without a penalty?)`);
        l[i]![i] = Math.sqrt(Math.max(s, 1e-300));
      } else l[i]![j] = s / l[j]![j]!;
    }
  const u = new Array<number>(d).fill(0);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= l[i]![m]! * u[m]!;
    u[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(d).fill(0);
  for (let i = d - 1; i >= 0; i--) {
    let s = u[i]!;
    for (let m = i + 1; m < d; m++) s -= l[m]![i]! * x[m]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}
