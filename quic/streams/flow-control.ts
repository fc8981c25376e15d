// Flow control (RFC 9000 §4): credit we grant the peer (ReceiveWindow,
// ConnectionReceiveFlow) and credit the peer grants us (SendCredit).
//
// Receive side: credit is released only when the application READS data (or
// when data is discarded for good: a reset or a cancelled reader), so a slow
// reader slows the sender. An update (MAX_STREAM_DATA / MAX_DATA) is due when
// less than half of the window remains unconsumed. The window auto-tunes like
// quic-go's and quinn's: when the reader consumed data at a rate of at least
// one window per two round trips, the window doubles, up to a maximum.
//
// All values are byte counts or offsets as JS numbers; `now` and `rtt` are
// milliseconds, passed in (the core never reads a clock).

import { TransportError, TransportErrorCode } from '../errors.js';

/** Frame type carried on FLOW_CONTROL_ERROR when the connection limit is hit. */
const FRAME_TYPE_STREAM = 0x08;

/** The receive window of one stream, or of the whole connection. */
export class ReceiveWindow {
  /** The largest limit advertised to the peer (initially the transport parameter). */
  private advertised: number;
  private size: number;
  private readonly maxSize: number;
  private consumedBytes = 0;
  private epochStart: number | undefined;
  private epochConsumed = 0;

  constructor(initialWindow: number, maxWindow: number = initialWindow) {
    if (!Number.isSafeInteger(initialWindow) || initialWindow < 0) {
      throw new TypeError(`initialWindow must be a non-negative integer, got ${initialWindow}`);
    }
    if (!Number.isSafeInteger(maxWindow) || maxWindow < initialWindow) {
      throw new TypeError(`maxWindow must be an integer >= initialWindow, got ${maxWindow}`);
    }
    this.advertised = initialWindow;
    this.size = initialWindow;
    this.maxSize = maxWindow;
  }

  /** The limit the peer must respect: the largest we advertised. */
  get limit(): number {
    return this.advertised;
  }

  /** The current window size (grows by auto-tuning). */
  get window(): number {
    return this.size;
  }

  /** Bytes released so far (read by the application or discarded). */
  get consumed(): number {
    return this.consumedBytes;
  }

  /**
   * The first data arrived at `now`: the first auto-tuning epoch starts, so
   * the first update measures how fast the reader drained the initial window.
   */
  start(now: number): void {
    if (this.epochStart === undefined) this.startEpoch(now);
  }

  /** Records `n` more bytes released (read by the application, or discarded). */
  consume(n: number): void {
    if (n > 0) this.consumedBytes += n;
  }

  /**
   * RFC 9000 §4.2: a receiver sends updates when the peer could otherwise
   * block; we do so once half the window has been consumed, which avoids
   * both blocking and a frame per packet.
   */
  shouldUpdate(): boolean {
    return this.advertised - this.consumedBytes <= this.size / 2 && this.size > 0;
  }

  /**
   * Auto-tunes the window, then raises the advertised limit to consumed +
   * window and returns it. `rtt` is the smoothed RTT in ms (0 when unknown:
   * no auto-tuning).
   */
  update(now: number, rtt: number): number {
    this.autoTune(now, rtt);
    // Limits never decrease: a smaller value would have no effect (RFC 9000 §4.1).
    this.advertised = Math.max(this.advertised, this.consumedBytes + this.size);
    return this.advertised;
  }

  /** Grows the window to at least `minimum` (capped at the maximum). */
  ensureWindow(minimum: number, now: number): void {
    if (minimum <= this.size) return;
    // Integral, since limits derived from it go on the wire.
    this.size = Math.min(Math.ceil(minimum), this.maxSize);
    this.startEpoch(now);
  }

  private autoTune(now: number, rtt: number): void {
    if (this.epochStart === undefined) {
      this.startEpoch(now);
      return;
    }
    const consumedInEpoch = this.consumedBytes - this.epochConsumed;
    if (rtt > 0 && this.size > 0 && consumedInEpoch > 0) {
      const fraction = consumedInEpoch / this.size;
      // The reader consumed at a rate of at least one window per 2 RTTs:
      // the window, not the reader, limits throughput. Double it.
      if (now - this.epochStart < 2 * rtt * fraction) {
        this.size = Math.min(this.size * 2, this.maxSize);
      }
    }
    this.startEpoch(now);
  }

  private startEpoch(now: number): void {
    this.epochStart = now;
    this.epochConsumed = this.consumedBytes;
  }
}

/**
 * Connection-level receive accounting: the sum of the largest received
 * offsets of all streams, checked against the advertised MAX_DATA.
 */
export class ConnectionReceiveFlow {
  readonly window: ReceiveWindow;
  private receivedBytes = 0;

  constructor(initialWindow: number, maxWindow: number = initialWindow) {
    this.window = new ReceiveWindow(initialWindow, maxWindow);
  }

  /** Sum of the largest received offset of every stream, including closed ones. */
  get received(): number {
    return this.receivedBytes;
  }

  /** A stream's largest received offset grew by `delta` at time `now`. */
  onReceived(delta: number, now: number, frameType: number = FRAME_TYPE_STREAM): void {
    if (delta <= 0) return;
    this.window.start(now);
    const total = this.receivedBytes + delta;
    // RFC 9000 §4.1: A receiver MUST close the connection with an error of
    // type FLOW_CONTROL_ERROR if the sender violates the advertised
    // connection or stream data limits.
    if (total > this.window.limit) {
      throw new TransportError(
        TransportErrorCode.FLOW_CONTROL_ERROR,
        `connection data ${total} exceeds MAX_DATA ${this.window.limit}`,
        frameType,
      );
    }
    this.receivedBytes = total;
  }

  /** `n` bytes were read by the application or discarded: credit can return. */
  onReleased(n: number): void {
    this.window.consume(n);
  }
}

/** Credit granted by the peer: MAX_STREAM_DATA for a stream, MAX_DATA for the connection. */
export class SendCredit {
  private max: number;
  private usedBytes = 0;
  private reportedBlockedAt: number | undefined;

  constructor(initialLimit: number) {
    this.max = initialLimit;
  }

  get limit(): number {
    return this.max;
  }

  get used(): number {
    return this.usedBytes;
  }

  get available(): number {
    return Math.max(0, this.max - this.usedBytes);
  }

  /** Consumes `n` bytes of credit (the caller never exceeds `available`). */
  use(n: number): void {
    this.usedBytes += n;
  }

  /** RFC 9000 §4.1: limits only increase; a smaller value is ignored. Returns true on an increase. */
  raise(limit: number): boolean {
    if (limit <= this.max) return false;
    this.max = limit;
    return true;
  }

  /**
   * The limit to report in a *_BLOCKED frame, once per limit value
   * (RFC 9000 §4.1: a sender SHOULD send a STREAM_DATA_BLOCKED or
   * DATA_BLOCKED frame when it has data to send and is blocked).
   */
  takeBlocked(): number | undefined {
    if (this.usedBytes < this.max || this.reportedBlockedAt === this.max) return undefined;
    this.reportedBlockedAt = this.max;
    return this.max;
  }

  /** True when still blocked at `limit`, so a lost *_BLOCKED frame should be resent. */
  blockedLost(limit: number): boolean {
    if (limit !== this.max || this.usedBytes < this.max) return false;
    this.reportedBlockedAt = undefined;
    return true;
  }
}
