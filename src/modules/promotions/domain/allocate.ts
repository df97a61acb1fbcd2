/**
 * Splitting a discount over the cart lines it came from, to the fen: every line gets its share in proportion to its
 * weight (what it paid towards the promotion), rounded down, and the fen left over go one each to the lines with the
 * largest remainders (ties: the earlier line). The shares always sum to the discount exactly and never exceed a
 * line's weight, so a return of one line can refund exactly what that line was given (issue 9, "allocations summing
 * exactly"). Integer arithmetic throughout: weights and amounts are fen.
 */
export function allocate(amountFen: number, weightsFen: readonly number[]): number[] {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0) throw new RangeError(`amount must be a whole number of fen ≥ 0, got ${amountFen}`);
  for (const w of weightsFen) if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weights must be whole numbers of fen ≥ 0, got ${w}`);
  const total = weightsFen.reduce((s, w) => s + w, 0);
  if (amountFen > total) throw new RangeError(`cannot allocate ${amountFen} fen over lines worth ${total}`);
  const shares = weightsFen.map(() => 0);
  if (amountFen === 0) return shares;
  // amount × weight fits a double exactly while it stays under 2^53: fen amounts of a cart do (¥90 trillion).
  const remainders: Array<{ i: number; r: number }> = [];
  let given = 0;
  weightsFen.forEach((w, i) => {
    const exact = amountFen * w;
    const share = Math.floor(exact / total);
    shares[i] = share;
    given += share;
    remainders.push({ i, r: exact - share * total });
  });
  remainders.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; given < amountFen; k++) {
    const { i } = remainders[k]!;
    shares[i]! += 1;
    given += 1;
  }
  return shares;
}
