// A set of byte offsets kept as sorted, disjoint, non-adjacent half-open
// ranges [start, end). Used for received stream data (reassembly), acked and
// lost ranges on the send side. Adjacent and overlapping ranges coalesce, so
// the number of ranges is the number of gaps plus one, whatever the number of
// fragments that built it.
//
// Lookups are binary searches (O(log n)); an insertion or removal in the
// middle moves the tail of two arrays (a memmove, fast for the bounded sizes
// we allow); operations at either end are amortised O(1).

export class RangeSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** The number of disjoint ranges. */
  get length(): number {
    return this.starts.length;
  }

  isEmpty(): boolean {
    return this.starts.length === 0;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }

  /** The lowest offset in the set, or undefined when empty. */
  min(): number | undefined {
    return this.starts[0];
  }

  /** One past the highest offset in the set, or undefined when empty. */
  max(): number | undefined {
    return this.ends[this.ends.length - 1];
  }

  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
  }

  /** Adds [start, end); merges with every range it overlaps or touches. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const n = this.starts.length;
    // Fast paths, no search and no splice (whose removed-elements array is
    // an allocation per packet): append after the last range, or extend it
    // (in-order data, new acks).
    if (n === 0 || start > this.ends[n - 1]!) {
      this.starts.push(start);
      this.ends.push(end);
      return;
    }
    if (start >= this.starts[n - 1]!) {
      if (end > this.ends[n - 1]!) this.ends[n - 1] = end;
      return;
    }
    // First range whose end touches or passes `start`.
    const i = firstIndexAtLeast(this.ends, start);
    // First range that starts strictly after `end` (it does not touch).
    const j = firstIndexAbove(this.starts, end, i);
    if (i === j) {
      this.starts.splice(i, 0, start);
      this.ends.splice(i, 0, end);
      return;
    }
    const mergedStart = Math.min(start, this.starts[i]!);
    const mergedEnd = Math.max(end, this.ends[j - 1]!);
    this.starts.splice(i, j - i, mergedStart);
    this.ends.splice(i, j - i, mergedEnd);
  }

  /** Removes [start, end), splitting a range that straddles either edge. */
  remove(start: number, end: number): void {
    if (end <= start || this.starts.length === 0) return;
    // First range that ends strictly after `start` (it overlaps or follows).
    const i = firstIndexAbove(this.ends, start);
    // First range that starts at or after `end` (it does not overlap).
    const j = firstIndexAtLeast(this.starts, end, i);
    if (i >= j) return;
    const keepLeft = this.starts[i]! < start;
    const keepRight = this.ends[j - 1]! > end;
    if (keepLeft && keepRight && j - i === 1) {
      // [start, end) lies inside one range: split it in two.
      const rightEnd = this.ends[i]!;
      this.ends[i] = start;
      this.starts.splice(i + 1, 0, end);
      this.ends.splice(i + 1, 0, rightEnd);
      return;
    }
    // Trim the ranges cut at either edge in place; drop those wholly inside.
    let from = i;
    let to = j;
    if (keepLeft) this.ends[from++] = start;
    if (keepRight) this.starts[--to] = end;
    if (to - from === 1 && from === 0) {
      this.starts.shift();
      this.ends.shift();
    } else if (to > from) {
      this.starts.splice(from, to - from);
      this.ends.splice(from, to - from);
    }
  }

  /** Removes every offset below `offset`. */
  removeBelow(offset: number): void {
    if (this.starts.length === 0 || this.starts[0]! >= offset) return;
    this.remove(this.starts[0]!, offset);
  }

  /** True when every offset of [start, end) is in the set. */
  covers(start: number, end: number): boolean {
    if (end <= start) return true;
    const i = firstIndexAbove(this.ends, start);
    return i < this.starts.length && this.starts[i]! <= start && this.ends[i]! >= end;
  }

  /** The sub-ranges of [start, end) that are NOT in the set, in order. */
  gaps(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let cursor = start;
    for (let i = firstIndexAbove(this.ends, start); i < this.starts.length && cursor < end; i++) {
      const s = this.starts[i]!;
      if (s >= end) break;
      if (s > cursor) out.push([cursor, s]);
      cursor = Math.max(cursor, this.ends[i]!);
    }
    if (cursor < end) out.push([cursor, end]);
    return out;
  }

  /** The end of the range that contains `offset`, or `offset` when not covered. */
  contiguousEnd(offset: number): number {
    const i = firstIndexAbove(this.ends, offset);
    if (i < this.starts.length && this.starts[i]! <= offset) return this.ends[i]!;
    return offset;
  }

  toArray(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i]!]);
  }
}

/** Smallest index k >= from with a[k] >= value (a sorted ascending). */
function firstIndexAtLeast(a: number[], value: number, from = 0): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Smallest index k >= from with a[k] > value (a sorted ascending). */
function firstIndexAbove(a: number[], value: number, from = 0): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
