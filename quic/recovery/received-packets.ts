// Receive-side packet tracking and ACK generation for one packet number
// space (RFC 9000 §13.2): duplicate detection, the received ranges to
// report, when an ACK is due, and the ACK Delay field.
//
// Usage by the connection, per space:
//   if (received.isDuplicate(pn)) drop;                        // before processing frames
//   received.onPacketReceived(now, pn, ackEliciting, ecn);     // after processing it
//   received.ackDeadline                                       // timer: undefined | ms
//   const ack = received.buildAck(now);                        // when sending (due or piggybacked)
//   received.onAckSent();                                      // once the ACK went out
//   // when the packet that carried `ack` is acknowledged by the peer:
//   received.onAckOfAck(ack.largest);
//
// Memory is bounded: at most `maxRanges` ranges are remembered; when more
// arrive the oldest range is forgotten and every packet number below the
// remaining ones counts as a duplicate (RFC 9000 §13.2.3: Maintaining a
// minimum packet number that increases as ranges are discarded).

import { encodeAckDelay, MAX_ACK_DELAY_EXPONENT } from './ack-delay.js';
import { DEFAULT_ACK_DELAY_EXPONENT, DEFAULT_MAX_ACK_DELAY } from './constants.js';
import { PacketNumberSpace } from './packet-number-space.js';

/** IP ECN codepoint of a received datagram (RFC 9000 §13.4.1). */
export type EcnCodepoint = 'not-ect' | 'ect0' | 'ect1' | 'ce';

export interface EcnCounts {
  ect0: number;
  ect1: number;
  ce: number;
}

/** What goes into an ACK frame, independent of the frame codec. */
export interface AckDescription {
  /** Largest Acknowledged. */
  largest: number;
  /** RFC 9000 §13.2.5: delay since the largest was received, integer microseconds. */
  ackDelayMicros: number;
  /** The ACK Delay field value: ackDelayMicros >> ack_delay_exponent. */
  ackDelayEncoded: number;
  /** [smallest, largest] pairs, descending, the first one ending at `largest`. */
  ranges: [number, number][];
  /** ECN counts for an ACK_ECN frame (type 0x03), when any ECN packet was received. */
  ecn: EcnCounts | undefined;
}

export interface ReceivedPacketsOptions {
  space: PacketNumberSpace;
  /** Our max_ack_delay transport parameter, ms. Default 25. */
  maxAckDelay?: number;
  /** Our ack_delay_exponent transport parameter. Default 3. */
  ackDelayExponent?: number;
  /** Ack-eliciting packets that make an ACK due at once (Application Data). Default 2. */
  ackElicitingThreshold?: number;
  /** Received ranges remembered for duplicate detection and ACKs. Default 64. */
  maxRanges?: number;
  /** Ranges reported in one ACK frame (the newest ones). Default 32. */
  maxAckRanges?: number;
}

interface Range {
  start: number;
  end: number;
}

export class ReceivedPacketTracker {
  readonly space: PacketNumberSpace;
  private readonly maxAckDelay: number;
  private readonly ackDelayExponent: number;
  private readonly ackElicitingThreshold: number;
  private readonly maxRanges: number;
  private readonly maxAckRanges: number;
  /** Received ranges, ascending, disjoint and non-adjacent. */
  private ranges: Range[] = [];
  /** Packet numbers below this are duplicates or too old. */
  private floor = 0;
  /** Packet numbers at or below this are no longer reported (acked ACKs). */
  private ackFloor = -1;
  private largestReceivedTime = 0;
  private largestAckEliciting: number | undefined = undefined;
  private ackElicitingSinceAck = 0;
  private unreportedPackets = false;
  private deadline: number | undefined = undefined;
  private readonly ecnCounts: EcnCounts = { ect0: 0, ect1: 0, ce: 0 };
  private ecnSeen = false;

  /** RFC 9000 §13.2.3: the largest packet number successfully processed (MUST be retained). */
  largestReceived: number | undefined = undefined;

  constructor(options: ReceivedPacketsOptions) {
    this.space = options.space;
    this.maxAckDelay = checkNumber('maxAckDelay', options.maxAckDelay ?? DEFAULT_MAX_ACK_DELAY, 0);
    this.ackDelayExponent = checkInteger(
      'ackDelayExponent',
      options.ackDelayExponent ?? DEFAULT_ACK_DELAY_EXPONENT,
      0,
      MAX_ACK_DELAY_EXPONENT,
    );
    this.ackElicitingThreshold = checkInteger(
      'ackElicitingThreshold',
      options.ackElicitingThreshold ?? 2,
      1,
      1_000_000,
    );
    this.maxRanges = checkInteger('maxRanges', options.maxRanges ?? 64, 1, 1_000_000);
    this.maxAckRanges = checkInteger('maxAckRanges', options.maxAckRanges ?? 32, 1, 1_000_000);
  }

  /**
   * The time by which an ACK must be sent, undefined when none is due.
   * A value <= now means "send one now".
   */
  get ackDeadline(): number | undefined {
    return this.deadline;
  }

  /** Whether packets arrived since the last ACK was sent (an ACK may be piggybacked). */
  get hasUnreportedPackets(): boolean {
    return this.unreportedPackets;
  }

  /**
   * The space's keys were discarded (RFC 9001 §4.9): nothing in it is
   * acknowledged any more, so the ranges are freed and no ACK is due.
   */
  discard(): void {
    this.ranges = [];
    this.deadline = undefined;
    this.unreportedPackets = false;
    this.ackElicitingSinceAck = 0;
  }

  /** Number of ranges currently remembered (bounded by maxRanges). */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /** Whether an ACK must be sent at `now`. */
  ackDue(now: number): boolean {
    return this.deadline !== undefined && now >= this.deadline;
  }

  /**
   * Whether `pn` was already received or is below the remembered window
   * (too old to tell): the packet must be dropped (RFC 9000 §12.3: a
   * receiver MUST discard a duplicate packet).
   */
  isDuplicate(pn: number): boolean {
    // Beyond 2^53 numbers are not exact: drop such packets rather than
    // mis-track them (a peer needs millions of packets to get there).
    if (pn < this.floor || pn > Number.MAX_SAFE_INTEGER) return true;
    const i = this.indexOfFirstEndingAtOrAfter(pn);
    const range = this.ranges[i];
    return range !== undefined && range.start <= pn;
  }

  /**
   * Records a processed packet. Returns false (and changes nothing) for a
   * duplicate. `ecn` is the datagram's ECN codepoint, when the I/O layer
   * can read it.
   */
  onPacketReceived(now: number, pn: number, ackEliciting: boolean, ecn?: EcnCodepoint): boolean {
    if (!Number.isInteger(pn) || pn < 0) {
      throw new TypeError(`packet number must be a non-negative integer, got ${pn}`);
    }
    if (this.isDuplicate(pn)) return false;
    const outOfOrder = this.insert(pn);
    if (this.largestReceived === undefined || pn > this.largestReceived) {
      this.largestReceived = pn;
      this.largestReceivedTime = now;
    }
    this.countEcn(ecn);
    // Below the ack floor: the peer already saw an ACK covering higher
    // numbers; the packet is remembered for duplicate detection but can no
    // longer be reported, so it must not make an ACK due (an ACK that would
    // be empty would keep the deadline, and the connection's timer, firing).
    if (pn <= this.ackFloor) return true;
    this.unreportedPackets = true;
    if (!ackEliciting) {
      // RFC 9000 §13.2.1: An endpoint MUST NOT send a non-ack-eliciting
      // packet in response to a non-ack-eliciting packet.
      return true;
    }
    this.ackElicitingSinceAck++;
    const immediate =
      // RFC 9000 §13.2.1: An endpoint MUST acknowledge all ack-eliciting
      // Initial and Handshake packets immediately.
      this.space !== PacketNumberSpace.ApplicationData ||
      // RFC 9000 §13.2.2: A receiver SHOULD send an ACK frame after
      // receiving at least two ack-eliciting packets.
      this.ackElicitingSinceAck >= this.ackElicitingThreshold ||
      // RFC 9000 §13.2.1: [...] without delay when [...] the received packet
      // has a packet number less than another ack-eliciting packet that has
      // been received, or [...] there are missing packets between that
      // packet and this packet.
      outOfOrder ||
      // RFC 9000 §13.2.1: packets marked with the ECN Congestion Experienced
      // (CE) codepoint in the IP header SHOULD be acknowledged immediately.
      ecn === 'ce';
    if (this.largestAckEliciting === undefined || pn > this.largestAckEliciting) {
      this.largestAckEliciting = pn;
    }
    // RFC 9000 §13.2.1: ack-eliciting 0-RTT and 1-RTT packets are
    // acknowledged within the advertised max_ack_delay.
    const due = immediate ? now : now + this.maxAckDelay;
    this.deadline = this.deadline === undefined ? due : Math.min(this.deadline, due);
    return true;
  }

  /**
   * The ACK to send now, or undefined when there is nothing to report. Pure:
   * call onAckSent() once the frame is actually sent.
   */
  buildAck(now: number): AckDescription | undefined {
    const largest = this.largestReceived;
    if (largest === undefined || largest <= this.ackFloor) return undefined;
    const ranges: [number, number][] = [];
    for (let i = this.ranges.length - 1; i >= 0 && ranges.length < this.maxAckRanges; i--) {
      const range = this.ranges[i]!;
      if (range.end <= this.ackFloor) break;
      ranges.push([Math.max(range.start, this.ackFloor + 1), range.end]);
    }
    // RFC 9000 §13.2.5: the delay between receipt of the largest
    // acknowledged packet and this ACK. RFC 9000 §13.2.1: Initial and
    // Handshake ACKs are not delayed, and the peer may not know our
    // ack_delay_exponent yet (RFC 9002 §5.3 lets it ignore the value): 0.
    const delayed = this.space === PacketNumberSpace.ApplicationData;
    const ackDelayMicros = delayed
      ? Math.max(0, Math.floor((now - this.largestReceivedTime) * 1000))
      : 0;
    return {
      largest,
      ackDelayMicros,
      ackDelayEncoded: encodeAckDelay(ackDelayMicros, this.ackDelayExponent),
      ranges,
      ecn: this.ecnSeen ? { ...this.ecnCounts } : undefined,
    };
  }

  /** An ACK frame covering everything received so far was sent. */
  onAckSent(): void {
    this.ackElicitingSinceAck = 0;
    this.deadline = undefined;
    this.unreportedPackets = false;
  }

  /**
   * RFC 9000 §13.2.4: When a packet containing an ACK frame is acknowledged,
   * the receiver can stop acknowledging packets less than or equal to the
   * Largest Acknowledged field in the sent ACK frame. Duplicate detection
   * still remembers them.
   */
  onAckOfAck(largestAcknowledged: number): void {
    if (largestAcknowledged <= this.ackFloor) return;
    this.ackFloor = largestAcknowledged;
    if (this.largestReceived !== undefined && this.largestReceived <= this.ackFloor) {
      // Nothing left to report: no ACK is due any more.
      this.deadline = undefined;
      this.unreportedPackets = false;
      this.ackElicitingSinceAck = 0;
    }
  }

  /**
   * Inserts pn (not a duplicate). Returns true when it is out of order with
   * respect to ack-eliciting packets (RFC 9000 §13.2.1).
   */
  private insert(pn: number): boolean {
    const ranges = this.ranges;
    const i = this.indexOfFirstEndingAtOrAfter(pn - 1);
    const range = ranges[i];
    let containing: Range;
    if (range !== undefined && range.end === pn - 1) {
      range.end = pn;
      const next = ranges[i + 1];
      if (next !== undefined && next.start === pn + 1) {
        range.end = next.end;
        ranges.splice(i + 1, 1);
      }
      containing = range;
    } else if (range !== undefined && range.start === pn + 1) {
      range.start = pn;
      containing = range;
    } else {
      containing = { start: pn, end: pn };
      ranges.splice(i, 0, containing);
    }
    const largestAe = this.largestAckEliciting;
    const outOfOrder =
      largestAe !== undefined && (pn < largestAe || containing.start > largestAe + 1);
    if (ranges.length > this.maxRanges) {
      // RFC 9000 §13.2.3: A receiver limits the number of ACK Ranges it
      // remembers [...] to avoid resource exhaustion; the floor rises.
      const dropped = ranges.shift()!;
      this.floor = dropped.end + 1;
    }
    return outOfOrder;
  }

  private indexOfFirstEndingAtOrAfter(pn: number): number {
    const ranges = this.ranges;
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid]!.end < pn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private countEcn(ecn: EcnCodepoint | undefined): void {
    if (ecn === undefined || ecn === 'not-ect') return;
    this.ecnSeen = true;
    if (ecn === 'ect0') this.ecnCounts.ect0++;
    else if (ecn === 'ect1') this.ecnCounts.ect1++;
    else this.ecnCounts.ce++;
  }
}

function checkNumber(name: string, value: number, min: number): number {
  if (!(Number.isFinite(value) && value >= min)) {
    throw new TypeError(`${name} must be a number >= ${min}, got ${value}`);
  }
  return value;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new TypeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}
