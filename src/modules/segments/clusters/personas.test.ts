import { describe, expect, it } from 'vitest';
import { BASE_FEATURES, categoryFeature, distinguishingFeatures, featureWeights, nameClusters, transform, untransform } from './personas.js';

const keys = BASE_FEATURES.map((f) => f.key);

describe('naming clusters from their centroids', () => {
  it('names each persona from the features that define it', () => {
    const names = nameClusters([
      { discount_share: 1.4, price_ratio: -1.1, online_share: 0.9 },
      { discount_share: -0.9, price_ratio: 1.6, store_share: 0.6 },
      { shares: 2.3, referrals: 0.8 },
      { orders: 1.5, net_spend: 1.6, recency_days: -0.9 },
      { recency_days: 1.7, orders: -0.6 },
      { orders: -0.9, recency_days: -1.2 },
      { store_share: 1.2 },
      { miniprogram_share: 0.8 },
      { orders: -0.6, net_spend: -0.9, recency_days: 0.3 },
      { orders: 0.2, price_ratio: 0.1 },
    ]);
    expect(names.map((n) => n.name)).toEqual([
      'price_sensitive',
      'quality_seeking',
      'social',
      'loyal_high_value',
      'lapsed',
      'new_one_time',
      'store_shopper',
      'miniprogram_shopper',
      'low_value',
      'mainstream',
    ]);
    expect(names[0]).toEqual({ name: 'price_sensitive', label: 'Price-sensitive', persona: 'price_sensitive', score: 1.25 });
    expect(names[9]).toEqual({ name: 'mainstream', label: 'Mainstream', persona: 'mainstream', score: null });
  });

  it('keeps names unique: the best-scoring cluster keeps the plain name, the others get _2, _3 by score', () => {
    const names = nameClusters([
      { discount_share: 0.8, price_ratio: -0.6 },
      { discount_share: 1.5, price_ratio: -1.5 },
      { discount_share: 0.8, price_ratio: -0.6 },
      { price_ratio: 0.2 },
      { orders: 0.1 },
    ]);
    expect(names.map((n) => [n.name, n.label])).toEqual([
      ['price_sensitive_2', 'Price-sensitive 2'],
      ['price_sensitive', 'Price-sensitive'],
      ['price_sensitive_3', 'Price-sensitive 3'],
      ['mainstream', 'Mainstream'],
      ['mainstream_2', 'Mainstream 2'],
    ]);
  });

  it('weighs a channel three quarters: a price-sensitive online cluster is price-sensitive', () => {
    expect(nameClusters([{ discount_share: 1, price_ratio: -1, online_share: 1.3 }])[0]!.name).toBe('price_sensitive');
    expect(nameClusters([{ discount_share: 1, price_ratio: -1, online_share: 1.4 }])[0]!.name).toBe('online_shopper');
  });

  it('lists the features with the largest |z|, ties in feature order', () => {
    expect(distinguishingFeatures({ discount_share: 1.4, price_ratio: -1.4, online_share: 0.9, orders: 0.2 }, keys)).toEqual([
      { feature: 'discount_share', z: 1.4, direction: 'high' },
      { feature: 'price_ratio', z: -1.4, direction: 'low' },
      { feature: 'online_share', z: 0.9, direction: 'high' },
    ]);
  });
});

describe('feature weights', () => {
  it('weigh each feature of a mix 1/√g: the three channel shares and the g category shares count as one feature each', () => {
    const specs = [...BASE_FEATURES, ...['服装', '美妆', '食品', '家居'].map(categoryFeature)];
    const w = Array.from(featureWeights(specs));
    expect(w).toEqual([1, 1, 1, 1, 1, 1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3), 1, 1, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(featureWeights([...BASE_FEATURES, categoryFeature('服装')])).at(-1)).toBe(1);
  });
});

describe('feature transforms', () => {
  it('round-trip: log1p for skewed counts and amounts, log for the price ratio', () => {
    expect(transform('log1p', Math.E - 1)).toBeCloseTo(1, 15);
    expect(transform('log', 1)).toBe(0);
    expect(transform('none', 0.25)).toBe(0.25);
    expect(transform('log1p', -3)).toBe(0);
    for (const t of ['none', 'log1p', 'log'] as const) expect(untransform(t, transform(t, 7.5))).toBeCloseTo(7.5, 12);
  });
});
