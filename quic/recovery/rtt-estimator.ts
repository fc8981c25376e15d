// RTT estimation (RFC 9002 §5): latest_rtt, min_rtt, smoothed_rtt, rttvar.
//
// Usage: the loss recovery calls `onSample(now, latestRtt, ackDelay, ...)`
// when an ACK newly acknowledges the largest acknowledged packet and at
// least one ack-eliciting packet (RFC 9002 §5.1). All times in milliseconds.

import { K_GRANULARITY, K_INITIAL_RTT } from './constants.js';

export interface RttSampleOptions {
  /** Whether the handshake is confirmed (RFC 9001 §4.1.2). */
  handshakeConfirmed: boolean;
  /** The peer's max_ack_delay transport parameter, ms. */
  maxAckDelay: number;
  /** Ignore the ack delay entirely (ACKs of Initial packets). */
  ignoreAckDelay?: boolean;
}

export class RttEstimator {
  readonly initialRtt: number;
  /** RFC 9002 §5.1: the most recent RTT sample, 0 before any sample. */
  latestRtt = 0;
  /** RFC 9002 §5.2: the minimum over the samples, 0 before any sample. */
  minRtt = 0;
  smoothedRtt: number;
  rttvar: number;
  /** RFC 9002 Appendix A.3: time of the first RTT sample, undefined before it. */
  firstSampleTime: number | undefined = undefined;

  constructor(initialRtt: number = K_INITIAL_RTT) {
    if (!(Number.isFinite(initialRtt) && initialRtt > 0)) {
      throw new TypeError(`initialRtt must be a positive number of ms, got ${initialRtt}`);
    }
    this.initialRtt = initialRtt;
    // RFC 9002 §5.3: smoothed_rtt = kInitialRtt, rttvar = kInitialRtt / 2.
    this.smoothedRtt = initialRtt;
    this.rttvar = initialRtt / 2;
  }

  get hasSample(): boolean {
    return this.firstSampleTime !== undefined;
  }

  /**
   * Feeds one RTT sample. `ackDelay` is the decoded ACK Delay field in ms.
   * Returns false when the sample was rejected (not positive or not finite).
   */
  onSample(now: number, latestRtt: number, ackDelay: number, options: RttSampleOptions): boolean {
    if (!(Number.isFinite(latestRtt) && latestRtt >= 0)) return false;
    this.latestRtt = latestRtt;
    if (this.firstSampleTime === undefined) {
      // RFC 9002 §5.3: On the first RTT sample after initialization, the
      // estimator is reset using that sample.
      this.minRtt = latestRtt;
      this.smoothedRtt = latestRtt;
      this.rttvar = latestRtt / 2;
      this.firstSampleTime = now;
      return true;
    }
    // RFC 9002 §5.2: min_rtt ignores acknowledgment delay.
    this.minRtt = Math.min(this.minRtt, latestRtt);

    let delay = Number.isFinite(ackDelay) && ackDelay > 0 ? ackDelay : 0;
    // RFC 9002 §5.3: MAY ignore the acknowledgment delay for Initial packets.
    if (options.ignoreAckDelay) delay = 0;
    // RFC 9002 §5.3: MUST use the lesser of the acknowledgment delay and the
    // peer's max_ack_delay after the handshake is confirmed.
    if (options.handshakeConfirmed) delay = Math.min(delay, options.maxAckDelay);

    // RFC 9002 §5.3: MUST NOT subtract the acknowledgment delay from the RTT
    // sample if the resulting value is smaller than the min_rtt.
    let adjusted = latestRtt;
    if (latestRtt >= this.minRtt + delay) adjusted = latestRtt - delay;

    // RFC 9002 Appendix A.7 (as RFC 6298): rttvar uses the previous smoothed_rtt.
    this.rttvar = (3 / 4) * this.rttvar + (1 / 4) * Math.abs(this.smoothedRtt - adjusted);
    this.smoothedRtt = (7 / 8) * this.smoothedRtt + (1 / 8) * adjusted;
    return true;
  }

  /**
   * RFC 9002 §6.2.1: PTO = smoothed_rtt + max(4*rttvar, kGranularity) +
   * max_ack_delay, without the max_ack_delay term (the caller adds it for
   * Application Data) and without backoff.
   */
  ptoBase(): number {
    return this.smoothedRtt + Math.max(4 * this.rttvar, K_GRANULARITY);
  }

  /**
   * RFC 9002 §6.1.2: loss_delay = max(kTimeThreshold * max(smoothed_rtt,
   * latest_rtt), kGranularity), given the threshold.
   */
  lossDelay(timeThreshold: number): number {
    return Math.max(timeThreshold * Math.max(this.latestRtt, this.smoothedRtt), K_GRANULARITY);
  }

  /** RFC 9000 §9.4: a new path restarts the estimator from the initial RTT. */
  reset(initialRtt: number = this.initialRtt): void {
    this.latestRtt = 0;
    this.minRtt = 0;
    this.smoothedRtt = initialRtt;
    this.rttvar = initialRtt / 2;
    this.firstSampleTime = undefined;
  }
}
