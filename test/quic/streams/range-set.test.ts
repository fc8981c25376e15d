import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeSet } from '../../../quic/streams/range-set.js';

/** Reference model: a set of integers. */
function toModel(ranges: Array<[number, number]>): Set<number> {
  const s = new Set<number>();
  for (const [a, b] of ranges) for (let i = a; i < b; i++) s.add(i);
  return s;
}

function checkInvariants(set: RangeSet): void {
  const arr = set.toArray();
  for (let i = 0; i < arr.length; i++) {
    // Non-empty, disjoint and non-adjacent: a gap of at least one between ranges.
    if (arr[i]![0] >= arr[i]![1] || (i > 0 && arr[i]![0] <= arr[i - 1]![1])) {
      throw new Error(`invariant broken: ${JSON.stringify(arr)}`);
    }
  }
}

const op = fc.record({
  kind: fc.constantFrom('add', 'remove'),
  start: fc.integer({ min: 0, max: 200 }),
  len: fc.integer({ min: 0, max: 40 }),
});

describe('RangeSet', () => {
  it('coalesces adjacent and overlapping ranges', () => {
    const s = new RangeSet();
    s.add(10, 20);
    s.add(30, 40);
    s.add(20, 30);
    expect(s.toArray()).toEqual([[10, 40]]);
    s.add(5, 12);
    s.add(38, 50);
    expect(s.toArray()).toEqual([[5, 50]]);
    s.add(60, 70);
    s.add(0, 1);
    expect(s.toArray()).toEqual([
      [0, 1],
      [5, 50],
      [60, 70],
    ]);
    s.add(0, 100);
    expect(s.toArray()).toEqual([[0, 100]]);
  });

  it('removes with splitting at both edges', () => {
    const s = new RangeSet();
    s.add(0, 100);
    s.remove(10, 20);
    expect(s.toArray()).toEqual([
      [0, 10],
      [20, 100],
    ]);
    s.remove(5, 25);
    expect(s.toArray()).toEqual([
      [0, 5],
      [25, 100],
    ]);
    s.removeBelow(50);
    expect(s.toArray()).toEqual([[50, 100]]);
    s.remove(0, 1000);
    expect(s.isEmpty()).toBe(true);
  });

  it('gaps, covers and contiguousEnd', () => {
    const s = new RangeSet();
    s.add(10, 20);
    s.add(30, 40);
    expect(s.gaps(0, 50)).toEqual([
      [0, 10],
      [20, 30],
      [40, 50],
    ]);
    expect(s.gaps(12, 18)).toEqual([]);
    expect(s.gaps(15, 35)).toEqual([[20, 30]]);
    expect(s.covers(10, 20)).toBe(true);
    expect(s.covers(10, 21)).toBe(false);
    expect(s.covers(5, 5)).toBe(true);
    expect(s.contiguousEnd(10)).toBe(20);
    expect(s.contiguousEnd(15)).toBe(20);
    expect(s.contiguousEnd(20)).toBe(20);
    expect(s.contiguousEnd(25)).toBe(25);
    expect(s.min()).toBe(10);
    expect(s.max()).toBe(40);
  });

  it('matches a set-of-integers model under random add/remove (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const set = new RangeSet();
        const model = new Set<number>();
        for (const { kind, start, len } of ops) {
          if (kind === 'add') {
            set.add(start, start + len);
            for (let i = start; i < start + len; i++) model.add(i);
          } else {
            set.remove(start, start + len);
            for (let i = start; i < start + len; i++) model.delete(i);
          }
          checkInvariants(set);
        }
        const got = toModel(set.toArray());
        expect([...got].sort((a, b) => a - b)).toEqual([...model].sort((a, b) => a - b));
        const gaps = toModel(set.gaps(0, 260));
        const complement = [...Array(260).keys()].filter((i) => !model.has(i));
        expect([...gaps].sort((a, b) => a - b)).toEqual(complement);
      }),
    );
  });

  it('stays linear-ish for many in-order fragments (one range)', () => {
    const s = new RangeSet();
    for (let i = 0; i < 100_000; i++) s.add(i, i + 1);
    expect(s.length).toBe(1);
  });
});
