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

export class CryptoStream {
  private send = new SendStream(UNLIMITED, UNLIMITED);
  private readonly recv = new ReassemblyBuffer(256, CRYPTO_FRAME);

  /** Queue handshake bytes from TLS. */
  write(bytes: Uint8Array): void {
    this.send.write(bytes, false);
  }

  /** Whether there are unsent or lost bytes to send. */
  get hasData(): boolean {
    return this.send.hasSendable(UNLIMITED);
  }

  /** The next CRYPTO frame's payload, at most `maxBytes` of data. */
  nextFrame(maxBytes: number): CryptoFrameData | null {
    const next = this.send.nextFrame(maxBytes, UNLIMITED);
    return next && next.data.length > 0 ? { offset: next.offset, data: next.data } : null;
  }

  onAcked(offset: number, length: number): void {
    this.send.onAcked(offset, length, false);
  }

  onLost(offset: number, length: number): void {
    this.send.onLost(offset, length, false);
  }

  /** Everything written so far is to be sent again (early handshake resends, RFC 9002 §6.2.3). */
  resendAll(): void {
    const sent = this.send.maxOffset;
    if (sent > 0) this.send.onLost(0, sent, false);
  }

  /** Bytes received in order and handed on: a frame ending at or below this is a duplicate. */
  get receivedOffset(): number {
    return this.recv.readOffset;
  }

  /**
   * A CRYPTO frame arrived. Returns the bytes now contiguous from the read
   * offset (possibly empty), to hand to TLS in order.
   */
  receive(offset: number, data: Uint8Array): Uint8Array {
    const end = offset + data.length;
    if (end - this.recv.readOffset > MAX_CRYPTO_REORDER_BYTES) {
      throw new TransportError(
        TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
        `CRYPTO data up to offset ${end} is more than ${MAX_CRYPTO_REORDER_BYTES} bytes past what TLS has consumed (${this.recv.readOffset})`,
        CRYPTO_FRAME,
      );
    }
    if (end <= this.recv.readOffset) return EMPTY;
    this.recv.insert(offset, data);
    return this.recv.readable > 0 ? this.recv.read(this.recv.readable) : EMPTY;
  }
}

const EMPTY = new Uint8Array(0);
