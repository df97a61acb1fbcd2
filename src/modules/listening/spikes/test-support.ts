/**
 * Synthetic series for the spike tests: a seeded PRNG, a Poisson sampler and a builder that lays out hours by
 * (day, local hour) in Shanghai (UTC+8 all year, so local hour h of day d is a fixed UTC instant).
 */
import type { HourBucket } from './series.js';

const HOUR_MS = 3_600_000;

/** Monday 2026-10-26 00:00 in Asia/Shanghai: day 0 of every synthetic series. */
export const DAY0 = Date.parse('2026-10-25T16:00:00Z');

/** The UTC instant of local hour `hour` on day `day` (Shanghai). */
export function shanghai(day: number, hour: number): Date {
  return new Date(DAY0 + (day * 24 + hour) * HOUR_MS);
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson(λ) draw by Knuth's product of uniforms (fine for λ up to a few dozen). */
export function poisson(random: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

/** Counts of one hour; a bare number means that many mentions and no negatives. */
export type HourCounts = number | { mentions: number; negatives: number };

/** Buckets for days [0, days) of local hours 0–23, from `counts(day, hour)` (zero-mention hours are left out, as a database would). */
export function buildSeries(days: number, counts: (day: number, hour: number) => HourCounts): HourBucket[] {
  const out: HourBucket[] = [];
  for (let day = 0; day < days; day++)
    for (let hour = 0; hour < 24; hour++) {
      const c = counts(day, hour);
      const b = typeof c === 'number' ? { mentions: c, negatives: 0 } : c;
      if (b.mentions > 0) out.push({ hour: shanghai(day, hour), ...b });
    }
  return out;
}
