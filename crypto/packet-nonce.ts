// RFC 9001 §5.3: The 62 bits of the reconstructed QUIC packet number in
// network byte order are left-padded with zeros to the size of the IV. The
// exclusive OR of the padded packet number and the IV forms the AEAD nonce.

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

/** Writes IV XOR packet number (the AEAD nonce) into `nonce` (12 bytes). */
export function writePacketNonce(
  iv: Uint8Array,
  packetNumber: number | bigint,
  scratch: Int32Array,
  nonce: Uint8Array,
): void {
  splitPacketNumber(packetNumber, scratch);
  const high = scratch[0]!;
  const low = scratch[1]!;
  nonce.set(iv);
  nonce[4] ^= high >>> 24;
  nonce[5] ^= high >>> 16;
  nonce[6] ^= high >>> 8;
  nonce[7] ^= high;
  nonce[8] ^= low >>> 24;
  nonce[9] ^= low >>> 16;
  nonce[10] ^= low >>> 8;
  nonce[11] ^= low;
}
