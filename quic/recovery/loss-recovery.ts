// Loss detection and recovery for one connection (RFC 9002 §5-§7, Appendix
// A): the three sent packet trackers, the RTT estimator, the congestion
// controller and the pacer behind one sans-IO object. All inputs carry
// `now` (monotonic ms); nothing here reads a clock.
//
// Usage by the connection:
//   const recovery = new LossRecovery<Frames>({ isServer, random });
//   const pn = recovery.nextPacketNumber(space);                // header encoding
//   if (recovery.canSend(size) && recovery.nextSendTime(now, size) <= now) ...
//   recovery.onPacketSent(now, { space, packetNumber: pn, size, ackEliciting, inFlight, payload });
//   const { acked, lost } = recovery.onAckReceived(now, space, { ranges, ackDelay });  // may throw TransportError
//   timer: recovery.lossDetectionTimer (undefined | ms); when it fires:
//   const r = recovery.onLossDetectionTimeout(now);  // 'loss' -> requeue r.lost; 'probe' -> send probes
//   recovery.discardSpace(now, PacketNumberSpace.Initial);       // keys discarded (RFC 9001 §4.9)
//   recovery.setHandshakeConfirmed(now); recovery.setHandshakeKeysAvailable(now);
//   recovery.setAmplificationBlocked(now, blocked);              // server before address validation
//
// Probe packets (result kind 'probe' or 'anti-deadlock') MUST NOT be blocked
// by the congestion controller (RFC 9002 §7.5): send them without canSend().

import type {
  CongestionController,
  CongestionOptions,
} from './congestion/congestion-controller.js';
import { Cubic } from './congestion/cubic.js';
import { NewReno } from './congestion/new-reno.js';
import {
  DEFAULT_MAX_ACK_DELAY,
  K_PACKET_THRESHOLD,
  K_PERSISTENT_CONGESTION_THRESHOLD,
  K_TIME_THRESHOLD,
} from './constants.js';
import { Pacer } from './pacer.js';
import { PACKET_NUMBER_SPACES, PacketNumberSpace } from './packet-number-space.js';
import { RttEstimator } from './rtt-estimator.js';
import { type AckRange, type SentPacket, SentPacketTracker } from './sent-packets.js';

export type CongestionControlAlgorithm = 'cubic' | 'newreno';

export interface LossRecoveryOptions {
  isServer: boolean;
  /** RFC 9002 §6.2.2: initial RTT, ms. Default 333. */
  initialRtt?: number;
  /** The peer's max_ack_delay, ms (settable later). Default 25. */
  maxAckDelay?: number;
  /** Default 1200. */
  maxDatagramSize?: number;
  /** 'cubic' (default), 'newreno', or a factory for a custom controller. */
  congestionControl?:
    | CongestionControlAlgorithm
    | ((options: CongestionOptions) => CongestionController);
  /** Overrides the initial congestion window, bytes. */
  initialWindow?: number;
  /** Injected randomness; enables deliberate packet number skipping. */
  random?: (n: number) => Uint8Array;
  /** Skip packet numbers occasionally (RFC 9000 §21.4). Default: true when random is given. */
  skipPacketNumbers?: boolean;
  /** Pacer burst in datagrams. Default 10. */
  burstPackets?: number;
  /** Pacer bursts cover this many ms at the pacing rate (see PacerOptions). Default 0. */
  pacingBurstIntervalMs?: number;
}

/** A packet the connection has just sent. */
export interface OutgoingPacket<T> {
  space: PacketNumberSpace;
  packetNumber: number;
  size: number;
  ackEliciting: boolean;
  inFlight: boolean;
  payload: T;
}

/** An ACK frame as plain values. */
export interface ReceivedAck {
  /** [smallest, largest] pairs in descending order. */
  ranges: readonly AckRange[];
  /** Decoded ACK Delay in ms: decodeAckDelay(field, peer's ack_delay_exponent). */
  ackDelay: number;
  /** ECN-CE count of an ACK_ECN frame, when present. */
  ecnCe?: number;
}

export interface AckOutcome<T> {
  /** Newly acknowledged packets, in packet-number order. */
  acked: SentPacket<T>[];
  /** Newly lost packets, in packet-number order: re-queue their payloads. */
  lost: SentPacket<T>[];
  persistentCongestion: boolean;
  /** Whether this ACK produced an RTT sample. */
  rttSampled: boolean;
}

export type TimeoutOutcome<T> =
  /** The timer was not due (or not armed): nothing happened. */
  | { kind: 'none' }
  /** RFC 9002 §6.1.2: time threshold loss; re-queue `lost`. */
  | { kind: 'loss'; space: PacketNumberSpace; lost: SentPacket<T>[]; persistentCongestion: boolean }
  /** RFC 9002 §6.2.4: send one or two ack-eliciting packets in `space`. */
  | { kind: 'probe'; space: PacketNumberSpace; packets: 2 }
  /**
   * RFC 9002 §6.2.2.1: a client with nothing in flight sends a Handshake
   * packet, or an Initial in a datagram of at least 1200 bytes.
   */
  | { kind: 'anti-deadlock'; space: PacketNumberSpace; packets: 1 };

export interface RecoveryStats {
  packetsSent: number;
  packetsAcked: number;
  packetsLost: number;
  ptoFired: number;
  persistentCongestionEvents: number;
}

export interface RecoveryMetrics {
  minRtt: number;
  smoothedRtt: number;
  latestRtt: number;
  rttVariance: number;
  ptoCount: number;
  congestionWindow: number;
  bytesInFlight: number;
  ssthresh: number;
  /** Bytes per ms. */
  pacingRate: number;
}

/** 2^16 PTO backoff is already many minutes; the idle timeout ends it first. */
const MAX_BACKOFF_EXPONENT = 16;

export class LossRecovery<T> {
  readonly isServer: boolean;
  readonly rtt: RttEstimator;
  readonly pacer: Pacer;
  private cc: CongestionController;
  private readonly ccFactory: (options: CongestionOptions) => CongestionController;
  private readonly ccOptions: CongestionOptions;
  private readonly spaces: SentPacketTracker<T>[];
  private readonly ecnCe = [0, 0, 0];
  private timer: number | undefined = undefined;
  private maxAckDelay: number;
  private handshakeConfirmed = false;
  private hasHandshakeKeys = false;
  private receivedHandshakeAck = false;
  private amplificationBlocked = false;
  /** RFC 9002 Appendix A.3: pto_count. */
  ptoCount = 0;
  readonly stats: RecoveryStats = {
    packetsSent: 0,
    packetsAcked: 0,
    packetsLost: 0,
    ptoFired: 0,
    persistentCongestionEvents: 0,
  };

  constructor(options: LossRecoveryOptions) {
    this.isServer = options.isServer;
    this.rtt = new RttEstimator(options.initialRtt);
    this.maxAckDelay = checkDelay(options.maxAckDelay ?? DEFAULT_MAX_ACK_DELAY);
    this.ccOptions = {
      maxDatagramSize: options.maxDatagramSize,
      initialWindow: options.initialWindow,
    };
    const algorithm = options.congestionControl ?? 'cubic';
    if (typeof algorithm === 'function') this.ccFactory = algorithm;
    else if (algorithm === 'cubic') this.ccFactory = (o) => new Cubic(o);
    else if (algorithm === 'newreno') this.ccFactory = (o) => new NewReno(o);
    else throw new TypeError(`congestionControl must be 'cubic' or 'newreno', got ${algorithm}`);
    this.cc = this.ccFactory(this.ccOptions);
    this.pacer = new Pacer({
      maxDatagramSize: options.maxDatagramSize,
      burstPackets: options.burstPackets,
      burstIntervalMs: options.pacingBurstIntervalMs,
    });
    const random = options.random;
    const skip = (options.skipPacketNumbers ?? random !== undefined) && random !== undefined;
    // Skipping guards against optimistic ACKs of application data (RFC 9000
    // §21.4); the Initial and Handshake spaces carry a few packets each and
    // are discarded, so only Application Data skips, as in quic-go.
    this.spaces = PACKET_NUMBER_SPACES.map(
      (space) =>
        new SentPacketTracker<T>(
          skip && space === PacketNumberSpace.ApplicationData ? { random } : undefined,
        ),
    );
  }

  get congestion(): CongestionController {
    return this.cc;
  }

  /** Absolute time of the loss detection timer, undefined when not armed. */
  get lossDetectionTimer(): number | undefined {
    return this.timer;
  }

  get bytesInFlight(): number {
    return this.cc.bytesInFlight;
  }

  /** The sent packet tracker of a space (read access for the connection and tests). */
  space(space: PacketNumberSpace): SentPacketTracker<T> {
    return this.spaces[space]!;
  }

  nextPacketNumber(space: PacketNumberSpace): number {
    return this.spaces[space]!.nextPacketNumber();
  }

  /**
   * Largest packet number the peer acknowledged in a space, undefined before
   * any: RFC 9000 §17.1 sizes packet number encodings from it.
   */
  largestAcked(space: PacketNumberSpace): number | undefined {
    return this.spaces[space]!.largestAcked;
  }

  /** A snapshot for logging (qlog recovery:metrics_updated field names in spirit). */
  metrics(): RecoveryMetrics {
    return {
      minRtt: this.rtt.minRtt,
      smoothedRtt: this.rtt.smoothedRtt,
      latestRtt: this.rtt.latestRtt,
      rttVariance: this.rtt.rttvar,
      ptoCount: this.ptoCount,
      congestionWindow: this.cc.window,
      bytesInFlight: this.cc.bytesInFlight,
      ssthresh: this.cc.slowStartThreshold,
      pacingRate: this.cc.pacingRate(this.rtt.smoothedRtt),
    };
  }

  /** Whether an in-flight packet of `bytes` fits in the congestion window. */
  canSend(bytes: number): boolean {
    return this.cc.canSend(bytes);
  }

  /** RFC 9002 §7.7: when a paced in-flight packet of `bytes` may leave (<= now: now). */
  nextSendTime(now: number, bytes: number): number {
    return this.pacer.nextSendTime(now, bytes, this.cc.pacingRate(this.rtt.smoothedRtt));
  }

  /** RFC 9002 Appendix A.5: OnPacketSent. */
  onPacketSent(now: number, packet: OutgoingPacket<T>): void {
    const tracker = this.spaces[packet.space]!;
    tracker.onPacketSent({
      packetNumber: packet.packetNumber,
      timeSent: now,
      size: packet.size,
      ackEliciting: packet.ackEliciting,
      inFlight: packet.inFlight,
      payload: packet.payload,
    });
    this.stats.packetsSent++;
    if (!packet.inFlight) return;
    this.cc.onPacketSent(now, packet.size);
    this.pacer.onPacketSent(now, packet.size, this.cc.pacingRate(this.rtt.smoothedRtt));
    this.setLossDetectionTimer(now);
  }

  /**
   * RFC 9002 Appendix A.7: OnAckReceived. Throws TransportError
   * (PROTOCOL_VIOLATION, FRAME_ENCODING_ERROR) before changing any state
   * when the ACK covers a packet that was never sent or is malformed.
   */
  onAckReceived(now: number, space: PacketNumberSpace, ack: ReceivedAck): AckOutcome<T> {
    const tracker = this.spaces[space]!;
    const acked = tracker.onAckReceived(ack.ranges);
    // RFC 9002 Appendix A.8: PeerCompletedAddressValidation: the client
    // knows the server validated its address once a Handshake ACK arrives.
    if (space === PacketNumberSpace.Handshake) this.receivedHandshakeAck = true;
    const outcome: AckOutcome<T> = {
      acked,
      lost: [],
      persistentCongestion: false,
      rttSampled: false,
    };
    if (acked.length === 0) {
      this.setLossDetectionTimer(now);
      return outcome;
    }
    this.stats.packetsAcked += acked.length;
    const largestNewlyAcked = acked[acked.length - 1]!;
    // RFC 9002 §5.1: An endpoint generates an RTT sample on receiving an ACK
    // frame that meets the following two conditions: the largest
    // acknowledged packet number is newly acknowledged, and at least one of
    // the newly acknowledged packets was ack-eliciting.
    if (largestNewlyAcked.packetNumber === ack.ranges[0]![1] && acked.some((p) => p.ackEliciting)) {
      outcome.rttSampled = this.rtt.onSample(now, now - largestNewlyAcked.timeSent, ack.ackDelay, {
        handshakeConfirmed: this.handshakeConfirmed,
        maxAckDelay: this.maxAckDelay,
        ignoreAckDelay: space === PacketNumberSpace.Initial,
      });
    }
    // RFC 9002 Appendix B.7: If the ECN-CE counter reported by the peer has
    // increased, this could be a new congestion event.
    if (ack.ecnCe !== undefined && ack.ecnCe > this.ecnCe[space]!) {
      this.ecnCe[space] = ack.ecnCe;
      this.cc.onCongestionEvent(now, largestNewlyAcked.timeSent);
    }
    const loss = this.detectAndRemoveLostPackets(now, space);
    outcome.lost = loss.lost;
    outcome.persistentCongestion = loss.persistentCongestion;
    this.cc.onPacketsAcked(now, acked, this.rtt);
    // RFC 9002 §6.2.1: a client does not reset the PTO backoff factor on
    // receiving acknowledgments in Initial packets.
    if (this.peerCompletedAddressValidation()) this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    return outcome;
  }

  /** RFC 9002 Appendix A.9: OnLossDetectionTimeout. Safe to call early. */
  onLossDetectionTimeout(now: number): TimeoutOutcome<T> {
    if (this.timer === undefined || now < this.timer) return { kind: 'none' };
    const loss = this.earliestLossTime();
    if (loss !== undefined) {
      // RFC 9002 §6.1.2: time threshold loss detection.
      const result = this.detectAndRemoveLostPackets(now, loss.space);
      this.setLossDetectionTimer(now);
      return { kind: 'loss', space: loss.space, ...result };
    }
    const pto = this.ptoTimeAndSpace();
    if (pto !== undefined) {
      this.stats.ptoFired++;
      // RFC 9002 §6.2.1: When a PTO timer expires, the PTO backoff MUST be increased.
      this.ptoCount++;
      this.setLossDetectionTimer(now);
      return { kind: 'probe', space: pto.space, packets: 2 };
    }
    if (!this.peerCompletedAddressValidation()) {
      // RFC 9002 §6.2.2.1: When the PTO fires, the client MUST send a
      // Handshake packet if it has Handshake keys, otherwise it MUST send an
      // Initial packet in a UDP datagram with a payload of at least 1200 bytes.
      this.stats.ptoFired++;
      this.ptoCount++;
      this.setLossDetectionTimer(now);
      return { kind: 'anti-deadlock', space: this.antiDeadlockSpace(), packets: 1 };
    }
    this.setLossDetectionTimer(now);
    return { kind: 'none' };
  }

  /**
   * RFC 9002 §6.4 (Appendix A.11): Initial or Handshake keys were
   * discarded: drop the space's packets from flight without declaring them
   * lost and reset the timers. Returns the discarded packets.
   */
  discardSpace(now: number, space: PacketNumberSpace): SentPacket<T>[] {
    if (space === PacketNumberSpace.ApplicationData) {
      throw new TypeError('discardSpace: the ApplicationData space is never discarded');
    }
    const tracker = this.spaces[space]!;
    const discardedBytes = tracker.bytesInFlight;
    const discarded = tracker.discardAll();
    this.cc.onPacketsDiscarded(discardedBytes);
    this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    return discarded;
  }

  /**
   * RFC 9002 §6.3: Clients that receive a Retry packet reset congestion
   * control and loss recovery state, including resetting any pending
   * timers. Packet numbers keep increasing (RFC 9000 §17.2.5.3). Returns the
   * outstanding packets (Initial and 0-RTT) whose frames must be sent again.
   */
  onRetry(now: number): SentPacket<T>[] {
    const outstanding: SentPacket<T>[] = [];
    for (const tracker of this.spaces) {
      for (const packet of tracker.discardAll()) outstanding.push(packet);
    }
    this.cc = this.ccFactory(this.ccOptions);
    this.rtt.reset();
    this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    return outstanding;
  }

  /** RFC 9001 §4.1.2: the handshake is confirmed; arms Application Data PTO. */
  setHandshakeConfirmed(now: number): void {
    this.handshakeConfirmed = true;
    this.setLossDetectionTimer(now);
  }

  /** The client installed Handshake keys (chooses the anti-deadlock probe space). */
  setHandshakeKeysAvailable(now: number): void {
    this.hasHandshakeKeys = true;
    this.setLossDetectionTimer(now);
  }

  /**
   * RFC 9002 §6.2.2.1: a server blocked by the anti-amplification limit
   * does not arm its PTO; receiving a datagram unblocks it and re-arms the
   * timer (Appendix A.6), which fires at once if it is already in the past.
   */
  setAmplificationBlocked(now: number, blocked: boolean): void {
    if (this.amplificationBlocked === blocked) return;
    this.amplificationBlocked = blocked;
    this.setLossDetectionTimer(now);
  }

  /** The peer's max_ack_delay transport parameter, ms (RFC 9000 §18.2). */
  setPeerMaxAckDelay(now: number, maxAckDelay: number): void {
    this.maxAckDelay = checkDelay(maxAckDelay);
    this.setLossDetectionTimer(now);
  }

  /** RFC 9000 §14.3: a larger datagram size was validated on the path. */
  setMaxDatagramSize(bytes: number): void {
    this.cc.setMaxDatagramSize(bytes);
    this.pacer.setMaxDatagramSize(bytes);
  }

  /**
   * RFC 9002 §6.2.1: the PTO period of a space with the current backoff:
   * (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay) * 2^pto_count,
   * where max_ack_delay counts only for Application Data.
   */
  ptoPeriod(space: PacketNumberSpace): number {
    // A shift, not `2 **` (a Math.pow call, on every packet sent).
    const backoff = 1 << Math.min(this.ptoCount, MAX_BACKOFF_EXPONENT);
    const ackDelay = space === PacketNumberSpace.ApplicationData ? this.maxAckDelay : 0;
    return (this.rtt.ptoBase() + ackDelay) * backoff;
  }

  /**
   * RFC 9002 §7.6.1: (smoothed_rtt + max(4*rttvar, kGranularity) +
   * max_ack_delay) * kPersistentCongestionThreshold, max_ack_delay included
   * irrespective of the packet number space.
   */
  persistentCongestionDuration(): number {
    return (this.rtt.ptoBase() + this.maxAckDelay) * K_PERSISTENT_CONGESTION_THRESHOLD;
  }

  /** RFC 9002 Appendix A.8: PeerCompletedAddressValidation. */
  peerCompletedAddressValidation(): boolean {
    // Servers assume clients validate the server's address implicitly.
    if (this.isServer) return true;
    return this.receivedHandshakeAck || this.handshakeConfirmed;
  }

  /** RFC 9002 Appendix A.10 plus the congestion reaction of Appendix B.8. */
  private detectAndRemoveLostPackets(
    now: number,
    space: PacketNumberSpace,
  ): { lost: SentPacket<T>[]; persistentCongestion: boolean } {
    const result = this.spaces[space]!.detectLost(now, {
      lossDelay: this.rtt.lossDelay(K_TIME_THRESHOLD),
      packetThreshold: K_PACKET_THRESHOLD,
      persistentCongestionDuration: this.persistentCongestionDuration(),
      firstRttSampleTime: this.rtt.firstSampleTime,
    });
    if (result.lost.length === 0) return result;
    this.stats.packetsLost += result.lost.length;
    this.cc.onPacketsLost(now, result.lost);
    if (result.persistentCongestion) {
      this.stats.persistentCongestionEvents++;
      this.cc.onPersistentCongestion(now);
    }
    return result;
  }

  /** RFC 9002 Appendix A.8: SetLossDetectionTimer. */
  private setLossDetectionTimer(now: number): void {
    const loss = this.earliestLossTime();
    if (loss !== undefined) {
      this.timer = loss.time;
      return;
    }
    // RFC 9002 §6.2.2.1: If no additional data can be sent, the server's PTO
    // timer MUST NOT be armed until datagrams have been received from the client.
    if (this.amplificationBlocked) {
      this.timer = undefined;
      return;
    }
    const pto = this.ptoTimeAndSpace();
    if (pto !== undefined) {
      this.timer = pto.time;
      return;
    }
    // RFC 9002 §6.2.2.1: the client MUST set the PTO timer if the client has
    // not received an acknowledgment for any of its Handshake packets and
    // the handshake is not confirmed, even if there are no packets in flight.
    // Appendix A.8: Anti-deadlock PTO starts from the current time.
    this.timer = this.peerCompletedAddressValidation()
      ? undefined
      : now + this.ptoPeriod(this.antiDeadlockSpace());
  }

  private earliestLossTime(): { time: number; space: PacketNumberSpace } | undefined {
    let best: { time: number; space: PacketNumberSpace } | undefined;
    for (const space of PACKET_NUMBER_SPACES) {
      const time = this.spaces[space]!.lossTime;
      if (time !== undefined && (best === undefined || time < best.time)) best = { time, space };
    }
    return best;
  }

  /**
   * RFC 9002 Appendix A.8: GetPtoTimeAndSpace for the spaces with
   * ack-eliciting packets in flight; undefined when none may arm a PTO.
   */
  private ptoTimeAndSpace(): { time: number; space: PacketNumberSpace } | undefined {
    let best: { time: number; space: PacketNumberSpace } | undefined;
    for (const space of PACKET_NUMBER_SPACES) {
      const tracker = this.spaces[space]!;
      if (tracker.ackElicitingInFlight === 0 || tracker.timeOfLastAckEliciting === undefined)
        continue;
      // RFC 9002 §6.2.1: An endpoint MUST NOT set its PTO timer for the
      // Application Data packet number space until the handshake is confirmed.
      if (space === PacketNumberSpace.ApplicationData && !this.handshakeConfirmed) break;
      const time = tracker.timeOfLastAckEliciting + this.ptoPeriod(space);
      if (best === undefined || time < best.time) best = { time, space };
    }
    return best;
  }

  private antiDeadlockSpace(): PacketNumberSpace {
    return this.hasHandshakeKeys ? PacketNumberSpace.Handshake : PacketNumberSpace.Initial;
  }
}

function checkDelay(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0 && ms < 2 ** 14)) {
    throw new TypeError(`maxAckDelay must be in [0, 16384) ms, got ${ms}`);
  }
  return ms;
}
