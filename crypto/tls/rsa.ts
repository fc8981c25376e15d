// RSA signatures in BigInt (RFC 8017): RSASSA-PSS (§8.1, EMSA-PSS §9.1 with
// MGF1 §B.2.1) and RSASSA-PKCS1-v1_5 (§8.2, EMSA-PKCS1-v1_5 §9.2). Synchronous
// and deterministic: the PSS salt comes from the caller's random(n).
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from '../bytes.js';
import {
  bigIntToBytes,
  bitLength,
  bytesToBigInt,
  type RsaPrivateKey,
  type RsaPublicKey,
} from './asn1-keys.js';
import type { SignatureHash } from './signature-scheme.js';

const HASHES: Record<SignatureHash, (data: Uint8Array) => Uint8Array> = {
  sha256,
  sha384,
  sha512,
};

export function digest(hash: SignatureHash, data: Uint8Array): Uint8Array {
  return HASHES[hash](data);
}

/** base^exponent mod modulus, with a 4-bit fixed window. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  const b = base % modulus;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % modulus);
  const hex = exponent.toString(16);
  let result = 1n;
  for (const digit of hex) {
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    const index = Number.parseInt(digit, 16);
    if (index !== 0) result = (result * table[index]!) % modulus;
  }
  return result;
}

/** RFC 8017 §B.2.1: MGF1(seed, length) with the given hash. */
export function mgf1(hash: SignatureHash, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const block = new Uint8Array(seed.length + 4);
  block.set(seed);
  let offset = 0;
  for (let counter = 0; offset < length; counter++) {
    block[seed.length] = counter >>> 24;
    block[seed.length + 1] = (counter >>> 16) & 0xff;
    block[seed.length + 2] = (counter >>> 8) & 0xff;
    block[seed.length + 3] = counter & 0xff;
    const chunk = digest(hash, block);
    out.set(chunk.subarray(0, Math.min(chunk.length, length - offset)), offset);
    offset += chunk.length;
  }
  return out;
}

function byteLength(key: RsaPublicKey): number {
  return Math.ceil(key.bits / 8);
}

/** RFC 8017 §5.2.2 RSAVP1 after §8.1.2 step 1-2: undefined if the signature is malformed. */
function rsaPublicOperation(key: RsaPublicKey, signature: Uint8Array): bigint | undefined {
  // RFC 8017 §8.1.2 step 1: "If the length of the signature S is not k octets, output 'invalid signature'".
  if (signature.length !== byteLength(key)) return undefined;
  const s = bytesToBigInt(signature);
  // RFC 8017 §5.2.2 step 1: "If the signature representative s is not between 0 and n - 1, output 'signature representative out of range'".
  if (s >= key.n) return undefined;
  return modPow(s, key.e, key.n);
}

/** RFC 8017 §5.1.2 RSADP with the CRT, checked against the public key (fault attacks). */
function rsaPrivateOperation(key: RsaPrivateKey, m: bigint): bigint {
  const m1 = modPow(m % key.p, key.dp, key.p);
  const m2 = modPow(m % key.q, key.dq, key.q);
  const h = (((m1 - m2) % key.p) + key.p) % key.p;
  const s = m2 + key.q * ((key.qInv * h) % key.p);
  if (modPow(s, key.e, key.n) !== m) throw new Error('RSA private key is inconsistent');
  return s;
}

/** RFC 8017 §9.1.1 EMSA-PSS-ENCODE. */
function emsaPssEncode(
  hash: SignatureHash,
  mHash: Uint8Array,
  emBits: number,
  salt: Uint8Array,
): Uint8Array {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw new RangeError('RSA key too small for PSS');
  const mPrime = new Uint8Array(8 + hLen + salt.length);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  const h = digest(hash, mPrime);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - salt.length - 1] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(h, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/** RFC 8017 §9.1.2 EMSA-PSS-VERIFY with a fixed salt length. */
function emsaPssVerify(
  hash: SignatureHash,
  mHash: Uint8Array,
  em: Uint8Array,
  emBits: number,
  saltLength: number,
): boolean {
  const hLen = mHash.length;
  const emLen = em.length;
  if (emLen < hLen + saltLength + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const unusedBits = 8 * emLen - emBits;
  if ((maskedDb[0]! & ~(0xff >> unusedBits) & 0xff) !== 0) return false;
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!;
  db[0]! &= 0xff >> unusedBits;
  const psLength = emLen - hLen - saltLength - 2;
  for (let i = 0; i < psLength; i++) if (db[i] !== 0) return false;
  if (db[psLength] !== 0x01) return false;
  const salt = db.subarray(db.length - saltLength);
  const mPrime = new Uint8Array(8 + hLen + saltLength);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  return constantTimeEqual(digest(hash, mPrime), h);
}

/** RFC 8017 §9.2 note 1: DER of DigestInfo, minus the digest itself. */
const DIGEST_INFO_PREFIX: Record<SignatureHash, Uint8Array> = {
  sha256: Uint8Array.from([
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
  ]),
  sha384: Uint8Array.from([
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
  ]),
  sha512: Uint8Array.from([
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
  ]),
};

/** RFC 8017 §9.2 EMSA-PKCS1-v1_5-ENCODE: 00 01 FF..FF 00 DigestInfo. */
function emsaPkcs1Encode(hash: SignatureHash, message: Uint8Array, emLen: number): Uint8Array {
  const prefix = DIGEST_INFO_PREFIX[hash];
  const h = digest(hash, message);
  const tLen = prefix.length + h.length;
  // RFC 8017 §9.2 step 3: "If emLen < tLen + 11, output 'intended encoded message length too short'".
  if (emLen < tLen + 11) throw new RangeError('RSA key too small for PKCS#1 v1.5');
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - tLen - 1] = 0x00;
  em.set(prefix, emLen - tLen);
  em.set(h, emLen - h.length);
  return em;
}

/** RSASSA-PSS-VERIFY (RFC 8017 §8.1.2); false for any malformed signature. */
export function rsaPssVerify(
  key: RsaPublicKey,
  hash: SignatureHash,
  saltLength: number,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const m = rsaPublicOperation(key, signature);
  if (m === undefined) return false;
  const emBits = key.bits - 1;
  const emLen = Math.ceil(emBits / 8);
  // RFC 8017 §8.1.2 step 2c: EM = I2OSP(m, emLen); m must fit.
  if (bitLength(m) > emBits) return false;
  return emsaPssVerify(hash, digest(hash, message), bigIntToBytes(m, emLen), emBits, saltLength);
}

/** RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2): compare against the re-encoding. */
export function rsaPkcs1Verify(
  key: RsaPublicKey,
  hash: SignatureHash,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const m = rsaPublicOperation(key, signature);
  if (m === undefined) return false;
  const k = byteLength(key);
  return constantTimeEqual(bigIntToBytes(m, k), emsaPkcs1Encode(hash, message, k));
}

/** RSASSA-PSS-SIGN (RFC 8017 §8.1.1). */
export function rsaPssSign(
  key: RsaPrivateKey,
  hash: SignatureHash,
  salt: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  const em = emsaPssEncode(hash, digest(hash, message), key.bits - 1, salt);
  return bigIntToBytes(rsaPrivateOperation(key, bytesToBigInt(em)), byteLength(key));
}

/** RSASSA-PKCS1-V1_5-SIGN (RFC 8017 §8.2.1): for certificates only, never in TLS 1.3 handshakes. */
export function rsaPkcs1Sign(
  key: RsaPrivateKey,
  hash: SignatureHash,
  message: Uint8Array,
): Uint8Array {
  const k = byteLength(key);
  const em = emsaPkcs1Encode(hash, message, k);
  return bigIntToBytes(rsaPrivateOperation(key, bytesToBigInt(em)), k);
}
