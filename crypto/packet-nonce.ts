// RFC 9001 §5.3: The 62 bits of the reconstructed QUIC packet number in
// network byte order are left-padded with zeros to the size of the IV. The
// exclusive OR of the padded packet number and the IV forms the AEAD nonce.

import { readWord, writeWord } from './bytes.js';

const TWO_POW_32 = 0x1_0000_0000;
const MAX_PACKET_NUMBER = 2n ** 62n - 1n;

/**
 * The packet number split into its high and low 32 bits, written into `out`
 * ([high, low]) so the per-packet path allocates nothing. Throws RangeError
 * for a value that is not a packet number (a caller bug: packet numbers are
 * decoded and bounded by the packet layer).
 */
export function splitPacketNumber(packetNumber: number | bigint, out: Int32Array): void {
  if (typeof packetNumber === 'number') {
    if (!(Number.isSafeInteger(packetNumber) && packetNumber >= 0)) {
      throw new RangeError(`packetNumber: expected an integer 0..2^62-1, got ${packetNumber}`);
    }
    out[0] = Math.floor(packetNumber / TWO_POW_32);
    out[1] = packetNumber >>> 0;
    return;
  }
  if (typeof packetNumber !== 'bigint' || packetNumber < 0n || packetNumber > MAX_PACKET_NUMBER) {
    throw new RangeError(
      `packetNumber: expected an integer 0..2^62-1, got ${String(packetNumber)}`,
    );
  }
  out[0] = Number(packetNumber >> 32n);
  out[1] = Number(packetNumber & 0xffffffffn);
}

const scratch = new Int32Array(2);

/**
 * A packet AEAD's 12-byte IV held as three 32-bit words rather than a buffer
 * of its own (an idle connection holds several), with the per-packet nonce
 * written into a caller's buffer.
 */
export class PacketIv {
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;

  constructor(iv: Uint8Array) {
    if (iv.length !== 12) throw new RangeError(`iv: expected 12 bytes, got ${iv.length}`);
    this.w0 = readWord(iv, 0);
    this.w1 = readWord(iv, 4);
    this.w2 = readWord(iv, 8);
  }

  /** Writes IV XOR packet number (the AEAD nonce) into `nonce` (12 bytes). */
  writeNonce(packetNumber: number | bigint, nonce: Uint8Array): void {
    splitPacketNumber(packetNumber, scratch);
    writeWord(nonce, 0, this.w0);
    writeWord(nonce, 4, this.w1 ^ scratch[0]!);
    writeWord(nonce, 8, this.w2 ^ scratch[1]!);
  }
}
