import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/udp/seeded-random.js';

describe('SeededRandom', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const draw = (r: SeededRandom) => Array.from({ length: 16 }, () => r.nextUint32());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
  });

  it('stays in range and is roughly uniform', () => {
    const random = new SeededRandom(1);
    const buckets = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      buckets[Math.floor(x * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
    expect(random.bytes(5)).toHaveLength(5);
    expect(() => new SeededRandom(Number.NaN)).toThrow(TypeError);
  });
});
