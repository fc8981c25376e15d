// Stream count limits (RFC 9000 §4.6), one instance per direction:
//   LocalStreamLimit: streams we open, bounded by the peer's MAX_STREAMS;
//     reports STREAMS_BLOCKED once per limit value.
//   PeerStreamLimit: streams the peer opens, bounded by the MAX_STREAMS we
//     advertise; raised by one for each peer stream that closes, keeping the
//     peer's concurrent allowance constant.
// Counts are stream indices (stream ID / 4), not IDs.

import { TransportError, TransportErrorCode } from '../errors.js';
import { MAX_STREAMS_LIMIT } from './stream-id.js';

export class LocalStreamLimit {
  private nextIndex = 0;
  private max: number;
  private reportedBlockedAt: number | undefined;
  private blockedDue = false;

  constructor(initialMax = 0) {
    this.max = initialMax;
  }

  /** How many streams of this type we opened. */
  get opened(): number {
    return this.nextIndex;
  }

  get limit(): number {
    return this.max;
  }

  /**
   * The index of the next stream, or null at the limit (RFC 9000 §4.6: An
   * endpoint that is unable to open a new stream due to the peer's limits
   * SHOULD send a STREAMS_BLOCKED frame).
   */
  open(): number | null {
    if (this.nextIndex >= this.max) {
      if (this.reportedBlockedAt !== this.max) this.blockedDue = true;
      return null;
    }
    return this.nextIndex++;
  }

  /**
   * A new limit from MAX_STREAMS (frameType given) or a transport parameter.
   * Returns true when it grew.
   */
  raise(max: number, frameType?: number): boolean {
    // RFC 9000 §4.6: If a max_streams transport parameter or a MAX_STREAMS
    // frame is received with a value greater than 2^60 ... TRANSPORT_PARAMETER_ERROR
    // if ... received in a transport parameter or ... FRAME_ENCODING_ERROR if
    // it was received in a frame.
    if (max > MAX_STREAMS_LIMIT) {
      throw new TransportError(
        frameType === undefined
          ? TransportErrorCode.TRANSPORT_PARAMETER_ERROR
          : TransportErrorCode.FRAME_ENCODING_ERROR,
        `stream limit ${max} exceeds 2^60`,
        frameType,
      );
    }
    // RFC 9000 §19.11: MAX_STREAMS frames that do not increase the stream
    // limit MUST be ignored.
    if (max <= this.max) return false;
    this.max = max;
    this.blockedDue = false;
    return true;
  }

  /** True when takeBlocked() may return a limit. */
  get hasBlockedDue(): boolean {
    return this.blockedDue;
  }

  /** The limit for a STREAMS_BLOCKED frame, when one is due. */
  takeBlocked(): number | undefined {
    if (!this.blockedDue) return undefined;
    this.blockedDue = false;
    if (this.nextIndex < this.max) return undefined;
    this.reportedBlockedAt = this.max;
    return this.max;
  }

  /** A STREAMS_BLOCKED(limit) was lost: due again if still blocked there. */
  onBlockedLost(limit: number): void {
    if (limit === this.max && this.nextIndex >= this.max) this.blockedDue = true;
  }
}

export class PeerStreamLimit {
  private nextIndex = 0;
  private max: number;
  private updateDue = false;

  constructor(initialMax: number) {
    this.max = Math.min(initialMax, MAX_STREAMS_LIMIT);
  }

  /** The index below which every peer stream of this type was opened. */
  get opened(): number {
    return this.nextIndex;
  }

  /** The limit we advertise. */
  get limit(): number {
    return this.max;
  }

  /**
   * The peer used stream index `index`. Returns the first index newly opened
   * (streams [first, index] open now, RFC 9000 §3.2: all lower-numbered
   * streams of that type are opened implicitly), or undefined when `index`
   * was already opened earlier.
   */
  accept(index: number, frameType: number): number | undefined {
    // RFC 9000 §4.6: An endpoint that receives a frame with a stream ID
    // exceeding the limit it has sent MUST treat this as a connection error
    // of type STREAM_LIMIT_ERROR.
    if (index >= this.max) {
      throw new TransportError(
        TransportErrorCode.STREAM_LIMIT_ERROR,
        `stream index ${index} exceeds MAX_STREAMS ${this.max}`,
        frameType,
      );
    }
    if (index < this.nextIndex) return undefined;
    const first = this.nextIndex;
    this.nextIndex = index + 1;
    return first;
  }

  /**
   * A peer stream closed: allow one more, so the number of concurrently
   * open streams stays constant (RFC 9000 §4.6: Implementations might choose
   * to increase limits as streams are closed).
   */
  onStreamClosed(): void {
    if (this.max >= MAX_STREAMS_LIMIT) return;
    this.max++;
    this.updateDue = true;
  }

  /** True when takeUpdate() will return a value. */
  get hasUpdateDue(): boolean {
    return this.updateDue;
  }

  /** The MAX_STREAMS value to send, when due. */
  takeUpdate(): number | undefined {
    if (!this.updateDue) return undefined;
    this.updateDue = false;
    return this.max;
  }

  /** A MAX_STREAMS frame was lost: send the latest value again. */
  onUpdateLost(): void {
    this.updateDue = true;
  }

  /** The peer reports STREAMS_BLOCKED at `limit`: resend ours if it is higher. */
  onPeerBlocked(limit: number): void {
    if (this.max > limit) this.updateDue = true;
  }
}
