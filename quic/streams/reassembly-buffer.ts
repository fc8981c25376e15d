// Reassembly of out-of-order, overlapping stream data (RFC 9000 §2.2).
//
// Bytes are copied into one ring buffer indexed by stream offset (offset %
// capacity), and a RangeSet records which offsets have arrived. This bounds
// memory by the span between the read offset and the largest received offset,
// which flow control bounds in turn (RFC 9000 §4.1 counts the largest offset,
// not the bytes received, toward both the stream and connection limits), so a
// peer cannot make us hold more than it was granted, however it fragments.
// Each byte is copied once on arrival (twice when the ring doubles, amortised)
// and once on read; the ring is kept (not reallocated per read) until the
// stream ends; the RangeSet coalesces adjacent fragments, so its size is
// the number of gaps, which is bounded by `maxGaps` (RFC 9000 §21.7).

import { TransportError, TransportErrorCode } from '../errors.js';
import { RangeSet } from './range-set.js';

const MIN_CAPACITY = 1024;
const FRAME_TYPE_STREAM = 0x08;

export class ReassemblyBuffer {
  private ring = new Uint8Array(0);
  private readonly received = new RangeSet();
  private nextReadOffset = 0;
  private readonly maxGaps: number;
  private readonly frameType: number;

  /** `frameType` is reported on errors: STREAM (0x08) by default, CRYPTO (0x06) for handshake data. */
  constructor(maxGaps = 4096, frameType = FRAME_TYPE_STREAM) {
    this.maxGaps = maxGaps;
    this.frameType = frameType;
  }

  /** The stream offset of the next byte the application will read. */
  get readOffset(): number {
    return this.nextReadOffset;
  }

  /** Bytes currently allocated for buffering. */
  get capacity(): number {
    return this.ring.length;
  }

  /** The number of disjoint received ranges above the read offset. */
  get fragments(): number {
    return this.received.length;
  }

  /** Bytes readable now, in order, from the read offset. */
  get readable(): number {
    return this.received.contiguousEnd(this.nextReadOffset) - this.nextReadOffset;
  }

  /** True when every byte in [readOffset, end) has arrived. */
  hasAllBelow(end: number): boolean {
    return this.received.covers(this.nextReadOffset, end);
  }

  /**
   * Stores `data` at stream `offset`. Bytes below the read offset or already
   * received are ignored (RFC 9000 §2.2: data that has already been received
   * can be discarded). The caller has checked flow control and final size;
   * `limit` (the advertised flow-control limit, when known) caps the ring so
   * memory never exceeds the window, whatever the power-of-two growth.
   */
  insert(offset: number, data: Uint8Array, limit = Number.POSITIVE_INFINITY): void {
    const end = offset + data.length;
    const start = Math.max(offset, this.nextReadOffset);
    if (end <= start) return;
    // The common case, in-order data: nothing at or above `start` has
    // arrived yet, so all of it is new and no gap list is needed.
    const top = this.received.max();
    const missing = top === undefined || start >= top ? undefined : this.received.gaps(start, end);
    if (missing !== undefined && missing.length === 0) return;
    this.reserve(end - this.nextReadOffset, limit - this.nextReadOffset);
    this.received.add(start, end);
    // RFC 9000 §21.7: QUIC deployments SHOULD provide mitigations for stream
    // fragmentation attacks ... limiting the size of tracking data structures.
    const holes = this.received.length - (this.received.min() === this.nextReadOffset ? 1 : 0);
    if (holes > this.maxGaps) {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        `stream data fragmented into more than ${this.maxGaps} gaps`,
        this.frameType,
      );
    }
    if (missing === undefined) {
      this.writeAt(start, start === offset ? data : data.subarray(start - offset));
      return;
    }
    for (const [s, e] of missing) this.writeAt(s, data.subarray(s - offset, e - offset));
  }

  /** Copies out up to `max` in-order bytes and advances the read offset. */
  read(max: number): Uint8Array {
    const n = Math.min(max, this.readable);
    if (n <= 0) return new Uint8Array(0);
    const out = this.copyOut(this.nextReadOffset, n);
    this.nextReadOffset += n;
    this.received.removeBelow(this.nextReadOffset);
    return out;
  }

  /**
   * Frees the ring when nothing is buffered (it is kept while the stream
   * lives to avoid reallocating per read; its size is bounded by the window).
   */
  release(): void {
    if (this.received.isEmpty()) this.ring = new Uint8Array(0);
  }

  /** Drops everything buffered; later data below `offset` is ignored. */
  discard(offset: number): void {
    this.received.clear();
    this.nextReadOffset = Math.max(this.nextReadOffset, offset);
    this.ring = new Uint8Array(0);
  }

  /** Ensures the ring holds `span` bytes from the read offset, growing by doubling up to `maxSpan`. */
  private reserve(span: number, maxSpan: number): void {
    if (span <= this.ring.length) return;
    let capacity = Math.max(MIN_CAPACITY, this.ring.length);
    while (capacity < span) capacity *= 2;
    // The ring is indexed with `%`, so any capacity works, not only powers of two.
    capacity = Math.max(span, Math.min(capacity, maxSpan));
    // Everything received lies in [readOffset, readOffset + old capacity).
    const liveEnd = this.received.max() ?? this.nextReadOffset;
    const live = this.copyOut(this.nextReadOffset, liveEnd - this.nextReadOffset);
    this.ring = new Uint8Array(capacity);
    this.writeAt(this.nextReadOffset, live);
  }

  private writeAt(offset: number, bytes: Uint8Array): void {
    const cap = this.ring.length;
    if (bytes.length === 0) return;
    const pos = offset % cap;
    if (bytes.length <= cap - pos) {
      this.ring.set(bytes, pos);
      return;
    }
    const first = cap - pos;
    this.ring.set(bytes.subarray(0, first), pos);
    this.ring.set(bytes.subarray(first), 0);
  }

  private copyOut(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const cap = this.ring.length;
    if (length === 0 || cap === 0) return out;
    const pos = offset % cap;
    const first = Math.min(length, cap - pos);
    out.set(this.ring.subarray(pos, pos + first), 0);
    if (first < length) out.set(this.ring.subarray(0, length - first), first);
    return out;
  }
}
