// The CRYPTO stream of one encryption level (RFC 9000 §19.6): TLS handshake
// bytes, sent and received at offsets like stream data but with no flow
// control, no FIN and no stream ID. Sending reuses the stream layer's
// SendStream (acks, loss and retransmission by ranges); receiving reuses its
// ReassemblyBuffer, with the bound of RFC 9000 §7.5.
import { TransportError, TransportErrorCode } from '../errors.js';
import { ReassemblyBuffer } from '../streams/reassembly-buffer.js';
import { SendStream } from '../streams/send-stream.js';

/**
 * RFC 9000 §7.5: implementations MUST support buffering at least 4096 bytes
 * of out-of-order CRYPTO data; exceeding what we buffer is
 * CRYPTO_BUFFER_EXCEEDED. A certificate chain arrives in order, so the bound
 * only limits how far past a gap a peer may write.
 */
export const MAX_CRYPTO_REORDER_BYTES = 64 * 1024;

const CRYPTO_FRAME = 0x06;
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export interface CryptoFrameData {
  offset: number;
  data: Uint8Array;
}

/**
 * Both directions are created on first use and dropped again once idle
 * (everything written acknowledged, everything received handed on), keeping
 * only the offset reached: an idle connection holds three of these for its
 * whole life, so their buffers must not outlive the handshake.
 */
export class CryptoStream {
  private send: SendStream | undefined;
  /** The stream offset where `send` starts: every byte below was sent and acknowledged. */
  private sendBase = 0;
  private recv: ReassemblyBuffer | undefined;
  /** The stream offset where `recv` starts: every byte below was handed to TLS. */
  private recvBase = 0;

  /** Bytes held in buffers (0 once idle: the buffers are then released). */
  get heldBytes(): number {
    return (this.send?.buffered ?? 0) + (this.recv?.capacity ?? 0);
  }

  /** Queue handshake bytes from TLS. */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.send ??= new SendStream(UNLIMITED, UNLIMITED);
    this.send.write(bytes, false);
  }

  /** Whether there are unsent or lost bytes to send. */
  get hasData(): boolean {
    return this.send?.hasSendable(UNLIMITED) ?? false;
  }

  /** The next CRYPTO frame's payload, at most `maxBytes` of data. */
  nextFrame(maxBytes: number): CryptoFrameData | null {
    const next = this.send?.nextFrame(maxBytes, UNLIMITED);
    return next && next.data.length > 0
      ? { offset: this.sendBase + next.offset, data: next.data }
      : null;
  }

  onAcked(offset: number, length: number): void {
    const send = this.send;
    const start = Math.max(offset, this.sendBase);
    if (send === undefined || offset + length <= start) return;
    send.onAcked(start - this.sendBase, offset + length - start, false);
    if (send.buffered === 0 && !send.hasSendable(UNLIMITED)) {
      this.sendBase += send.maxOffset;
      this.send = undefined;
    }
  }

  onLost(offset: number, length: number): void {
    const start = Math.max(offset, this.sendBase);
    if (this.send === undefined || offset + length <= start) return;
    this.send.onLost(start - this.sendBase, offset + length - start, false);
  }

  /** Everything written so far is to be sent again (early handshake resends, RFC 9002 §6.2.3). */
  resendAll(): void {
    const written = this.send?.maxOffset ?? 0;
    if (written > 0) this.send?.onLost(0, written, false);
  }

  /** Bytes received in order and handed on: a frame ending at or below this is a duplicate. */
  get receivedOffset(): number {
    return this.recvBase + (this.recv?.readOffset ?? 0);
  }

  /**
   * A CRYPTO frame arrived. Returns the bytes now contiguous from the read
   * offset (possibly empty), to hand to TLS in order.
   */
  receive(offset: number, data: Uint8Array): Uint8Array {
    const end = offset + data.length;
    const consumed = this.receivedOffset;
    if (end - consumed > MAX_CRYPTO_REORDER_BYTES) {
      throw new TransportError(
        TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
        `CRYPTO data up to offset ${end} is more than ${MAX_CRYPTO_REORDER_BYTES} bytes past what TLS has consumed (${consumed})`,
        CRYPTO_FRAME,
      );
    }
    if (end <= consumed) return EMPTY;
    if (this.recv === undefined && offset <= consumed) {
      // In order with nothing held: hand the new bytes on (a copy, as TLS
      // may keep them) without building a reassembly buffer for one frame.
      const fresh = data.slice(consumed - offset);
      this.recvBase = end;
      return fresh;
    }
    const start = Math.max(offset, this.recvBase);
    this.recv ??= new ReassemblyBuffer(256, CRYPTO_FRAME);
    const recv = this.recv;
    recv.insert(start - this.recvBase, data.subarray(start - offset));
    const bytes = recv.readable > 0 ? recv.read(recv.readable) : EMPTY;
    if (recv.fragments === 0) {
      this.recvBase += recv.readOffset;
      this.recv = undefined;
    }
    return bytes;
  }
}

const EMPTY = new Uint8Array(0);
