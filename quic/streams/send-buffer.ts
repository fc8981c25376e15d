// The bytes an application wrote to a stream, kept until the peer
// acknowledges them (RFC 9000 §2.2, §13.3: stream data is retransmitted in
// new frames until acknowledged).
//
// Writes are copied into blocks growing from 1 KiB to 16 KiB (the caller may
// reuse its buffer at once, and many small writes share one block), so frames
// are usually views into a single block; a frame spanning two blocks is
// copied. Acknowledged prefixes free whole blocks from the front.

/** Blocks start small (many streams carry little) and double up to this size. */
const FIRST_BLOCK_SIZE = 1024;
const BLOCK_SIZE = 16 * 1024;

interface Block {
  /** Stream offset of data[0]. */
  offset: number;
  data: Uint8Array;
  /** Bytes of `data` in use. */
  length: number;
}

export class SendBuffer {
  private blocks: Block[] = [];
  /** Index of the first live block (blocks before it were freed). */
  private head = 0;
  private start = 0;
  private endOffset = 0;

  /** One past the last byte written. */
  get end(): number {
    return this.endOffset;
  }

  /** The lowest offset still retained (everything below was acknowledged). */
  get retainedFrom(): number {
    return this.start;
  }

  /** Bytes held: written but not yet freed. */
  get buffered(): number {
    return this.endOffset - this.start;
  }

  append(bytes: Uint8Array): void {
    let rest = bytes;
    const tail = this.blocks.length > this.head ? this.blocks[this.blocks.length - 1] : undefined;
    if (tail !== undefined && tail.length < tail.data.length) {
      const n = Math.min(rest.length, tail.data.length - tail.length);
      tail.data.set(rest.subarray(0, n), tail.length);
      tail.length += n;
      rest = rest.subarray(n);
    }
    if (rest.length > 0) {
      const previous = tail?.data.length ?? FIRST_BLOCK_SIZE / 2;
      const data = new Uint8Array(Math.max(rest.length, Math.min(BLOCK_SIZE, previous * 2)));
      data.set(rest);
      this.blocks.push({
        offset: this.endOffset + (bytes.length - rest.length),
        data,
        length: rest.length,
      });
    }
    this.endOffset += bytes.length;
  }

  /** The bytes [offset, offset + length): a view when they lie in one block, else a copy. */
  slice(offset: number, length: number): Uint8Array {
    if (offset < this.start || offset + length > this.endOffset) {
      throw new RangeError(
        `slice [${offset}, ${offset + length}) outside [${this.start}, ${this.endOffset})`,
      );
    }
    if (length === 0) return new Uint8Array(0);
    let i = this.findBlock(offset);
    const first = this.blocks[i]!;
    const at = offset - first.offset;
    if (at + length <= first.length) return first.data.subarray(at, at + length);
    const out = new Uint8Array(length);
    let copied = 0;
    while (copied < length) {
      const block = this.blocks[i++]!;
      const from = offset + copied - block.offset;
      const n = Math.min(length - copied, block.length - from);
      out.set(block.data.subarray(from, from + n), copied);
      copied += n;
    }
    return out;
  }

  /** Frees every byte below `offset` (acknowledged, or abandoned by a reset). */
  freeBelow(offset: number): void {
    const target = Math.min(offset, this.endOffset);
    if (target <= this.start) return;
    this.start = target;
    while (this.head < this.blocks.length) {
      const block = this.blocks[this.head]!;
      // Keep the tail block while it can still take appends.
      const isTail = this.head === this.blocks.length - 1;
      if (block.offset + block.length > target || (isTail && block.length < block.data.length))
        break;
      this.head++;
    }
    // Compact the array once the freed prefix dominates: amortised O(1).
    if (this.head > 32 && this.head * 2 > this.blocks.length) {
      this.blocks = this.blocks.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops all data (after a reset): nothing will be sent again. */
  clear(): void {
    this.blocks = [];
    this.head = 0;
    this.start = this.endOffset;
  }

  private findBlock(offset: number): number {
    let lo = this.head;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.blocks[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
