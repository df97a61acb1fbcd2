/**
 * The behaviour features clustering uses, how each is transformed before standardisation, and how a
 * cluster is named from its centroid. Pure: no database, no clock.
 */

/** log1p for counts and amounts that are right-skewed (a few customers buy far more), log for a ratio. */
export type Transform = 'none' | 'log1p' | 'log';

export interface FeatureSpec {
  key: string;
  label: string;
  unit: 'days' | 'orders' | 'yuan' | 'share' | 'ratio' | 'count';
  transform: Transform;
  /**
   * Features of one mix (the channel shares, the category shares) form a group; each of a group's g
   * features weighs 1/√g in the distance, so a mix counts as much as one feature and does not
   * outvote recency or the price ratio by its number of columns.
   */
  group?: 'channel' | 'category';
}

/** Features every run has, in matrix column order; the brand's top categories' spend shares follow. */
export const BASE_FEATURES: readonly FeatureSpec[] = [
  { key: 'recency_days', label: 'Days since the last order', unit: 'days', transform: 'log1p' },
  { key: 'orders', label: 'Orders', unit: 'orders', transform: 'log1p' },
  { key: 'net_spend', label: 'Net spend (paid − refunded)', unit: 'yuan', transform: 'log1p' },
  { key: 'discount_share', label: 'Discount share of the list value', unit: 'share', transform: 'none' },
  { key: 'price_ratio', label: 'Unit price paid vs the category median', unit: 'ratio', transform: 'log' },
  { key: 'store_share', group: 'channel', label: 'Share of orders in store', unit: 'share', transform: 'none' },
  { key: 'online_share', group: 'channel', label: 'Share of orders online (web, app, marketplaces)', unit: 'share', transform: 'none' },
  { key: 'miniprogram_share', group: 'channel', label: 'Share of orders in the mini-program / WeChat', unit: 'share', transform: 'none' },
  { key: 'shares', label: 'Shares per order (share events ÷ orders)', unit: 'ratio', transform: 'log1p' },
  { key: 'referrals', label: 'Referrals made', unit: 'count', transform: 'log1p' },
];

/** How many of the brand's top categories (by spend) get a share-of-spend feature each. */
export const TOP_CATEGORIES = 4;

export const categoryFeature = (category: string): FeatureSpec => ({
  key: `category:${category}`,
  label: `Share of spend in ${category}`,
  unit: 'share',
  transform: 'none',
  group: 'category',
});

/** Each feature's weight in the distance: 1/√(size of its group), 1 for a feature of its own. */
export function featureWeights(specs: readonly FeatureSpec[]): Float64Array {
  const size = new Map<string, number>();
  for (const s of specs) if (s.group) size.set(s.group, (size.get(s.group) ?? 0) + 1);
  return Float64Array.from(specs, (s) => (s.group ? 1 / Math.sqrt(size.get(s.group)!) : 1));
}

export function transform(t: Transform, x: number): number {
  if (t === 'log1p') return Math.log1p(Math.max(0, x));
  if (t === 'log') return Math.log(x);
  return x;
}

export function untransform(t: Transform, y: number): number {
  if (t === 'log1p') return Math.expm1(y);
  if (t === 'log') return Math.exp(y);
  return y;
}

/** A centroid as z-scores by feature key; features a run lacks read as 0 (the average customer). */
export type Centroid = Readonly<Record<string, number>>;

interface Persona {
  key: string;
  label: string;
  score: (z: (key: string) => number) => number;
}

/**
 * The personas a centroid can match, each with a score in z units (the mean z of the features that
 * define it, signed). Channel personas count three quarters: a channel is a means more than a
 * motive, so a cluster that is both price-sensitive and online is named price-sensitive.
 */
export const PERSONAS: readonly Persona[] = [
  { key: 'loyal_high_value', label: 'Loyal high value', score: (z) => (z('orders') + z('net_spend') - z('recency_days')) / 3 },
  { key: 'price_sensitive', label: 'Price-sensitive', score: (z) => (z('discount_share') - z('price_ratio')) / 2 },
  { key: 'quality_seeking', label: 'Quality-seeking', score: (z) => (z('price_ratio') - z('discount_share')) / 2 },
  { key: 'social', label: 'Social (shares, referrals)', score: (z) => Math.max(z('shares'), z('referrals')) },
  { key: 'lapsed', label: 'Lapsed', score: (z) => z('recency_days') },
  { key: 'new_one_time', label: 'New / one-time', score: (z) => (-z('orders') - z('recency_days')) / 2 },
  { key: 'low_value', label: 'Low value (few orders, low spend)', score: (z) => (-z('orders') - z('net_spend')) / 2 },
  { key: 'store_shopper', label: 'Store shoppers', score: (z) => 0.75 * z('store_share') },
  { key: 'online_shopper', label: 'Online shoppers', score: (z) => 0.75 * z('online_share') },
  { key: 'miniprogram_shopper', label: 'Mini-program shoppers', score: (z) => 0.75 * z('miniprogram_share') },
];

/** Below this score no persona fits and the cluster is called mainstream. */
export const PERSONA_MIN_SCORE = 0.5;
export const MAINSTREAM = { key: 'mainstream', label: 'Mainstream' } as const;

export interface ClusterName {
  /** Unique in the run, lower_snake_case: the persona, with _2, _3 … when clusters share one. */
  name: string;
  label: string;
  persona: string;
  /** The persona's score for this centroid (z units); null for mainstream. */
  score: number | null;
}

function bestPersona(centroid: Centroid): { key: string; label: string; score: number | null } {
  const z = (key: string) => centroid[key] ?? 0;
  let best: { key: string; label: string; score: number | null } = { ...MAINSTREAM, score: null };
  let bestScore = PERSONA_MIN_SCORE;
  for (const p of PERSONAS) {
    const s = p.score(z);
    // Strictly greater: on a tie the persona listed first wins.
    if (s > bestScore || (best.score === null && s === bestScore)) {
      best = { key: p.key, label: p.label, score: s };
      bestScore = s;
    }
  }
  return best;
}

/**
 * Names each cluster after the persona its centroid matches best. When several clusters match the
 * same persona, the one with the highest score keeps the plain name and the others get _2, _3 …
 * in order of score (ties: the lower cluster number first).
 */
export function nameClusters(centroids: readonly Centroid[]): ClusterName[] {
  const picks = centroids.map(bestPersona);
  const out: ClusterName[] = picks.map((p) => ({ name: p.key, label: p.label, persona: p.key, score: p.score }));
  const byPersona = new Map<string, number[]>();
  picks.forEach((p, c) => byPersona.set(p.key, [...(byPersona.get(p.key) ?? []), c]));
  for (const members of byPersona.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => (picks[b]!.score ?? 0) - (picks[a]!.score ?? 0) || a - b);
    members.forEach((c, rank) => {
      if (rank === 0) return;
      out[c]!.name = `${out[c]!.persona}_${rank + 1}`;
      out[c]!.label = `${out[c]!.label} ${rank + 1}`;
    });
  }
  return out;
}

export interface Distinguishing {
  feature: string;
  z: number;
  direction: 'high' | 'low';
}

/** The features that set a cluster apart: the `top` largest |z| of its centroid (ties: feature order). */
export function distinguishingFeatures(centroid: Centroid, keys: readonly string[], top = 3): Distinguishing[] {
  return keys
    .map((feature, i) => ({ feature, z: centroid[feature] ?? 0, i }))
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.i - b.i)
    .slice(0, top)
    .map(({ feature, z }) => ({ feature, z, direction: z >= 0 ? ('high' as const) : ('low' as const) }));
}
