/** The Gamma-Gamma spend model as the predictions read it: fitted parameters (ν as `gamma`, in yuan), standard errors, LL. */
export interface SpendFit {
  p: number;
  q: number;
  gamma: number;
  standardErrors: Record<string, number>;
  logLik: number;
}

/**
 * Fit on repeat buyers: x repeat purchases, mbar their mean value (yuan), weight the customers sharing the pair.
 * NOT WIRED YET: answers null (no expected value, no CLV) until the Gamma-Gamma fit of src/modules/insights/clv lands.
 */
export function fitSpend(_d: { x: ArrayLike<number>; mbar: ArrayLike<number>; weight: ArrayLike<number> }): SpendFit | null {
  return null;
}
