import { describe, expect, it } from 'vitest';
import { Random, hash32, scatter } from './random.js';

describe('Random', () => {
  it('gives the same stream for the same seed and path, a different one otherwise', () => {
    const draw = (r: Random) => Array.from({ length: 5 }, () => r.uint32());
    expect(draw(Random.forPath('kemai', 'person', 1))).toEqual(draw(Random.forPath('kemai', 'person', 1)));
    expect(draw(Random.forPath('kemai', 'person', 1))).not.toEqual(draw(Random.forPath('kemai', 'person', 2)));
    expect(draw(Random.forPath('kemai', 'person', 1))).not.toEqual(draw(Random.forPath('other', 'person', 1)));
    expect(hash32('kemai')).toBe(hash32('kemai'));
  });

  it('keeps draws inside their ranges and roughly uniform', () => {
    const r = new Random(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      counts[r.int(0, 5)]! += 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('draws weighted keys and Poisson counts with the right means', () => {
    const r = new Random(11);
    let heads = 0;
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      if (r.weighted({ heads: 3, tails: 1 }) === 'heads') heads++;
      sum += r.poisson(4);
    }
    expect(heads / 20_000).toBeCloseTo(0.75, 1);
    expect(sum / 20_000).toBeCloseTo(4, 1);
  });
});

describe('scatter', () => {
  it('maps indexes one-to-one onto the range, so generated numbers never collide', () => {
    const f = scatter('kemai', 'phone', 10_000);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(f(i));
    expect(seen.size).toBe(10_000);
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(9_999);
    expect(() => f(10_000)).toThrow(RangeError);
  });
});
