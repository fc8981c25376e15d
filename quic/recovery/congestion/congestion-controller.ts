// The congestion controller interface (RFC 9002 §7) and the window
// bookkeeping shared by NewReno and CUBIC: bytes_in_flight, the recovery
// period keyed on sent time (§7.3.2), persistent congestion (§7.6.2) and the
// application-limited rule (§7.8).
//
// The loss recovery drives a controller; the connection only asks
// `canSend(bytes)` / `available()` before sending an in-flight packet, and
// `pacingRate(smoothedRtt)` feeds the pacer. Probe packets sent on PTO
// bypass canSend (RFC 9002 §7.5), ACK-only packets are never in flight.

import { initialWindow, MIN_MAX_DATAGRAM_SIZE, minimumWindow } from '../constants.js';

/** What a controller needs to know about an acknowledged or lost packet. */
export interface CongestionPacket {
  readonly size: number;
  readonly timeSent: number;
  readonly inFlight: boolean;
}

/** RTT state a controller may read (RttEstimator satisfies it). */
export interface RttView {
  readonly smoothedRtt: number;
  readonly minRtt: number;
  readonly latestRtt: number;
}

export interface CongestionController {
  readonly name: string;
  /** congestion_window in bytes. */
  readonly window: number;
  readonly bytesInFlight: number;
  /** ssthresh in bytes (Infinity in the first slow start). */
  readonly slowStartThreshold: number;
  readonly maxDatagramSize: number;
  /** Whether a packet of `bytes` fits: bytes_in_flight + bytes <= window. */
  canSend(bytes: number): boolean;
  /** Bytes that may still be put in flight. */
  available(): number;
  /** RFC 9002 §7.7: rate = N * congestion_window / smoothed_rtt, bytes per ms. */
  pacingRate(smoothedRtt: number): number;
  /** Whether a packet sent at `sentTime` belongs to the current recovery period. */
  inRecovery(sentTime: number): boolean;
  onPacketSent(now: number, bytes: number): void;
  onPacketsAcked(now: number, packets: readonly CongestionPacket[], rtt: RttView): void;
  /** Removes lost packets from flight and reacts once to the newest loss (RFC 9002 Appendix B.8). */
  onPacketsLost(now: number, packets: readonly CongestionPacket[]): void;
  /** RFC 9002 Appendix B.6: a loss or ECN-CE signal about a packet sent at `sentTime`. */
  onCongestionEvent(now: number, sentTime: number): void;
  /** RFC 9002 §7.6.2: collapse to the minimum window. */
  onPersistentCongestion(now: number): void;
  /** RFC 9002 Appendix B.9: packets of a discarded space leave flight without a signal. */
  onPacketsDiscarded(bytes: number): void;
  /** RFC 9000 §14: a larger PMTU was validated. */
  setMaxDatagramSize(bytes: number): void;
}

export interface CongestionOptions {
  /** Default 1200 (RFC 9000 §14). */
  maxDatagramSize?: number;
  /** Overrides RFC 9002 §7.2's initial window, bytes. */
  initialWindow?: number;
  /** RFC 9002 §7.7: pacing multiplier N, default 1.25. */
  pacingGain?: number;
}

/**
 * Window bookkeeping common to loss-based controllers. Subclasses decide how
 * the window grows (`increaseWindow`) and shrinks (`reduceWindow`).
 */
export abstract class WindowCongestionController implements CongestionController {
  abstract readonly name: string;
  protected cwnd: number;
  protected ssthresh = Number.POSITIVE_INFINITY;
  protected mds: number;
  protected inFlight = 0;
  /** RFC 9002 Appendix B.2: congestion_recovery_start_time, undefined when none. */
  protected recoveryStartTime: number | undefined = undefined;
  /** Largest bytes_in_flight since the last ACK: did we use the window? */
  private peakInFlight = 0;
  private readonly pacingGain: number;

  constructor(options: CongestionOptions = {}) {
    const mds = options.maxDatagramSize ?? MIN_MAX_DATAGRAM_SIZE;
    if (!(Number.isInteger(mds) && mds >= MIN_MAX_DATAGRAM_SIZE)) {
      throw new TypeError(`maxDatagramSize must be an integer >= 1200, got ${mds}`);
    }
    this.mds = mds;
    const iw = options.initialWindow ?? initialWindow(mds);
    if (!(Number.isFinite(iw) && iw >= minimumWindow(mds))) {
      throw new TypeError(`initialWindow must be >= 2 * maxDatagramSize, got ${iw}`);
    }
    this.cwnd = iw;
    const gain = options.pacingGain ?? 1.25;
    if (!(Number.isFinite(gain) && gain >= 1)) {
      throw new TypeError(`pacingGain must be >= 1, got ${gain}`);
    }
    this.pacingGain = gain;
  }

  get window(): number {
    return Math.floor(this.cwnd);
  }
  get bytesInFlight(): number {
    return this.inFlight;
  }
  get slowStartThreshold(): number {
    return this.ssthresh;
  }
  get maxDatagramSize(): number {
    return this.mds;
  }
  protected get minimumWindow(): number {
    return minimumWindow(this.mds);
  }

  canSend(bytes: number): boolean {
    return this.inFlight + bytes <= this.window;
  }

  available(): number {
    return Math.max(0, this.window - this.inFlight);
  }

  pacingRate(smoothedRtt: number): number {
    // RFC 9002 §7.7: rate = N * congestion_window / smoothed_rtt.
    return (this.pacingGain * this.cwnd) / Math.max(smoothedRtt, 0.001);
  }

  inRecovery(sentTime: number): boolean {
    // RFC 9002 Appendix B.5: InCongestionRecovery(sent_time) is
    // sent_time <= congestion_recovery_start_time.
    return this.recoveryStartTime !== undefined && sentTime <= this.recoveryStartTime;
  }

  onPacketSent(_now: number, bytes: number): void {
    this.inFlight += bytes;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  onPacketsAcked(now: number, packets: readonly CongestionPacket[], rtt: RttView): void {
    // RFC 9002 §7.8: When bytes in flight is smaller than the congestion
    // window [...] the congestion window SHOULD NOT be increased in either
    // slow start or congestion avoidance.
    const limited = this.isApplicationLimited();
    if (limited) this.onApplicationLimitedAck(now);
    for (const packet of packets) {
      if (!packet.inFlight) continue;
      this.inFlight = Math.max(0, this.inFlight - packet.size);
      if (limited) continue;
      // RFC 9002 §7.3.2: the window does not grow during a recovery period.
      if (this.inRecovery(packet.timeSent)) continue;
      if (this.cwnd < this.ssthresh) {
        // RFC 9002 §7.3.1: While a sender is in slow start, the congestion
        // window increases by the number of bytes acknowledged.
        this.cwnd += packet.size;
      } else {
        this.increaseWindow(now, packet.size, rtt);
      }
    }
    this.peakInFlight = this.inFlight;
  }

  onPacketsLost(now: number, packets: readonly CongestionPacket[]): void {
    let newestLostSendTime: number | undefined;
    for (const packet of packets) {
      if (!packet.inFlight) continue;
      this.inFlight = Math.max(0, this.inFlight - packet.size);
      if (newestLostSendTime === undefined || packet.timeSent > newestLostSendTime) {
        newestLostSendTime = packet.timeSent;
      }
    }
    // RFC 9002 Appendix B.8: one congestion event, keyed on the newest loss.
    if (newestLostSendTime !== undefined) this.onCongestionEvent(now, newestLostSendTime);
  }

  onCongestionEvent(now: number, sentTime: number): void {
    // RFC 9002 §7.3.2: a recovery period reduces the window at most once.
    if (this.inRecovery(sentTime)) return;
    this.recoveryStartTime = now;
    this.reduceWindow(now);
  }

  onPersistentCongestion(now: number): void {
    // RFC 9002 §7.6.2: When persistent congestion is declared, the sender's
    // congestion window MUST be reduced to the minimum congestion window.
    this.cwnd = this.minimumWindow;
    this.recoveryStartTime = undefined;
    this.onWindowCollapsed(now);
  }

  onPacketsDiscarded(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  setMaxDatagramSize(bytes: number): void {
    if (!(Number.isInteger(bytes) && bytes >= MIN_MAX_DATAGRAM_SIZE)) {
      throw new TypeError(`maxDatagramSize must be an integer >= 1200, got ${bytes}`);
    }
    this.mds = bytes;
    this.cwnd = Math.max(this.cwnd, this.minimumWindow);
  }

  /**
   * RFC 9002 §7.8 heuristic: the window was used if, since the previous ACK,
   * bytes in flight reached half the window in slow start (the window doubles
   * per round trip) or came within three datagrams of it in congestion
   * avoidance. Pacing rarely leaves more than that unused (§7.8: a pacing
   * delay alone does not make a sender application limited).
   */
  protected isApplicationLimited(): boolean {
    if (this.cwnd < this.ssthresh) return this.peakInFlight * 2 < this.cwnd;
    return this.peakInFlight + 3 * this.mds < this.cwnd;
  }

  /** Congestion avoidance growth for `bytes` newly acknowledged. */
  protected abstract increaseWindow(now: number, bytes: number, rtt: RttView): void;
  /** Reduction at the start of a recovery period. */
  protected abstract reduceWindow(now: number): void;
  /** Hook for an ACK while application limited. */
  protected onApplicationLimitedAck(_now: number): void {}
  /** Hook after persistent congestion reset the window. */
  protected onWindowCollapsed(_now: number): void {}
}
