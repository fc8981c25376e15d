// Unprocessed handshake bytes of one encryption level, kept as the chunks
// they arrived in: appending is O(chunk) and a message is copied out once when
// complete, so a peer trickling one-byte CRYPTO frames costs linear, not
// quadratic, work (RFC 9000 §21.9 asks to bound such costs).
export class HandshakeBuffer {
  private chunks: Uint8Array[] = [];
  private head = 0; // bytes of chunks[0] already consumed
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.total += bytes.length;
  }

  /** The byte at `index` from the start of the unconsumed data (index < length). */
  byteAt(index: number): number {
    let i = index + this.head;
    for (const c of this.chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    throw new RangeError(`handshake buffer: byte ${index} of ${this.total}`);
  }

  /** Removes and returns the first n bytes (n <= length). */
  take(n: number): Uint8Array {
    if (n > this.total) throw new RangeError(`handshake buffer: take ${n} of ${this.total}`);
    const out = new Uint8Array(n);
    let o = 0;
    let used = 0; // whole chunks consumed, removed in one splice (shift() per chunk is quadratic)
    while (o < n) {
      const c = this.chunks[used]!;
      const available = c.length - this.head;
      const copy = Math.min(available, n - o);
      out.set(c.subarray(this.head, this.head + copy), o);
      o += copy;
      if (copy === available) {
        used++;
        this.head = 0;
      } else {
        this.head += copy;
      }
    }
    this.chunks.splice(0, used);
    this.total -= n;
    return out;
  }
}
