// AES-GCM (NIST SP 800-38D) for the server's own opaque boxes: session
// tickets (RFC 8446 §4.6.1 leaves their format to the server) and QUIC
// address-validation tokens (RFC 9000 §8.1.3). One of each is sealed per
// connection; @noble's GCM sets up its key schedule and GHASH tables on every
// call (~30 us), node:crypto does the same work natively in a few us. Same
// bytes either way (a test runs both); @noble where node:crypto is absent.
//
//   const sealed = aesGcmSeal(key, nonce, aad, plaintext)   ciphertext || 16-byte tag
//   aesGcmOpen(key, nonce, aad, sealed)                     plaintext, or undefined
import { gcm } from '@noble/ciphers/aes.js';
import { loadNodeCrypto } from '../node-provider.js';

const TAG_LENGTH = 16;

type NodeCryptoModule = NonNullable<ReturnType<typeof loadNodeCrypto>>;

let native: NodeCryptoModule | null | undefined;

function nodeCrypto(): NodeCryptoModule | null {
  if (native === undefined) {
    const crypto = loadNodeCrypto();
    const ciphers = crypto ? crypto.getCiphers() : [];
    native =
      crypto && ciphers.includes('aes-128-gcm') && ciphers.includes('aes-256-gcm') ? crypto : null;
  }
  return native;
}

/** Forces the @noble path (tests of the pure code) or restores the default. */
export function setNativeAesGcmBox(enabled: boolean): void {
  native = enabled ? undefined : null;
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 32) return 'aes-256-gcm';
  throw new TypeError(`AES-GCM key must be 16 or 32 bytes, got ${key.length}`);
}

/** Encrypts `plaintext` and returns ciphertext || tag. The nonce is 12 bytes and never reused with a key. */
export function aesGcmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const crypto = nodeCrypto();
  if (!crypto) return gcm(key, nonce, aad).encrypt(plaintext);
  const cipher = crypto.createCipheriv(algorithm(key), key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const rest = cipher.final();
  const out = new Uint8Array(body.length + rest.length + TAG_LENGTH);
  out.set(body, 0);
  out.set(rest, body.length);
  out.set(cipher.getAuthTag(), body.length + rest.length);
  return out;
}

/** The plaintext of ciphertext || tag, or undefined when it does not authenticate. */
export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  const crypto = nodeCrypto();
  try {
    if (!crypto) return gcm(key, nonce, aad).decrypt(sealed);
    const end = sealed.length - TAG_LENGTH;
    const decipher = crypto.createDecipheriv(algorithm(key), key, nonce, {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(end));
    const body = decipher.update(sealed.subarray(0, end));
    // final() throws when the tag does not verify: only then is body authentic.
    const rest = decipher.final();
    const out = new Uint8Array(body.length + rest.length);
    out.set(body, 0);
    out.set(rest, body.length);
    return out;
  } catch {
    return undefined;
  }
}
