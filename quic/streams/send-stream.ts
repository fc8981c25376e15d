// The sending part of a stream (RFC 9000 §3.1):
//
//   Ready --STREAM / STREAM_DATA_BLOCKED--> Send --STREAM+FIN--> Data Sent
//   Data Sent --all acked--> Data Recvd
//   Ready | Send | Data Sent --reset--> Reset Sent --RESET_STREAM acked--> Reset Recvd
//
// API, all synchronous:
//   write(bytes, fin) -> bytes accepted (bounded buffer: backpressure)
//   nextFrame(maxPayload, connectionCredit) -> { offset, data, fin, newBytes } | null
//     lost ranges first, then new data within stream and connection credit;
//     `newBytes` is the connection credit the frame consumed.
//   onAcked / onLost(offset, length, fin) for STREAM frames we sent
//   resetStream(code) / onStopSending(code) -> whether a RESET_STREAM is now due
//   onResetAcked() / onResetLost(), onMaxStreamData(max)
//   takeBlocked() -> the limit to report in STREAM_DATA_BLOCKED, once per limit

import { SendCredit } from './flow-control.js';
import { RangeSet } from './range-set.js';
import { SendBuffer } from './send-buffer.js';
import type { AppErrorCode, OutgoingStreamData } from './types.js';

export type SendState =
  | 'ready'
  | 'send'
  | 'data-sent'
  | 'data-recvd'
  | 'reset-sent'
  | 'reset-recvd';

export interface OutgoingData extends OutgoingStreamData {
  /** New bytes in this frame, i.e. connection-level credit consumed (0 for retransmissions). */
  newBytes: number;
}

export class SendStream {
  private stateValue: SendState = 'ready';
  private readonly buffer = new SendBuffer();
  private readonly maxBuffered: number;
  private readonly credit: SendCredit;
  /** One past the largest offset ever sent (RFC 9000 §4.5: the final size so far). */
  private sentOffset = 0;
  private readonly acked = new RangeSet();
  private readonly lost = new RangeSet();
  private finWritten = false;
  private finSent = false;
  private finAcked = false;
  private finLost = false;
  private resetInfo: { errorCode: AppErrorCode; finalSize: number } | undefined;
  private writerWaiting = false;

  constructor(peerMaxStreamData: number, maxBuffered: number) {
    this.credit = new SendCredit(peerMaxStreamData);
    this.maxBuffered = maxBuffered;
  }

  get state(): SendState {
    return this.stateValue;
  }

  /** True while the application may still write. */
  get writable(): boolean {
    return !this.finWritten && (this.stateValue === 'ready' || this.stateValue === 'send');
  }

  /** Bytes the application may write now without being cut short. */
  get writeCapacity(): number {
    return this.writable ? Math.max(0, this.maxBuffered - this.buffer.buffered) : 0;
  }

  /** Bytes written and not yet acknowledged (or abandoned by a reset). */
  get buffered(): number {
    return this.buffer.buffered;
  }

  /** The peer's current MAX_STREAM_DATA. */
  get peerLimit(): number {
    return this.credit.limit;
  }

  /** The RESET_STREAM to send (and resend) once reset. */
  get reset(): { errorCode: AppErrorCode; finalSize: number } | undefined {
    return this.resetInfo;
  }

  /** True when a terminal state was reached (RFC 9000 §3.1: Data Recvd or Reset Recvd). */
  get isTerminal(): boolean {
    return this.stateValue === 'data-recvd' || this.stateValue === 'reset-recvd';
  }

  /**
   * Queues as many bytes as the send buffer holds and returns how many were
   * taken. FIN is recorded only if every byte was taken.
   */
  write(bytes: Uint8Array, fin = false): number {
    if (!this.writable) {
      throw new TypeError(
        `stream is not writable (state ${this.stateValue}, fin ${this.finWritten})`,
      );
    }
    const accepted = Math.min(bytes.length, this.writeCapacity);
    if (accepted > 0)
      this.buffer.append(accepted === bytes.length ? bytes : bytes.subarray(0, accepted));
    if (accepted < bytes.length) this.writerWaiting = true;
    else if (fin) this.finWritten = true;
    return accepted;
  }

  /** True when there is something to (re)transmit that flow control does not block. */
  hasSendable(connectionCredit: number): boolean {
    if (!this.canTransmit()) return false;
    if (!this.lost.isEmpty() || this.finLost) return true;
    if (this.finWritten && !this.finSent && this.sentOffset === this.buffer.end) return true;
    const limit = Math.min(this.buffer.end, this.credit.limit);
    return limit > this.sentOffset && connectionCredit > 0;
  }

  /** The largest offset a frame of this stream can carry (bytes written so far). */
  get maxOffset(): number {
    return this.buffer.end;
  }

  /** True when unsent bytes are within the peer's stream limit (only connection credit can stop them). */
  get hasCreditedData(): boolean {
    return (
      this.canTransmit() && this.buffer.end > this.sentOffset && this.sentOffset < this.credit.limit
    );
  }

  /** True when unsent bytes wait for stream-level credit (MAX_STREAM_DATA). */
  get isBlockedByPeer(): boolean {
    return (
      this.canTransmit() &&
      this.buffer.end > this.sentOffset &&
      this.sentOffset >= this.credit.limit
    );
  }

  /**
   * The next STREAM frame: retransmissions of lost ranges first, then new
   * data. `maxPayload` is the number of data bytes that fit in the packet.
   */
  nextFrame(maxPayload: number, connectionCredit: number): OutgoingData | null {
    if (!this.canTransmit()) return null;
    const retransmission = this.nextRetransmission(maxPayload);
    if (retransmission !== null) return retransmission;
    const streamCredit = this.credit.limit - this.sentOffset;
    const n = Math.max(
      0,
      Math.min(maxPayload, this.buffer.end - this.sentOffset, streamCredit, connectionCredit),
    );
    const fin = this.finWritten && !this.finSent && this.sentOffset + n === this.buffer.end;
    if (n === 0 && !fin) return null;
    const offset = this.sentOffset;
    const data = this.buffer.slice(offset, n);
    this.sentOffset += n;
    this.credit.use(n);
    if (this.stateValue === 'ready') this.stateValue = 'send';
    if (fin) {
      this.finSent = true;
      this.stateValue = 'data-sent';
    }
    return { offset, data, fin, newBytes: n };
  }

  /** The limit for a STREAM_DATA_BLOCKED frame, once per limit value. */
  takeBlocked(): number | undefined {
    if (!this.isBlockedByPeer) return undefined;
    const limit = this.credit.takeBlocked();
    // RFC 9000 §3.1: Sending the first STREAM or STREAM_DATA_BLOCKED frame
    // causes a sending part of a stream to enter the "Send" state.
    if (limit !== undefined && this.stateValue === 'ready') this.stateValue = 'send';
    return limit;
  }

  /** A STREAM_DATA_BLOCKED(limit) was lost: true when it should be sent again. */
  onBlockedLost(limit: number): boolean {
    return this.isBlockedByPeer && this.credit.blockedLost(limit);
  }

  /** MAX_STREAM_DATA from the peer. Returns true when it unblocked data. */
  onMaxStreamData(maximum: number): boolean {
    const wasBlocked = this.isBlockedByPeer;
    return this.credit.raise(maximum) && wasBlocked;
  }

  /**
   * A STREAM frame we sent was acknowledged. Returns true when the
   * application, which was cut short before, may now write again.
   */
  onAcked(offset: number, length: number, fin: boolean): boolean {
    if (this.stateValue !== 'send' && this.stateValue !== 'data-sent') return false;
    const end = Math.min(offset + length, this.sentOffset);
    this.acked.add(offset, end);
    this.lost.remove(offset, end);
    if (fin && this.finSent) {
      this.finAcked = true;
      this.finLost = false;
    }
    if (this.acked.min() === 0) this.buffer.freeBelow(this.acked.end(0));
    // RFC 9000 §3.1: Once all stream data has been successfully acknowledged,
    // the sending part of the stream enters the "Data Recvd" state.
    if (
      this.stateValue === 'data-sent' &&
      this.finAcked &&
      this.buffer.retainedFrom === this.buffer.end
    ) {
      this.stateValue = 'data-recvd';
      this.acked.clear();
    }
    if (this.writerWaiting && this.writeCapacity > 0) {
      this.writerWaiting = false;
      return true;
    }
    return false;
  }

  /** A STREAM frame we sent was declared lost: queue what was not acknowledged since. */
  onLost(offset: number, length: number, fin: boolean): void {
    if (this.stateValue !== 'send' && this.stateValue !== 'data-sent') return;
    const end = Math.min(offset + length, this.sentOffset);
    for (const [s, e] of this.acked.gaps(Math.max(offset, this.buffer.retainedFrom), end)) {
      this.lost.add(s, e);
    }
    if (fin && this.finSent && !this.finAcked) this.finLost = true;
  }

  /**
   * Abandons the stream with an application error code (RFC 9000 §3.1: from
   * Ready, Send or Data Sent, the application can reset). Returns true when a
   * RESET_STREAM is now due; false when the stream was already done or reset.
   */
  resetStream(errorCode: AppErrorCode): boolean {
    const s = this.stateValue;
    if (s !== 'ready' && s !== 'send' && s !== 'data-sent') return false;
    // RFC 9000 §4.5: the final size is the number of bytes sent ... one higher
    // than the offset of the byte with the largest offset sent.
    this.resetInfo = { errorCode, finalSize: this.sentOffset };
    this.stateValue = 'reset-sent';
    this.lost.clear();
    this.acked.clear();
    this.buffer.clear();
    this.writerWaiting = false;
    return true;
  }

  /**
   * RFC 9000 §3.5: An endpoint that receives a STOP_SENDING frame MUST send a
   * RESET_STREAM frame if the stream is in the "Ready" or "Send" state. We do
   * the same in "Data Sent" rather than retransmit data nobody will read;
   * the error code is copied from STOP_SENDING.
   */
  onStopSending(errorCode: AppErrorCode): boolean {
    return this.resetStream(errorCode);
  }

  /** RFC 9000 §3.1: once the RESET_STREAM is acknowledged: "Reset Recvd". */
  onResetAcked(): void {
    if (this.stateValue === 'reset-sent') this.stateValue = 'reset-recvd';
  }

  /** A RESET_STREAM was lost: true when it must be sent again. */
  onResetLost(): boolean {
    return this.stateValue === 'reset-sent';
  }

  private canTransmit(): boolean {
    const s = this.stateValue;
    return s === 'ready' || s === 'send' || s === 'data-sent';
  }

  private nextRetransmission(maxPayload: number): OutgoingData | null {
    if (!this.lost.isEmpty() && maxPayload > 0) {
      const start = this.lost.start(0);
      const end = Math.min(this.lost.end(0), start + maxPayload);
      this.lost.remove(start, end);
      const fin = this.finLost && end === this.sentOffset;
      if (fin) this.finLost = false;
      return { offset: start, data: this.buffer.slice(start, end - start), fin, newBytes: 0 };
    }
    if (this.finLost && this.lost.isEmpty()) {
      this.finLost = false;
      return { offset: this.sentOffset, data: new Uint8Array(0), fin: true, newBytes: 0 };
    }
    return null;
  }
}
