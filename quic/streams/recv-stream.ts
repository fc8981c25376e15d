// The receiving part of a stream (RFC 9000 §3.2):
//
//   Recv --STREAM+FIN--> Size Known --all data--> Data Recvd --app read all--> Data Read
//   Recv | Size Known --RESET_STREAM--> Reset Recvd --app read reset--> Reset Read
//
// API, all synchronous:
//   onData(offset, data, fin)     a STREAM frame; throws TransportError on
//                                 FLOW_CONTROL_ERROR / FINAL_SIZE_ERROR;
//                                 returns true when something became readable
//   onReset(errorCode, finalSize) a RESET_STREAM; same checks
//   read(max)                     in-order bytes (a copy) and fin, the reset, or null
//   stopSending()                 the application no longer reads: drop data,
//                                 returns true when a STOP_SENDING is due
//   takeWindowUpdate(now, rtt)    the MAX_STREAM_DATA value to send, if due
//
// Credit is released (stream and connection level) only when the application
// reads, or when data is discarded for good (reset, cancelled reader).

import { TransportError, TransportErrorCode } from '../errors.js';
import type { ConnectionReceiveFlow } from './flow-control.js';
import { ReceiveWindow } from './flow-control.js';
import { ReassemblyBuffer } from './reassembly-buffer.js';
import { STREAM_ID_LIMIT } from './stream-id.js';
import { type AppErrorCode, type ReadResult, StreamFrameType } from './types.js';

export type RecvState =
  | 'recv'
  | 'size-known'
  | 'data-recvd'
  | 'data-read'
  | 'reset-recvd'
  | 'reset-read';

export interface RecvStreamOptions {
  /** Our initial MAX_STREAM_DATA for this stream (transport parameter). */
  initialWindow: number;
  /** Upper bound for auto-tuning. */
  maxWindow: number;
  /** Bound on out-of-order gaps (RFC 9000 §21.7). */
  maxGaps?: number;
}

export class RecvStream {
  private stateValue: RecvState = 'recv';
  private readonly flow: ReceiveWindow;
  private readonly buffer: ReassemblyBuffer;
  private readonly connection: ConnectionReceiveFlow;
  /** One past the largest offset received (RFC 9000 §4.1 counts it toward flow control). */
  private highest = 0;
  private finalSizeValue: number | undefined;
  private resetCode: AppErrorCode | undefined;
  private stopped = false;
  /** Bytes counted as released toward connection-level credit. */
  private released = 0;

  constructor(options: RecvStreamOptions, connection: ConnectionReceiveFlow) {
    this.flow = new ReceiveWindow(
      options.initialWindow,
      Math.max(options.initialWindow, options.maxWindow),
    );
    this.buffer = new ReassemblyBuffer(options.maxGaps);
    this.connection = connection;
  }

  get state(): RecvState {
    return this.stateValue;
  }

  get finalSize(): number | undefined {
    return this.finalSizeValue;
  }

  /** One past the largest offset received. */
  get highestReceived(): number {
    return this.highest;
  }

  /** The stream-level window (limit, size, consumed). */
  get window(): ReceiveWindow {
    return this.flow;
  }

  /** Bytes the application can read now. */
  get readable(): number {
    return this.stopped ? 0 : this.buffer.readable;
  }

  /** True once the application cancelled reading. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** RFC 9000 §3.2: Data Read and Reset Read are terminal. */
  get isTerminal(): boolean {
    return this.stateValue === 'data-read' || this.stateValue === 'reset-read';
  }

  /** Handles a STREAM frame. Returns true when new data, FIN, or nothing-new-but-readable state appeared. */
  onData(offset: number, data: Uint8Array, fin: boolean, now: number): boolean {
    const end = offset + data.length;
    this.checkFinalSize(end, fin, StreamFrameType.STREAM);
    this.checkLimit(end, StreamFrameType.STREAM);
    this.advanceHighest(end, now);
    const s = this.stateValue;
    if (s !== 'recv' && s !== 'size-known') return false;
    if (fin && this.finalSizeValue === undefined) {
      this.finalSizeValue = end;
      this.stateValue = 'size-known';
    }
    if (this.stopped) {
      this.finishIfComplete();
      return false;
    }
    const before = this.buffer.readable;
    this.buffer.insert(offset, data, this.flow.limit);
    const becameComplete = this.finishIfComplete();
    return this.buffer.readable > before || becameComplete;
  }

  /** Handles a RESET_STREAM. Returns true when the reset is news for the application. */
  onReset(errorCode: AppErrorCode, finalSize: number, now: number): boolean {
    this.checkFinalSize(finalSize, true, StreamFrameType.RESET_STREAM);
    this.checkLimit(finalSize, StreamFrameType.RESET_STREAM);
    this.advanceHighest(finalSize, now);
    const s = this.stateValue;
    // RFC 9000 §3.2: in Data Recvd all data has arrived; we keep delivering
    // it rather than switch to Reset Recvd (both are permitted).
    if (s !== 'recv' && s !== 'size-known') return false;
    this.finalSizeValue = finalSize;
    this.resetCode = errorCode;
    this.buffer.discard(finalSize);
    // RFC 9000 §4.5: The receiver MUST use the final size of the stream to
    // account for all bytes sent on the stream in its connection-level flow
    // controller.
    this.release(finalSize);
    if (this.stopped) {
      this.stateValue = 'reset-read';
      return false;
    }
    this.stateValue = 'reset-recvd';
    return true;
  }

  /**
   * Reads up to `max` in-order bytes. Returns the peer's reset once (moving
   * to Reset Read), `fin: true` with the last bytes (moving to Data Read), or
   * null when nothing is available.
   */
  read(max: number): ReadResult | null {
    if (this.stateValue === 'reset-recvd') {
      this.stateValue = 'reset-read';
      return { resetCode: this.resetCode! };
    }
    if (this.stopped || this.isTerminal) return null;
    const data = this.buffer.read(Math.max(0, max));
    if (data.length > 0) {
      this.flow.consume(data.length);
      this.release(this.buffer.readOffset);
    }
    const fin = this.finalSizeValue !== undefined && this.buffer.readOffset === this.finalSizeValue;
    if (fin) {
      this.stateValue = 'data-read';
      this.buffer.release();
    }
    if (data.length === 0 && !fin) return null;
    return { data, fin };
  }

  /**
   * RFC 9000 §3.5: If the stream is in the "Recv" or "Size Known" state, the
   * transport SHOULD signal this by sending a STOP_SENDING frame. Buffered
   * and later data is discarded; its credit returns to the connection.
   * Returns true when a STOP_SENDING is due.
   */
  stopSending(): boolean {
    if (this.stopped) return false;
    this.stopped = true;
    const s = this.stateValue;
    this.buffer.discard(this.highest);
    this.release(this.highest);
    if (s === 'reset-recvd') this.stateValue = 'reset-read';
    if (s === 'data-recvd') this.stateValue = 'data-read';
    if (s === 'size-known') this.finishIfComplete();
    return s === 'recv' || s === 'size-known';
  }

  /** True when a lost STOP_SENDING must be sent again (RFC 9000 §3.5). */
  onStopSendingLost(): boolean {
    return this.stopped && (this.stateValue === 'recv' || this.stateValue === 'size-known');
  }

  /**
   * The new MAX_STREAM_DATA to advertise, when due. RFC 9000 §3.2: only in
   * the "Recv" state; once the final size is known no more credit is needed.
   */
  takeWindowUpdate(now: number, rtt: number): number | undefined {
    if (this.stateValue !== 'recv' || this.stopped || !this.flow.shouldUpdate()) return undefined;
    return this.flow.update(now, rtt);
  }

  /** The value to resend when a MAX_STREAM_DATA was lost, if still useful. */
  currentLimitIfUseful(): number | undefined {
    return this.stateValue === 'recv' && !this.stopped ? this.flow.limit : undefined;
  }

  private checkFinalSize(end: number, fin: boolean, frameType: number): void {
    // RFC 9000 §19.8: The largest offset delivered on a stream ... cannot
    // exceed 2^62-1 ... MUST be treated as a connection error of type
    // FRAME_ENCODING_ERROR or FLOW_CONTROL_ERROR.
    if (end >= STREAM_ID_LIMIT) {
      throw new TransportError(
        TransportErrorCode.FRAME_ENCODING_ERROR,
        `offset ${end} exceeds 2^62-1`,
        frameType,
      );
    }
    const known = this.finalSizeValue;
    // RFC 9000 §4.5: If a RESET_STREAM or STREAM frame is received indicating
    // a change in the final size for the stream, an endpoint SHOULD respond
    // with an error of type FINAL_SIZE_ERROR ... A receiver SHOULD treat
    // receipt of data at or beyond the final size as an error of type
    // FINAL_SIZE_ERROR.
    if (known !== undefined && (end > known || (fin && end !== known))) {
      throw new TransportError(
        TransportErrorCode.FINAL_SIZE_ERROR,
        `final size ${known} contradicted by ${fin ? 'final size' : 'data up to'} ${end}`,
        frameType,
      );
    }
    if (fin && known === undefined && end < this.highest) {
      throw new TransportError(
        TransportErrorCode.FINAL_SIZE_ERROR,
        `final size ${end} below data already received up to ${this.highest}`,
        frameType,
      );
    }
  }

  private checkLimit(end: number, frameType: number): void {
    // RFC 9000 §4.1: A receiver MUST close the connection with an error of
    // type FLOW_CONTROL_ERROR if the sender violates the advertised
    // connection or stream data limits.
    if (end > this.flow.limit) {
      throw new TransportError(
        TransportErrorCode.FLOW_CONTROL_ERROR,
        `stream data up to ${end} exceeds MAX_STREAM_DATA ${this.flow.limit}`,
        frameType,
      );
    }
  }

  private advanceHighest(end: number, now: number): void {
    if (end <= this.highest) return;
    this.connection.onReceived(end - this.highest, now);
    this.flow.start(now);
    this.highest = end;
    // Data for a stream nobody reads is released at once.
    if (this.stopped) this.release(end);
  }

  /** Counts bytes below `upTo` as released toward connection-level credit. */
  private release(upTo: number): void {
    if (upTo <= this.released) return;
    this.connection.onReleased(upTo - this.released);
    this.released = upTo;
  }

  /** Size Known -> Data Recvd once every byte below the final size arrived. */
  private finishIfComplete(): boolean {
    if (this.stateValue !== 'size-known') return false;
    // A stopped reader will never read. With the final size known, all of
    // the stream's credit is already accounted for (highest == final size),
    // so nothing more is needed from the peer: the receive side is done.
    if (this.stopped) {
      this.stateValue = 'data-read';
      return true;
    }
    if (!this.buffer.hasAllBelow(this.finalSizeValue!)) return false;
    this.stateValue = 'data-recvd';
    return true;
  }
}
