// SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA256 (RFC 2104) for the handshake's
// key derivation. A handshake derives some 40 secrets, keys and MACs, each
// one HMAC over a few dozen bytes; node:crypto's createHmac costs ~10 us a
// call inside a busy server (object setup and the native boundary dominate,
// not the hashing), and @noble's HMAC hashes the padded key again on every
// call. Here an HMAC key keeps its two pad states (RFC 2104 §2: H(K ^ ipad),
// H(K ^ opad) after one block each), so an HMAC over a short message is two
// compressions in plain integer arithmetic. No table lookups depend on the
// data or the key, so timing does not either.

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.of(
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
);

/** FIPS 180-4 §5.3.3: the initial hash value. */
const INITIAL_STATE = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

export const SHA256_BLOCK_BYTES = 64;
export const SHA256_BYTES = 32;

// Scratch shared by every call: hashing is synchronous and never re-entered.
const schedule = new Int32Array(64);
const block = new Uint8Array(SHA256_BLOCK_BYTES);
const state = new Int32Array(8);
const innerDigest = new Uint8Array(SHA256_BYTES);
const innerParts: Uint8Array[] = [innerDigest];

/** FIPS 180-4 §6.2.2: folds the 64-byte block at data[offset] into `h`. */
function compress(h: Int32Array, data: Uint8Array, offset: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i++, offset += 4) {
    w[i] =
      (data[offset]! << 24) |
      (data[offset + 1]! << 16) |
      (data[offset + 2]! << 8) |
      data[offset + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let hh = h[7]!;
  // Eight rounds per pass with the working variables renamed instead of
  // shifted (FIPS 180-4 §6.2.2 step 3: T1, T2, then h=g ... a=T1+T2).
  let t = 0;
  for (let i = 0; i < 64; i += 8) {
    t = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    t = (hh + t + ((e & f) ^ (~e & g)) + K[i + 0]! + w[i + 0]!) | 0;
    d = (d + t) | 0;
    hh =
      (t +
        (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) ^ (a & c) ^ (b & c))) |
      0;
    t = ((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7));
    t = (g + t + ((d & e) ^ (~d & f)) + K[i + 1]! + w[i + 1]!) | 0;
    c = (c + t) | 0;
    g =
      (t +
        (((hh >>> 2) | (hh << 30)) ^ ((hh >>> 13) | (hh << 19)) ^ ((hh >>> 22) | (hh << 10))) +
        ((hh & a) ^ (hh & b) ^ (a & b))) |
      0;
    t = ((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7));
    t = (f + t + ((c & d) ^ (~c & e)) + K[i + 2]! + w[i + 2]!) | 0;
    b = (b + t) | 0;
    f =
      (t +
        (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) +
        ((g & hh) ^ (g & a) ^ (hh & a))) |
      0;
    t = ((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7));
    t = (e + t + ((b & c) ^ (~b & d)) + K[i + 3]! + w[i + 3]!) | 0;
    a = (a + t) | 0;
    e =
      (t +
        (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) +
        ((f & g) ^ (f & hh) ^ (g & hh))) |
      0;
    t = ((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7));
    t = (d + t + ((a & b) ^ (~a & c)) + K[i + 4]! + w[i + 4]!) | 0;
    hh = (hh + t) | 0;
    d =
      (t +
        (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) +
        ((e & f) ^ (e & g) ^ (f & g))) |
      0;
    t = ((hh >>> 6) | (hh << 26)) ^ ((hh >>> 11) | (hh << 21)) ^ ((hh >>> 25) | (hh << 7));
    t = (c + t + ((hh & a) ^ (~hh & b)) + K[i + 5]! + w[i + 5]!) | 0;
    g = (g + t) | 0;
    c =
      (t +
        (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) +
        ((d & e) ^ (d & f) ^ (e & f))) |
      0;
    t = ((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7));
    t = (b + t + ((g & hh) ^ (~g & a)) + K[i + 6]! + w[i + 6]!) | 0;
    f = (f + t) | 0;
    b =
      (t +
        (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) +
        ((c & d) ^ (c & e) ^ (d & e))) |
      0;
    t = ((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7));
    t = (a + t + ((f & g) ^ (~f & hh)) + K[i + 7]! + w[i + 7]!) | 0;
    e = (e + t) | 0;
    a =
      (t +
        (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) +
        ((b & c) ^ (b & d) ^ (c & d))) |
      0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/**
 * Hashes `parts` on from `h`, which has already absorbed `absorbed` bytes (a
 * whole number of blocks), pads (FIPS 180-4 §5.1.1) and writes the digest
 * into `out`. `h` is left as scratch.
 */
function finish(
  h: Int32Array,
  absorbed: number,
  parts: readonly Uint8Array[],
  out: Uint8Array,
): void {
  let fill = 0;
  let total = absorbed;
  for (const part of parts) {
    const length = part.length;
    total += length;
    let i = 0;
    while (i < length) {
      if (fill === 0 && length - i >= SHA256_BLOCK_BYTES) {
        compress(h, part, i);
        i += SHA256_BLOCK_BYTES;
        continue;
      }
      const end = Math.min(length, i + SHA256_BLOCK_BYTES - fill);
      while (i < end) block[fill++] = part[i++]!;
      if (fill === SHA256_BLOCK_BYTES) {
        compress(h, block, 0);
        fill = 0;
      }
    }
  }
  // FIPS 180-4 §5.1.1: a 1 bit, zeros, then the message length in bits as 64 bits.
  block[fill++] = 0x80;
  if (fill > SHA256_BLOCK_BYTES - 8) {
    block.fill(0, fill);
    compress(h, block, 0);
    fill = 0;
  }
  block.fill(0, fill, SHA256_BLOCK_BYTES - 8);
  const bits = total * 8;
  writeWord(block, 56, Math.floor(bits / 0x100000000));
  writeWord(block, 60, bits >>> 0);
  compress(h, block, 0);
  for (let i = 0; i < 8; i++) writeWord(out, 4 * i, h[i]!);
}

function writeWord(out: Uint8Array, offset: number, word: number): void {
  out[offset] = word >>> 24;
  out[offset + 1] = word >>> 16;
  out[offset + 2] = word >>> 8;
  out[offset + 3] = word;
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(SHA256_BYTES);
  state.set(INITIAL_STATE);
  finish(state, 0, parts, out);
  return out;
}

/**
 * Incremental SHA-256 whose digest can be taken at any point and updating
 * go on (the TLS transcript hash, RFC 8446 §4.4.1, is read after most
 * handshake messages): a digest copies 32 bytes of state, not a hasher.
 */
export class Sha256 {
  private readonly h = Int32Array.from(INITIAL_STATE);
  private readonly pending = new Uint8Array(SHA256_BLOCK_BYTES);
  private pendingBytes = 0;
  /** Bytes folded into `h` (whole blocks). */
  private absorbed = 0;

  update(data: Uint8Array): this {
    let i = 0;
    if (this.pendingBytes > 0) {
      while (i < data.length && this.pendingBytes < SHA256_BLOCK_BYTES) {
        this.pending[this.pendingBytes++] = data[i++]!;
      }
      if (this.pendingBytes < SHA256_BLOCK_BYTES) return this;
      compress(this.h, this.pending, 0);
      this.absorbed += SHA256_BLOCK_BYTES;
      this.pendingBytes = 0;
    }
    for (; data.length - i >= SHA256_BLOCK_BYTES; i += SHA256_BLOCK_BYTES) {
      compress(this.h, data, i);
      this.absorbed += SHA256_BLOCK_BYTES;
    }
    while (i < data.length) this.pending[this.pendingBytes++] = data[i++]!;
    return this;
  }

  /** SHA-256 of everything updated so far, followed by `extra` (not added). */
  digest(extra?: Uint8Array): Uint8Array {
    const out = new Uint8Array(SHA256_BYTES);
    state.set(this.h);
    const held = this.pending.subarray(0, this.pendingBytes);
    finish(state, this.absorbed, extra === undefined ? [held] : [held, extra], out);
    return out;
  }
}

/**
 * An HMAC-SHA256 key (RFC 2104) with its inner and outer pad states
 * computed once: each MAC with it costs two compressions for a message of
 * up to 55 bytes (HKDF-Expand-Label's info, an HMAC over a hash).
 */
export class HmacSha256 {
  /** The inner (0-7) and outer (8-15) pad states. */
  private readonly pads = new Int32Array(16);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: a key longer than the block is replaced by its hash;
    // shorter keys are padded with zeros to the block length.
    const k = key.length > SHA256_BLOCK_BYTES ? sha256(key) : key;
    for (const [pad, at] of PADS) {
      for (let i = 0; i < SHA256_BLOCK_BYTES; i++) block[i] = (k[i] ?? 0) ^ pad;
      state.set(INITIAL_STATE);
      compress(state, block, 0);
      for (let i = 0; i < 8; i++) this.pads[at + i] = state[i]!;
    }
    block.fill(0);
  }

  /** HMAC(K, concatenation of `parts`) = H((K ^ opad) || H((K ^ ipad) || parts)). */
  mac(parts: readonly Uint8Array[]): Uint8Array {
    for (let i = 0; i < 8; i++) state[i] = this.pads[i]!;
    finish(state, SHA256_BLOCK_BYTES, parts, innerDigest);
    const out = new Uint8Array(SHA256_BYTES);
    for (let i = 0; i < 8; i++) state[i] = this.pads[8 + i]!;
    finish(state, SHA256_BLOCK_BYTES, innerParts, out);
    // The scratch held the inner hash and message bytes: not left behind.
    innerDigest.fill(0);
    block.fill(0);
    return out;
  }
}

/** RFC 2104 §2: ipad and opad, and where each state goes in HmacSha256.pads. */
const PADS: readonly (readonly [number, number])[] = [
  [0x36, 0],
  [0x5c, 8],
];
