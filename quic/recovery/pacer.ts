// Pacing (RFC 9002 §7.7): a token bucket filled at the pacing rate
// N * congestion_window / smoothed_rtt, holding at most a burst of
// datagrams, so in-flight packets leave evenly instead of in window-sized
// bursts.
//
// Usage: before sending an in-flight packet, `nextSendTime(now, bytes, rate)`
// tells when it may go (<= now: at once; the connection arms its timer for a
// later time); after sending, `onPacketSent(now, bytes, rate)`. ACK-only
// packets are not paced (RFC 9002 §7.7: packets containing only ACK frames
// SHOULD therefore not be paced) and probes may bypass the pacer.

import { MIN_MAX_DATAGRAM_SIZE } from './constants.js';

export interface PacerOptions {
  maxDatagramSize?: number;
  /**
   * Burst size in datagrams. RFC 9002 §7.7: Senders SHOULD limit bursts to
   * the initial congestion window; default 10 datagrams.
   */
  burstPackets?: number;
  /**
   * Let a burst cover this many ms at the pacing rate (never fewer than
   * `burstPackets`, never more than MAX_BURST_PACKETS). For timers that fire
   * no more precisely than ~1 ms (JavaScript's): a fixed 10-packet bucket
   * refilled once per timer tick caps a connection near 10 MB/s however
   * large its window. quinn sizes bursts the same way. Default 0: fixed.
   */
  burstIntervalMs?: number;
}

/** Upper bound of a rate-sized burst (about 77 KB at 1200-byte datagrams). */
const MAX_BURST_PACKETS = 64;

/**
 * Slack when comparing tokens: at the time nextSendTime returned, float
 * rounding of large clock values can leave the bucket a fraction of a byte
 * short; without slack the caller would be told to wait ~0 ms again.
 */
const EPSILON_BYTES = 1;

export class Pacer {
  private tokens: number;
  private lastUpdate: number | undefined = undefined;
  private maxDatagramSize: number;
  private readonly burstPackets: number;
  private readonly burstIntervalMs: number;

  constructor(options: PacerOptions = {}) {
    const mds = options.maxDatagramSize ?? MIN_MAX_DATAGRAM_SIZE;
    const burst = options.burstPackets ?? 10;
    if (!(Number.isInteger(mds) && mds >= MIN_MAX_DATAGRAM_SIZE)) {
      throw new TypeError(`maxDatagramSize must be an integer >= 1200, got ${mds}`);
    }
    if (!(Number.isInteger(burst) && burst >= 1)) {
      throw new TypeError(`burstPackets must be a positive integer, got ${burst}`);
    }
    const interval = options.burstIntervalMs ?? 0;
    if (!(Number.isFinite(interval) && interval >= 0)) {
      throw new TypeError(`burstIntervalMs must be a non-negative number, got ${interval}`);
    }
    this.maxDatagramSize = mds;
    this.burstPackets = burst;
    this.burstIntervalMs = interval;
    // The initial burst is available at once.
    this.tokens = this.capacity;
  }

  /** Bucket size in bytes (the fixed burst; see capacityAt for rate-sized bursts). */
  get capacity(): number {
    return this.burstPackets * this.maxDatagramSize;
  }

  /** Bucket size in bytes at pacing rate `rate` (bytes per ms). */
  capacityAt(rate: number): number {
    const fixed = this.capacity;
    if (this.burstIntervalMs === 0 || !(rate > 0) || !Number.isFinite(rate)) return fixed;
    const byRate = Math.min(rate * this.burstIntervalMs, MAX_BURST_PACKETS * this.maxDatagramSize);
    return Math.max(fixed, byRate);
  }

  /** Tokens (bytes) available at the last update, for inspection. */
  get availableTokens(): number {
    return this.tokens;
  }

  setMaxDatagramSize(bytes: number): void {
    if (!(Number.isInteger(bytes) && bytes >= MIN_MAX_DATAGRAM_SIZE)) {
      throw new TypeError(`maxDatagramSize must be an integer >= 1200, got ${bytes}`);
    }
    this.maxDatagramSize = bytes;
  }

  /**
   * The earliest time a packet of `bytes` may be sent, given the pacing rate
   * in bytes per ms. Returns `now` when it may be sent at once.
   */
  nextSendTime(now: number, bytes: number, rate: number): number {
    const tokens = this.tokensAt(now, rate);
    const needed = Math.min(bytes, this.capacityAt(rate));
    if (tokens + EPSILON_BYTES >= needed) return now;
    if (!(rate > 0)) return Number.POSITIVE_INFINITY;
    return now + (needed - tokens) / rate;
  }

  /** Spends tokens for a sent packet. */
  onPacketSent(now: number, bytes: number, rate: number): void {
    this.tokens = this.tokensAt(now, rate);
    this.lastUpdate = Math.max(now, this.lastUpdate ?? now);
    // A packet sent early (a probe) leaves a debt, bounded by one bucket.
    this.tokens = Math.max(this.tokens - bytes, -this.capacityAt(rate));
  }

  private tokensAt(now: number, rate: number): number {
    if (this.lastUpdate === undefined) return this.tokens;
    const elapsed = Math.max(0, now - this.lastUpdate);
    const refill = rate > 0 && Number.isFinite(rate) ? elapsed * rate : 0;
    return Math.min(this.capacityAt(rate), this.tokens + refill);
  }
}
