// Which implementation does the TLS handshake's public-key work (signatures,
// ECDHE): node:crypto where the runtime has it, else the pure @noble/BigInt
// code. A module-level switch, not a per-connection option, because keys and
// signatures are shared between connections (a server's SigningKey, cached
// certificate keys). Tests force 'pure' to keep the fallback covered.
import type * as NodeCrypto from 'node:crypto';
import { loadNodeCrypto } from '../node-provider.js';

export type NodeCryptoModule = typeof NodeCrypto;

export type TlsPublicKeyCryptoChoice = 'auto' | 'pure' | 'node';

let choice: TlsPublicKeyCryptoChoice = 'auto';
let loaded: NodeCryptoModule | null | undefined;

function nodeCrypto(): NodeCryptoModule | null {
  if (loaded === undefined) {
    const crypto = loadNodeCrypto();
    // Key import by JWK and one-shot sign/verify/diffieHellman are what the native path uses.
    loaded =
      crypto &&
      typeof crypto.createPublicKey === 'function' &&
      typeof crypto.sign === 'function' &&
      typeof crypto.verify === 'function'
        ? crypto
        : null;
  }
  return loaded;
}

/**
 * Chooses the TLS public-key implementation for the whole process:
 * 'auto' (default) uses node:crypto where it exists; 'pure' forces the
 * portable code; 'node' requires node:crypto (TypeError where it is absent).
 */
export function setTlsPublicKeyCrypto(next: TlsPublicKeyCryptoChoice): void {
  if (next !== 'auto' && next !== 'pure' && next !== 'node') {
    throw new TypeError(
      `tlsPublicKeyCrypto: expected 'auto', 'pure' or 'node', got ${String(next as unknown)}`,
    );
  }
  if (next === 'node' && !nodeCrypto()) {
    throw new TypeError('tlsPublicKeyCrypto: "node" requested but this runtime has no node:crypto');
  }
  choice = next;
}

/** The implementation in effect: 'node' or 'pure'. */
export function tlsPublicKeyCrypto(): 'node' | 'pure' {
  return nativeTlsCrypto() ? 'node' : 'pure';
}

/** node:crypto when the native path is in effect, else undefined (use the pure code). */
export function nativeTlsCrypto(): NodeCryptoModule | undefined {
  if (choice === 'pure') return undefined;
  return nodeCrypto() ?? undefined;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 7515 §2 base64url without padding, as JWK members want (RFC 7518 §6). */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]!;
    out += BASE64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]!;
  }
  return out;
}

/** The inverse of base64url, for JWK members node:crypto exports. */
export function fromBase64url(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of text) {
    const v = BASE64URL.indexOf(ch);
    if (v < 0) throw new RangeError('base64url: invalid character');
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >>> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** An unsigned big-endian integer without leading zero bytes (RFC 7518 §6.3.1). */
export function bigIntBase64url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return base64url(bytes);
}
