// Address validation tokens (RFC 9000 §8.1.2, §8.1.3): a Retry token or a
// NEW_TOKEN token is an AES-256-GCM box (crypto/tls/aes-gcm-box.ts), sealed with a per-endpoint random
// key, holding when it was issued and (Retry only) the client's original
// DCID and the SCID of our Retry. The client's address is authenticated as
// additional data, so a token replayed from another address fails to open.
//
//   const tokens = new AddressTokens(random(32))
//   const t = tokens.sealRetry(now, addressKey, odcid, retryScid, random)
//   tokens.open(now, addressKey, t)  -> { kind: 'retry', odcid, retryScid } | failure
//
// Layout: kind (1 byte, clear, also authenticated) || nonce (12) ||
// ciphertext of [issuedAt u48 | odcid len | odcid | rscid len | rscid] || tag (16).
import { aesGcmOpen, aesGcmSeal } from '../../crypto/tls/aes-gcm-box.js';

export type TokenKind = 'retry' | 'new-token';

const KIND_BYTE: Record<TokenKind, number> = { retry: 0x52, 'new-token': 0x4e };
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** Longer tokens are not ours: they are rejected before any decryption. */
export const MAX_TOKEN_LENGTH = 1 + NONCE_LENGTH + 6 + 1 + 20 + 1 + 20 + TAG_LENGTH;

export interface AddressTokenLifetimes {
  /** ms a Retry token stays valid (short: it only needs one round trip). */
  retryMs: number;
  /** ms a NEW_TOKEN token stays valid. */
  newTokenMs: number;
}

export const DEFAULT_TOKEN_LIFETIMES: Readonly<AddressTokenLifetimes> = Object.freeze({
  retryMs: 10_000,
  newTokenMs: 24 * 3_600_000,
});

export type OpenedToken =
  | { ok: true; kind: 'retry'; originalDcid: Uint8Array; retrySourceCid: Uint8Array }
  | { ok: true; kind: 'new-token' }
  /** `kind` is what the token claims to be (clear byte), undefined when it is not even that. */
  | { ok: false; kind: TokenKind | undefined; why: 'malformed' | 'forged' | 'expired' };

export class AddressTokens {
  private readonly key: Uint8Array;

  constructor(
    key: Uint8Array,
    private readonly lifetimes: AddressTokenLifetimes = DEFAULT_TOKEN_LIFETIMES,
  ) {
    if (key.length !== 32) throw new TypeError(`address token key length ${key.length} is not 32`);
    this.key = key.slice();
  }

  /** A Retry token for `address` (the client's IP and port, see addressKey()). */
  sealRetry(
    now: number,
    address: string,
    originalDcid: Uint8Array,
    retrySourceCid: Uint8Array,
    random: (n: number) => Uint8Array,
  ): Uint8Array {
    const body = new Uint8Array(6 + 2 + originalDcid.length + retrySourceCid.length);
    writeTime(body, now);
    body[6] = originalDcid.length;
    body.set(originalDcid, 7);
    body[7 + originalDcid.length] = retrySourceCid.length;
    body.set(retrySourceCid, 8 + originalDcid.length);
    return this.seal('retry', address, body, random);
  }

  /**
   * A NEW_TOKEN token for `address` (the client's IP only: RFC 9000 §8.1.3
   * expects the client's port to change between connections).
   */
  sealNewToken(now: number, address: string, random: (n: number) => Uint8Array): Uint8Array {
    const body = new Uint8Array(6);
    writeTime(body, now);
    return this.seal('new-token', address, body, random);
  }

  /** Opens a token presented by `address`; the address string must be built as when sealing. */
  open(now: number, address: string, token: Uint8Array): OpenedToken {
    const kind = kindOf(token[0]);
    if (kind === undefined || token.length > MAX_TOKEN_LENGTH) {
      return { ok: false, kind, why: 'malformed' };
    }
    if (token.length < 1 + NONCE_LENGTH + 6 + TAG_LENGTH)
      return { ok: false, kind, why: 'malformed' };
    const nonce = token.subarray(1, 1 + NONCE_LENGTH);
    const body = aesGcmOpen(
      this.key,
      nonce,
      additionalData(kind, address),
      token.subarray(1 + NONCE_LENGTH),
    );
    if (body === undefined) return { ok: false, kind, why: 'forged' };
    const issuedAt = readTime(body);
    const lifetime = kind === 'retry' ? this.lifetimes.retryMs : this.lifetimes.newTokenMs;
    // A token from the future cannot be ours either (the clock is monotonic).
    if (issuedAt > Math.floor(now) || Math.floor(now) - issuedAt > lifetime) {
      return { ok: false, kind, why: 'expired' };
    }
    if (kind === 'new-token') return body.length === 6 ? { ok: true, kind } : malformed(kind);
    const odcidLength = body[6];
    if (odcidLength === undefined || odcidLength > 20 || body.length < 8 + odcidLength) {
      return malformed(kind);
    }
    const rscidLength = body[7 + odcidLength]!;
    if (rscidLength > 20 || body.length !== 8 + odcidLength + rscidLength) return malformed(kind);
    return {
      ok: true,
      kind,
      originalDcid: body.slice(7, 7 + odcidLength),
      retrySourceCid: body.slice(8 + odcidLength),
    };
  }

  private seal(
    kind: TokenKind,
    address: string,
    body: Uint8Array,
    random: (n: number) => Uint8Array,
  ): Uint8Array {
    const nonce = random(NONCE_LENGTH);
    const sealed = aesGcmSeal(this.key, nonce, additionalData(kind, address), body);
    const token = new Uint8Array(1 + NONCE_LENGTH + sealed.length);
    token[0] = KIND_BYTE[kind];
    token.set(nonce, 1);
    token.set(sealed, 1 + NONCE_LENGTH);
    return token;
  }
}

function malformed(kind: TokenKind): OpenedToken {
  return { ok: false, kind, why: 'malformed' };
}

function kindOf(byte: number | undefined): TokenKind | undefined {
  if (byte === KIND_BYTE.retry) return 'retry';
  if (byte === KIND_BYTE['new-token']) return 'new-token';
  return undefined;
}

function additionalData(kind: TokenKind, address: string): Uint8Array {
  const text = new TextEncoder().encode(address);
  const aad = new Uint8Array(1 + text.length);
  aad[0] = KIND_BYTE[kind];
  aad.set(text, 1);
  return aad;
}

function writeTime(out: Uint8Array, now: number): void {
  let t = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    out[i] = t % 256;
    t = Math.floor(t / 256);
  }
}

function readTime(body: Uint8Array): number {
  let t = 0;
  for (let i = 0; i < 6; i++) t = t * 256 + (body[i] ?? 0);
  return t;
}
