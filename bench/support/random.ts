/**
 * mulberry32: a small seeded generator with 32-bit integer arithmetic throughout (an LCG in doubles
 * loses its low bits and cycles within a few hundred values). Same seed, same data on every run.
 */
export function mulberry32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
