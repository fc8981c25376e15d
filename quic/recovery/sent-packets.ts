// Sent packet tracking for one packet number space (RFC 9002 §2, Appendix
// A.1): which packets are outstanding, ACK processing by ranges, loss
// detection by packet and time threshold (§6.1), and deliberately skipped
// packet numbers (RFC 9000 §21.4 optimistic ACK defence).
//
// Storage is a deque of entries in packet-number order (packet numbers only
// grow), so an ACK range is found with a binary search and only packets that
// were actually sent are visited: an ACK claiming [0, 2^53] costs
// O(log n + outstanding), never O(range width).
//
// Usage (the LossRecovery class drives this; the connection rarely needs it
// directly):
//   const pn = tracker.nextPacketNumber();
//   tracker.onPacketSent({ packetNumber: pn, timeSent: now, size, ackEliciting, inFlight, payload });
//   const { acked } = tracker.onAckReceived([[smallest, largest], ...]);   // descending ranges
//   const { lost } = tracker.detectLost(now, lossDelay, ...);

import { TransportError, TransportErrorCode } from '../errors.js';
import { K_PACKET_THRESHOLD } from './constants.js';

/** A packet as the connection described it when it was sent. */
export interface SentPacket<T> {
  readonly packetNumber: number;
  /** Monotonic ms. */
  readonly timeSent: number;
  /** Bytes of the QUIC packet, including header and AEAD tag, excluding UDP/IP. */
  readonly size: number;
  /** RFC 9002 §2: contains frames other than ACK, PADDING and CONNECTION_CLOSE. */
  readonly ackEliciting: boolean;
  /** RFC 9002 §2: counts toward bytes_in_flight (ack-eliciting or PADDING). */
  readonly inFlight: boolean;
  /** Opaque data the connection attaches, e.g. the frames to re-queue on loss. */
  readonly payload: T;
}

/** An ACK range [smallest, largest], both inclusive. */
export type AckRange = readonly [smallest: number, largest: number];

const LIVE = 0;
const ACKED = 1;
const LOST = 2;

interface Entry<T> extends SentPacket<T> {
  state: number;
}

export interface SkipOptions {
  /** Injected randomness (never Math.random in the core). */
  random: (n: number) => Uint8Array;
  /** Smallest distance between two skipped packet numbers. Default 32. */
  minDistance?: number;
  /** Distances are drawn uniformly from [minDistance, minDistance + spread). Default 992. */
  spread?: number;
}

export interface LossScanOptions {
  /** RFC 9002 §6.1.2: packets sent at or before now - lossDelay are lost. */
  lossDelay: number;
  /** RFC 9002 §6.1.1: kPacketThreshold. */
  packetThreshold?: number;
  /**
   * RFC 9002 §7.6: persistent congestion duration, and the first RTT sample
   * time (packets sent before it never count). Leave undefined to skip.
   */
  persistentCongestionDuration?: number;
  firstRttSampleTime?: number | undefined;
}

export interface LossScanResult<T> {
  /** Newly lost packets in packet-number order. */
  lost: SentPacket<T>[];
  /**
   * RFC 9002 §7.6.2: two ack-eliciting lost packets, sent after the first RTT
   * sample, further apart than the duration, with no packet between them
   * acknowledged (checked within this space, which §7.6.2 allows).
   */
  persistentCongestion: boolean;
}

/** Keep at most this many skipped packet numbers; older ones are forgotten. */
const MAX_SKIPPED = 64;

export class SentPacketTracker<T> {
  private entries: Entry<T>[] = [];
  private head = 0;
  private nextPn = 0;
  private nextSkip: number;
  /** Skipped packet numbers, ascending, bounded by MAX_SKIPPED. */
  private readonly skipped: number[] = [];
  private readonly skip: SkipOptions | undefined;

  /** Largest packet number sent, -1 before the first. */
  largestSent = -1;
  /** RFC 9002 Appendix A.3: largest_acked_packet, undefined while "infinite". */
  largestAcked: number | undefined = undefined;
  /** RFC 9002 Appendix A.3: loss_time, undefined when not armed. */
  lossTime: number | undefined = undefined;
  /** RFC 9002 Appendix A.3: time_of_last_ack_eliciting_packet, undefined when none. */
  timeOfLastAckEliciting: number | undefined = undefined;
  /** Sum of sizes of outstanding in-flight packets in this space. */
  bytesInFlight = 0;
  /** Number of outstanding packets that are ack-eliciting and in flight. */
  ackElicitingInFlight = 0;
  /** Outstanding (neither acked nor lost nor discarded) packets. */
  outstanding = 0;
  /** Work counter: entries examined by ACK processing and loss scans. */
  visited = 0;

  constructor(skip?: SkipOptions) {
    this.skip = skip;
    this.nextSkip = skip ? this.drawSkipDistance() : Number.POSITIVE_INFINITY;
  }

  /** The packet number the next sent packet must carry. */
  nextPacketNumber(): number {
    return this.nextPn;
  }

  /** Packet numbers deliberately never sent (most recent MAX_SKIPPED). */
  skippedPacketNumbers(): readonly number[] {
    return this.skipped;
  }

  /** Records a sent packet; its number must be `nextPacketNumber()`. */
  onPacketSent(packet: SentPacket<T>): void {
    if (packet.packetNumber !== this.nextPn) {
      throw new TypeError(
        `packetNumber must be ${this.nextPn} (nextPacketNumber()), got ${packet.packetNumber}`,
      );
    }
    if (!(Number.isFinite(packet.size) && packet.size >= 0)) {
      throw new TypeError(`size must be a non-negative number of bytes, got ${packet.size}`);
    }
    // An explicit literal, not a spread: every entry gets one hidden class
    // (a spread copy was 20x slower to create and to read in V8).
    const entry: Entry<T> = {
      packetNumber: packet.packetNumber,
      timeSent: packet.timeSent,
      size: packet.size,
      ackEliciting: packet.ackEliciting,
      inFlight: packet.inFlight,
      payload: packet.payload,
      state: LIVE,
    };
    this.entries.push(entry);
    this.outstanding++;
    this.largestSent = packet.packetNumber;
    if (packet.inFlight) {
      this.bytesInFlight += packet.size;
      if (packet.ackEliciting) {
        this.ackElicitingInFlight++;
        this.timeOfLastAckEliciting = packet.timeSent;
      }
    }
    this.nextPn = packet.packetNumber + 1;
    // RFC 9000 §21.4: an endpoint can skip packet numbers to detect peers
    // that acknowledge packets they never received (optimistic ACK attack).
    if (this.nextPn === this.nextSkip) {
      this.skipped.push(this.nextPn);
      if (this.skipped.length > MAX_SKIPPED) this.skipped.shift();
      this.nextPn++;
      this.nextSkip = this.nextPn + this.drawSkipDistance();
    }
  }

  /**
   * Validates and applies an ACK's ranges (descending, [smallest, largest]).
   * Returns the newly acknowledged packets in packet-number order. Throws
   * TransportError before changing any state when the ACK is invalid.
   */
  onAckReceived(ranges: readonly AckRange[]): SentPacket<T>[] {
    this.validateRanges(ranges);
    const largest = ranges[0]![1];
    this.largestAcked =
      this.largestAcked === undefined ? largest : Math.max(this.largestAcked, largest);
    const acked: SentPacket<T>[] = [];
    // Ascending order: walk the descending ranges backwards.
    for (let r = ranges.length - 1; r >= 0; r--) {
      const [smallest, top] = ranges[r]!;
      for (let i = this.lowerBound(smallest); i < this.entries.length; i++) {
        const entry = this.entries[i]!;
        this.visited++;
        if (entry.packetNumber > top) break;
        if (entry.state !== LIVE) continue;
        entry.state = ACKED;
        this.removeOutstanding(entry);
        acked.push(entry);
      }
    }
    this.compact();
    return acked;
  }

  /**
   * RFC 9002 §6.1 (Appendix A.10 DetectAndRemoveLostPackets): declares lost
   * every outstanding packet at or below largest_acked that is kPacketThreshold
   * older than it or was sent before now - lossDelay, and re-arms loss_time
   * for the rest.
   */
  detectLost(now: number, options: LossScanOptions): LossScanResult<T> {
    this.lossTime = undefined;
    const lost: SentPacket<T>[] = [];
    let persistentCongestion = false;
    const largestAcked = this.largestAcked;
    if (largestAcked === undefined) return { lost, persistentCongestion };
    const threshold = options.packetThreshold ?? K_PACKET_THRESHOLD;
    const pcDuration = options.persistentCongestionDuration;
    const firstSample = options.firstRttSampleTime;
    let runStart: number | undefined;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.packetNumber > largestAcked) break;
      this.visited++;
      if (entry.state === ACKED) {
        // RFC 9002 §7.6.2: an acknowledged packet between two lost ones
        // breaks the persistent congestion period.
        runStart = undefined;
        continue;
      }
      if (entry.state !== LIVE) continue;
      // RFC 9002 §6.1.2: sent before now - loss_delay. Compared as
      // time_sent + loss_delay <= now, the same sum loss_time is armed with,
      // so a timer firing at loss_time always declares the loss (no float
      // rounding loop).
      const lossAt = entry.timeSent + options.lossDelay;
      if (lossAt <= now || largestAcked >= entry.packetNumber + threshold) {
        entry.state = LOST;
        this.removeOutstanding(entry);
        lost.push(entry);
        if (
          pcDuration !== undefined &&
          firstSample !== undefined &&
          entry.ackEliciting &&
          entry.timeSent > firstSample
        ) {
          if (runStart === undefined) runStart = entry.timeSent;
          else if (entry.timeSent - runStart > pcDuration) persistentCongestion = true;
        }
      } else {
        this.lossTime = this.lossTime === undefined ? lossAt : Math.min(this.lossTime, lossAt);
      }
    }
    this.compact();
    return { lost, persistentCongestion };
  }

  /** Drops acknowledged and lost entries from the front of the deque. */
  compact(): void {
    const entries = this.entries;
    while (this.head < entries.length && entries[this.head]!.state !== LIVE) this.head++;
    if (this.head === entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= entries.length) {
      this.entries = entries.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * RFC 9002 §6.4: discards every outstanding packet without declaring it
   * lost (keys for this space are gone). Returns them for the caller's
   * bookkeeping; bytesInFlight and timers of this space return to zero.
   */
  discardAll(): SentPacket<T>[] {
    const discarded: SentPacket<T>[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.state === LIVE) discarded.push(entry);
    }
    this.entries = [];
    this.head = 0;
    this.bytesInFlight = 0;
    this.ackElicitingInFlight = 0;
    this.outstanding = 0;
    this.lossTime = undefined;
    this.timeOfLastAckEliciting = undefined;
    return discarded;
  }

  /** Outstanding packets in packet-number order (for probes and tests). */
  outstandingPackets(): SentPacket<T>[] {
    const out: SentPacket<T>[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.state === LIVE) out.push(entry);
    }
    return out;
  }

  /** The outstanding packet with this number, if any. */
  get(packetNumber: number): SentPacket<T> | undefined {
    const i = this.lowerBound(packetNumber);
    const entry = this.entries[i];
    return entry && entry.packetNumber === packetNumber && entry.state === LIVE ? entry : undefined;
  }

  private removeOutstanding(entry: Entry<T>): void {
    this.outstanding--;
    if (!entry.inFlight) return;
    this.bytesInFlight -= entry.size;
    if (entry.ackEliciting) this.ackElicitingInFlight--;
  }

  /** Index of the first entry at or after head with packetNumber >= pn. */
  private lowerBound(pn: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.packetNumber < pn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private validateRanges(ranges: readonly AckRange[]): void {
    if (ranges.length === 0) {
      throw new TransportError(TransportErrorCode.FRAME_ENCODING_ERROR, 'ACK without ranges');
    }
    let previousSmallest = Number.POSITIVE_INFINITY;
    for (const [smallest, largest] of ranges) {
      if (
        !Number.isSafeInteger(smallest) ||
        !Number.isSafeInteger(largest) ||
        smallest < 0 ||
        smallest > largest ||
        largest >= previousSmallest
      ) {
        // RFC 9000 §19.3.1: a range that would go negative or overlap is an
        // error of type FRAME_ENCODING_ERROR.
        throw new TransportError(
          TransportErrorCode.FRAME_ENCODING_ERROR,
          `malformed ACK range [${smallest}, ${largest}]`,
        );
      }
      previousSmallest = smallest;
      if (this.containsSkipped(smallest, largest)) {
        // RFC 9000 §13.1: An endpoint SHOULD treat receipt of an
        // acknowledgment for a packet it did not send as a connection error
        // of type PROTOCOL_VIOLATION, if it is able to detect the condition.
        throw new TransportError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          `ACK of skipped packet number in [${smallest}, ${largest}]`,
        );
      }
    }
    const largest = ranges[0]![1];
    if (largest > this.largestSent) {
      // RFC 9000 §13.1: acknowledgment of a packet that was never sent.
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        `ACK of unsent packet number ${largest} (largest sent ${this.largestSent})`,
      );
    }
  }

  private containsSkipped(smallest: number, largest: number): boolean {
    const skipped = this.skipped;
    let lo = 0;
    let hi = skipped.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (skipped[mid]! < smallest) lo = mid + 1;
      else hi = mid;
    }
    return lo < skipped.length && skipped[lo]! <= largest;
  }

  private drawSkipDistance(): number {
    const skip = this.skip!;
    const bytes = skip.random(2);
    const value = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
    const min = Math.max(2, skip.minDistance ?? 32);
    const spread = Math.max(1, skip.spread ?? 992);
    return min + (value % spread);
  }
}
