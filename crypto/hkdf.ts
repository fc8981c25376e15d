// HKDF (RFC 5869) and the TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1), shared by
// the TLS key schedule and QUIC's packet-protection key derivation.
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { loadNodeCrypto } from './node-provider.js';
import { HmacSha256, Sha256, sha256 as sha256Of } from './sha256.js';

export type HashName = 'sha256' | 'sha384';

const HASHES = { sha256, sha384 } as const;

/** Output length in bytes of each hash the TLS 1.3 cipher suites use. */
export const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48 };

export function hash(name: HashName, data: Uint8Array): Uint8Array {
  return name === 'sha256' ? sha256Of(data) : HASHES[name](data);
}

/** An incremental hash whose digest can be read at any point, with updates going on after. */
export interface RunningHash {
  update(data: Uint8Array): void;
  /** The hash of everything so far, followed by `extra` (not added). */
  digest(extra?: Uint8Array): Uint8Array;
}

/** A running hash: sha256.ts for SHA-256, @noble (cloned per digest) for SHA-384. */
export function runningHash(name: HashName): RunningHash {
  if (name === 'sha256') return new Sha256();
  const hasher = HASHES[name].create();
  return {
    update: (data) => {
      hasher.update(data);
    },
    digest: (extra) => {
      const copy = hasher.clone();
      if (extra !== undefined) copy.update(extra);
      return copy.digest();
    },
  };
}

const emptyHashes: Partial<Record<HashName, Uint8Array>> = {};

/** Hash of the empty string (RFC 8446 §7.1 Derive-Secret(., "derived", "")); a copy each time. */
export function emptyHash(name: HashName): Uint8Array {
  emptyHashes[name] ??= hash(name, new Uint8Array(0));
  return emptyHashes[name].slice();
}

/**
 * HMAC-SHA256 (every QUIC Initial secret, and the TLS_AES_128_GCM_SHA256 and
 * TLS_CHACHA20_POLY1305_SHA256 schedules) runs on sha256.ts: a handshake
 * derives some 40 secrets and keys, and node:crypto's createHmac cost ~10 us
 * a call in a busy server (12% of its CPU per handshake), @noble's more.
 * SHA-384 uses node:crypto where it exists, else @noble. Results are
 * identical (RFC 5869 is deterministic); the RFC vectors run on every path.
 */
let nativeHmac: ((name: HashName, key: Uint8Array, parts: Uint8Array[]) => Uint8Array) | null =
  null;
let nativeChecked = false;

function hmacNative(): typeof nativeHmac {
  if (!nativeChecked) {
    nativeChecked = true;
    const crypto = loadNodeCrypto();
    if (crypto && typeof crypto.createHmac === 'function') {
      nativeHmac = (name, key, parts) => {
        const mac = crypto.createHmac(name, key);
        for (const part of parts) mac.update(part);
        const out = mac.digest();
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      };
    }
  }
  return nativeHmac;
}

/** Forces the @noble path (tests of the pure code) or restores the default. */
export function setNativeHkdf(enabled: boolean): void {
  nativeChecked = !enabled;
  nativeHmac = null;
}

/** A MAC key, keyed once and used for many messages. */
export interface MacKey {
  mac(parts: Uint8Array[]): Uint8Array;
}

/** An HMAC key for `name` (SHA-256: pad states computed once; SHA-384: the key kept). */
export function hmacKey(name: HashName, key: Uint8Array): MacKey {
  if (name === 'sha256') return new HmacSha256(key);
  const copy = key.slice();
  return {
    mac: (parts) => {
      const native = hmacNative();
      if (native) return native(name, copy, parts);
      const h = nobleHmac.create(HASHES[name], copy);
      for (const part of parts) h.update(part);
      return h.digest();
    },
  };
}

/**
 * HMAC (RFC 2104) with one of the TLS hashes: sha256.ts for SHA-256;
 * node:crypto where it exists, else @noble, for SHA-384; same bytes.
 */
export function hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (name === 'sha256') return new HmacSha256(key).mac([data]);
  const native = hmacNative();
  if (native) return native(name, key, [data]);
  return nobleHmac(HASHES[name], key, data);
}

export function hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros
  // (zero-padding to the block makes it the same key as an empty one).
  if (name === 'sha256') return new HmacSha256(salt).mac([ikm]);
  const hmac = hmacNative();
  if (hmac) return hmac(name, salt.length > 0 ? salt : new Uint8Array(HASH_LENGTH[name]), [ikm]);
  return extract(HASHES[name], ikm, salt);
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** The one-byte block counters of HKDF-Expand, made once each. */
const counters: Uint8Array[] = [];

function counter(i: number): Uint8Array {
  counters[i] ??= Uint8Array.of(i);
  return counters[i];
}

/** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L bytes. */
function expandWith(key: MacKey, hashLength: number, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * hashLength) throw new RangeError('HKDF-Expand: length too large');
  // One block (every key, IV and secret QUIC and TLS 1.3 derive): T(1) itself.
  if (length === hashLength) return key.mac([info, counter(1)]);
  if (length < hashLength) return key.mac([info, counter(1)]).slice(0, length);
  const out = new Uint8Array(length);
  let previous = EMPTY;
  for (let i = 1, offset = 0; offset < length; i++, offset += hashLength) {
    previous = key.mac([previous, info, counter(i)]);
    out.set(previous.subarray(0, Math.min(hashLength, length - offset)), offset);
  }
  return out;
}

export function hkdfExpand(
  name: HashName,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (name === 'sha256') return expandWith(new HmacSha256(prk), HASH_LENGTH.sha256, info, length);
  if (hmacNative()) return expandWith(hmacKey(name, prk), HASH_LENGTH[name], info, length);
  return expand(HASHES[name], prk, info, length);
}

const TLS13_PREFIX = new TextEncoder().encode('tls13 ');

// Labels are a handful of constants ("quic key", "c hs traffic", ...), each
// used several times per handshake: encode each once. Bounded, in case a
// caller builds labels at run time.
const MAX_CACHED_LABELS = 64;
const labelCache = new Map<string, Uint8Array>();
const utf8 = new TextEncoder();

function encodeLabel(label: string): Uint8Array {
  let bytes = labelCache.get(label);
  if (bytes === undefined) {
    bytes = utf8.encode(label);
    if (labelCache.size < MAX_CACHED_LABELS) labelCache.set(label, bytes);
  }
  return bytes;
}

/**
 * RFC 8446 §7.1: HkdfLabel = uint16 length || opaque label<7..255> ("tls13 " +
 * Label) || opaque context<0..255>, the info of HKDF-Expand-Label.
 */
function hkdfLabel(label: string | Uint8Array, context: Uint8Array, length: number): Uint8Array {
  const labelBytes = typeof label === 'string' ? encodeLabel(label) : label;
  const fullLabelLength = TLS13_PREFIX.length + labelBytes.length;
  if (fullLabelLength > 255 || context.length > 255 || length > 0xffff) {
    throw new RangeError('HKDF-Expand-Label: label, context or length out of range');
  }
  const info = new Uint8Array(2 + 1 + fullLabelLength + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = fullLabelLength;
  info.set(TLS13_PREFIX, 3);
  info.set(labelBytes, 3 + TLS13_PREFIX.length);
  info[3 + fullLabelLength] = context.length;
  info.set(context, 4 + fullLabelLength);
  return info;
}

/** RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length). */
export function hkdfExpandLabel(
  name: HashName,
  secret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(name, secret, hkdfLabel(label, context, length), length);
}

export type LabelExpander = (
  label: string | Uint8Array,
  context: Uint8Array,
  length: number,
) => Uint8Array;

/**
 * HKDF-Expand-Label under several labels of one secret (a traffic secret's
 * key, IV and header-protection key: RFC 9001 §5.1), keying the HMAC once.
 * The secret is read now: later changes to the array do not apply.
 */
export function labelExpander(name: HashName, secret: Uint8Array): LabelExpander {
  if (name !== 'sha256') {
    const copy = secret.slice();
    return (label, context, length) => hkdfExpandLabel(name, copy, label, context, length);
  }
  const key = new HmacSha256(secret);
  return (label, context, length) =>
    expandWith(key, HASH_LENGTH.sha256, hkdfLabel(label, context, length), length);
}
