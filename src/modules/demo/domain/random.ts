/**
 * Seeded randomness for the demo generator. Math.random cannot be seeded, and one shared stream
 * would make every record depend on all records before it; instead each person (and the catalog)
 * draws from its own stream derived from (seed, path), so a chunk can be generated on its own and
 * the output does not depend on chunk size.
 */

/** 32-bit FNV-1a over the UTF-16 code units, then a murmur3 finaliser for avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** splitmix32: spreads one 32-bit seed over the four words of xoshiro's state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman & Vigna): small state, fast in 32-bit integer arithmetic, good statistics. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A stream for one named part of the output, e.g. forPath('kemai', 'person', 17). */
  static forPath(seed: string, ...path: Array<string | number>): Random {
    return new Random(hash32(`${seed}\u0000${path.join('\u0000')}`));
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Index drawn with probability proportional to weights[i]. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** A key of a { key: weight } table (tables are constants, so their key lists are cached). */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    let entry = tables.get(table);
    if (!entry) {
      const keys = Object.keys(table);
      entry = { keys, weights: keys.map((k) => table[k as K]) };
      tables.set(table, entry);
    }
    return entry.keys[this.weightedIndex(entry.weights)] as K;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson-distributed count; Knuth's method for small means, a rounded normal above 30. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** Geometric count of extra trials: 0 with probability 1-p, 1 with p(1-p), … capped at max. */
  geometric(p: number, max: number): number {
    let k = 0;
    while (k < max && this.chance(p)) k++;
    return k;
  }

  /** `length` characters from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.float() * alphabet.length)];
    return out;
  }
}

const tables = new WeakMap<object, { keys: string[]; weights: number[] }>();

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A bijection on [0, modulus) (multiplier coprime to the modulus): maps person indexes to
 * distinct, random-looking numbers, which is how phones and member numbers stay unique without
 * remembering which ones were handed out.
 */
export function scatter(seed: string, label: string, modulus: number): (index: number) => number {
  const r = Random.forPath(seed, 'scatter', label);
  let multiplier = r.int(Math.floor(modulus / 3), Math.floor(modulus / 2));
  while (gcd(multiplier, modulus) !== 1) multiplier++;
  const offset = r.int(0, modulus - 1);
  return (index) => {
    if (index < 0 || index >= modulus) throw new RangeError(`index ${index} outside [0, ${modulus})`);
    return Number((BigInt(index) * BigInt(multiplier) + BigInt(offset)) % BigInt(modulus));
  };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
