// The ChaCha20 block function (RFC 8439 §2.3), for the header-protection
// mask (RFC 9001 §5.4.4). It is its own small function rather than a stream
// cipher call because the block counter comes from the peer's ciphertext and
// may be any 32-bit value, 0xffffffff included: one block never advances it,
// so no counter-overflow case exists here (general stream ciphers reject
// counters that could wrap, which a peer could otherwise trigger).

function quarterRound(x: Int32Array, a: number, b: number, c: number, d: number): void {
  let va = x[a]!;
  let vb = x[b]!;
  let vc = x[c]!;
  let vd = x[d]!;
  va = (va + vb) | 0;
  vd ^= va;
  vd = (vd << 16) | (vd >>> 16);
  vc = (vc + vd) | 0;
  vb ^= vc;
  vb = (vb << 12) | (vb >>> 20);
  va = (va + vb) | 0;
  vd ^= va;
  vd = (vd << 8) | (vd >>> 24);
  vc = (vc + vd) | 0;
  vb ^= vc;
  vb = (vb << 7) | (vb >>> 25);
  x[a] = va;
  x[b] = vb;
  x[c] = vc;
  x[d] = vd;
}

function readLittleEndian(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** ChaCha20 keyed once; `block` produces one 64-byte keystream block. */
export class ChaCha20Block {
  /** The initial state: constants, key, then counter and nonce filled per block. */
  private readonly state = new Int32Array(16);
  private readonly working = new Int32Array(16);
  private readonly output = new Uint8Array(64);

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`ChaCha20 key must be 32 bytes, got ${key.length}`);
    // RFC 8439 §2.3: "expand 32-byte k".
    this.state[0] = 0x61707865;
    this.state[1] = 0x3320646e;
    this.state[2] = 0x79622d32;
    this.state[3] = 0x6b206574;
    for (let i = 0; i < 8; i++) this.state[4 + i] = readLittleEndian(key, 4 * i);
  }

  /**
   * The keystream block for the 32-bit counter and the 12-byte nonce at
   * nonceBytes[nonceOffset..]. The returned array is reused by the next call.
   */
  block(counter: number, nonceBytes: Uint8Array, nonceOffset: number): Uint8Array {
    const { state, working: x, output } = this;
    state[12] = counter | 0;
    state[13] = readLittleEndian(nonceBytes, nonceOffset);
    state[14] = readLittleEndian(nonceBytes, nonceOffset + 4);
    state[15] = readLittleEndian(nonceBytes, nonceOffset + 8);
    x.set(state);
    for (let i = 0; i < 10; i++) {
      quarterRound(x, 0, 4, 8, 12);
      quarterRound(x, 1, 5, 9, 13);
      quarterRound(x, 2, 6, 10, 14);
      quarterRound(x, 3, 7, 11, 15);
      quarterRound(x, 0, 5, 10, 15);
      quarterRound(x, 1, 6, 11, 12);
      quarterRound(x, 2, 7, 8, 13);
      quarterRound(x, 3, 4, 9, 14);
    }
    for (let i = 0; i < 16; i++) {
      const word = (x[i]! + state[i]!) | 0;
      output[4 * i] = word;
      output[4 * i + 1] = word >>> 8;
      output[4 * i + 2] = word >>> 16;
      output[4 * i + 3] = word >>> 24;
    }
    return output;
  }
}
