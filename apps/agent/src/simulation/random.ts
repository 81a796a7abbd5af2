/**
 * The simulation draws every random number from an injected source, so a seed reproduces a whole
 * fleet's behaviour and tests can drive it deterministically.
 */
export type Random = () => number;

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; plenty for simulated metrics. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

export function intBetween(random: Random, min: number, max: number): number {
  return Math.floor(uniform(random, min, max + 1));
}

/** A standard normal draw (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(random() * items.length)]!;
}

/** Picks by weight: `[['a', 3], ['b', 1]]` yields "a" three times as often as "b". */
export function weighted<T>(random: Random, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, w] of table) {
    r -= w;
    if (r < 0) return item;
  }
  return table[table.length - 1]![0];
}

/** Whether an event with `ratePerS` occurrences per second happens within `dtS` seconds (Poisson). */
export function happens(random: Random, ratePerS: number, dtS: number): boolean {
  return ratePerS > 0 && dtS > 0 && random() < 1 - Math.exp(-ratePerS * dtS);
}

export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
