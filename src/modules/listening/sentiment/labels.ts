/** The three sentiment labels. */
export type SentimentLabel = 'positive' | 'neutral' | 'negative';

const WORDS: Record<string, SentimentLabel> = {
  '1': 'positive',
  '0': 'negative',
  '-1': 'negative',
  pos: 'positive',
  neg: 'negative',
  neu: 'neutral',
  positive: 'positive',
  negative: 'negative',
  neutral: 'neutral',
  正面: 'positive',
  负面: 'negative',
  中性: 'neutral',
  好评: 'positive',
  差评: 'negative',
  中评: 'neutral',
};

const STARS: Record<string, SentimentLabel> = { '2': 'negative', '3': 'neutral', '4': 'positive', '5': 'positive' };

/** How numbers in a label column read: binary (1 / 0 / -1) or a 1–5 star rating. */
export type LabelScale = 'binary' | 'stars';

/**
 * Reads a label cell: 1 / 0 / -1, pos / neg / neu, positive / negative / neutral (any case), 正面 / 负面 / 中性,
 * 好评 / 差评 / 中评, or — with `scale` 'stars' — a star rating 1–5 (1–2 negative, 3 neutral, 4–5 positive). "1" is
 * positive on the binary scale and negative as one star, hence the parameter; 2–5 read as stars on either scale.
 * Anything else throws an Error naming the value.
 */
export function parseLabel(value: string, scale: LabelScale = 'binary'): SentimentLabel {
  const v = value.trim().toLowerCase().replace(/^(-?\d)\.0+$/, '$1');
  const label = scale === 'stars' && v === '1' ? 'negative' : (WORDS[v] ?? STARS[v]);
  if (!label) throw new Error(`unknown sentiment label ${JSON.stringify(value)} (expected 1/0/-1, pos/neg/neu, positive/negative/neutral, 正面/负面/中性, 好评/差评/中评 or a 1–5 star rating)`);
  return label;
}

/** 'stars' when every value is an integer 1–5 and some are 2–5 (a rating column); 'binary' otherwise. */
export function detectLabelScale(values: Iterable<string>): LabelScale {
  let ratingAboveOne = false;
  for (const value of values) {
    const v = value.trim().replace(/\.0+$/, '');
    if (!/^[1-5]$/.test(v)) return 'binary';
    if (v !== '1') ratingAboveOne = true;
  }
  return ratingAboveOne ? 'stars' : 'binary';
}
