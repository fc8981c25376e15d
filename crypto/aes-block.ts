// The AES block cipher (FIPS 197), encryption direction only: QUIC needs AES
// for GCM's counter mode and for the header-protection mask (RFC 9001 §5.4.3),
// and neither ever decrypts a block. Table-driven with big-endian 32-bit words,
// with the key schedule expanded once per key so the per-packet path does no
// setup and allocates nothing.

import { readWord, writeWord } from './bytes.js';

const SBOX = new Uint8Array(256);
/** T-tables: SubBytes + ShiftRows + MixColumns for one byte lane, rotated per lane. */
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);

function buildTables(): void {
  // FIPS 197 §5.1.1: S-box = affine transform of the multiplicative inverse in
  // GF(2^8). Walk p over the multiplicative group by powers of 3 and q by
  // powers of 3^-1 so q = p^-1 at every step.
  const rotl8 = (x: number, s: number) => ((x << s) | (x >>> (8 - s))) & 0xff;
  let p = 1;
  let q = 1;
  do {
    p = p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    SBOX[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
  } while (p !== 1);
  SBOX[0] = 0x63;
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x]!;
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x1b : 0)) & 0xff;
    const s3 = s2 ^ s;
    const t = (s2 << 24) | (s << 16) | (s << 8) | s3;
    T0[x] = t;
    T1[x] = (t >>> 8) | (t << 24);
    T2[x] = (t >>> 16) | (t << 16);
    T3[x] = (t >>> 24) | (t << 8);
  }
}
buildTables();

const RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

function subWord(w: number): number {
  return (
    (SBOX[w >>> 24]! << 24) |
    (SBOX[(w >>> 16) & 0xff]! << 16) |
    (SBOX[(w >>> 8) & 0xff]! << 8) |
    SBOX[w & 0xff]!
  );
}

/**
 * One AES key, expanded. `encrypt` leaves the result in `o0..o3` (big-endian
 * words of the output block) instead of returning an object, so the hot loops
 * of counter mode and header protection allocate nothing.
 */
export class AesBlockCipher {
  private readonly roundKeys: Int32Array;
  private readonly rounds: number;
  o0 = 0;
  o1 = 0;
  o2 = 0;
  o3 = 0;

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
    }
    const nk = key.length / 4;
    this.rounds = nk + 6;
    const w = new Int32Array(4 * (this.rounds + 1));
    for (let i = 0; i < nk; i++) {
      w[i] =
        (key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!;
    }
    // FIPS 197 §5.2: KeyExpansion.
    for (let i = nk; i < w.length; i++) {
      let t = w[i - 1]!;
      if (i % nk === 0) t = subWord((t << 8) | (t >>> 24)) ^ (RCON[i / nk - 1]! << 24);
      else if (nk > 6 && i % nk === 4) t = subWord(t);
      w[i] = w[i - nk]! ^ t;
    }
    this.roundKeys = w;
  }

  /** Encrypts the block (s0, s1, s2, s3) of big-endian words into o0..o3. */
  encrypt(s0: number, s1: number, s2: number, s3: number): void {
    const rk = this.roundKeys;
    s0 ^= rk[0]!;
    s1 ^= rk[1]!;
    s2 ^= rk[2]!;
    s3 ^= rk[3]!;
    let k = 4;
    for (let r = 1; r < this.rounds; r++, k += 4) {
      const t0 =
        T0[s0 >>> 24]! ^ T1[(s1 >>> 16) & 0xff]! ^ T2[(s2 >>> 8) & 0xff]! ^ T3[s3 & 0xff]! ^ rk[k]!;
      const t1 =
        T0[s1 >>> 24]! ^
        T1[(s2 >>> 16) & 0xff]! ^
        T2[(s3 >>> 8) & 0xff]! ^
        T3[s0 & 0xff]! ^
        rk[k + 1]!;
      const t2 =
        T0[s2 >>> 24]! ^
        T1[(s3 >>> 16) & 0xff]! ^
        T2[(s0 >>> 8) & 0xff]! ^
        T3[s1 & 0xff]! ^
        rk[k + 2]!;
      const t3 =
        T0[s3 >>> 24]! ^
        T1[(s0 >>> 16) & 0xff]! ^
        T2[(s1 >>> 8) & 0xff]! ^
        T3[s2 & 0xff]! ^
        rk[k + 3]!;
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    // The last round has no MixColumns: plain S-box lookups.
    this.o0 =
      ((SBOX[s0 >>> 24]! << 24) |
        (SBOX[(s1 >>> 16) & 0xff]! << 16) |
        (SBOX[(s2 >>> 8) & 0xff]! << 8) |
        SBOX[s3 & 0xff]!) ^
      rk[k]!;
    this.o1 =
      ((SBOX[s1 >>> 24]! << 24) |
        (SBOX[(s2 >>> 16) & 0xff]! << 16) |
        (SBOX[(s3 >>> 8) & 0xff]! << 8) |
        SBOX[s0 & 0xff]!) ^
      rk[k + 1]!;
    this.o2 =
      ((SBOX[s2 >>> 24]! << 24) |
        (SBOX[(s3 >>> 16) & 0xff]! << 16) |
        (SBOX[(s0 >>> 8) & 0xff]! << 8) |
        SBOX[s1 & 0xff]!) ^
      rk[k + 2]!;
    this.o3 =
      ((SBOX[s3 >>> 24]! << 24) |
        (SBOX[(s0 >>> 16) & 0xff]! << 16) |
        (SBOX[(s1 >>> 8) & 0xff]! << 8) |
        SBOX[s2 & 0xff]!) ^
      rk[k + 3]!;
  }

  /** Encrypts the 16 bytes at src[srcOffset..] into dst[dstOffset..] (may be the same place). */
  encryptBlock(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    this.encrypt(
      readWord(src, srcOffset),
      readWord(src, srcOffset + 4),
      readWord(src, srcOffset + 8),
      readWord(src, srcOffset + 12),
    );
    writeWord(dst, dstOffset, this.o0);
    writeWord(dst, dstOffset + 4, this.o1);
    writeWord(dst, dstOffset + 8, this.o2);
    writeWord(dst, dstOffset + 12, this.o3);
  }
}
