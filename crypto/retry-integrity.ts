// The Retry Integrity Tag (RFC 9001 §5.8, RFC 9369 §3.3.3): AES-128-GCM with
// a fixed per-version key and nonce over the Retry Pseudo-Packet, with an
// empty plaintext, so the tag is the whole output.
import { CipherSuite } from './cipher-suites.js';
import { AEAD_TAG_LENGTH, type CryptoProvider, type PacketAead } from './crypto-provider.js';
import { getCryptoProvider } from './providers.js';
import { requireVersionParameters } from './version-parameters.js';

export const RETRY_INTEGRITY_TAG_LENGTH = AEAD_TAG_LENGTH;
const MAX_CONNECTION_ID_LENGTH = 255;

// The fixed-key AEADs, built once per (provider, version): the nonce is the
// AEAD's IV with packet number 0, since IV xor 0 = IV.
const aeads = new WeakMap<CryptoProvider, Map<number, PacketAead>>();

function retryAead(provider: CryptoProvider, version: number): PacketAead {
  let perVersion = aeads.get(provider);
  if (!perVersion) {
    perVersion = new Map();
    aeads.set(provider, perVersion);
  }
  let aead = perVersion.get(version);
  if (!aead) {
    const { retryKey, retryNonce } = requireVersionParameters(version);
    aead = provider.createAead(CipherSuite.TLS_AES_128_GCM_SHA256, retryKey, retryNonce);
    perVersion.set(version, aead);
  }
  return aead;
}

/**
 * RFC 9001 §5.8: Retry Pseudo-Packet = ODCID Length (8) || Original
 * Destination Connection ID || the Retry packet without its tag. The
 * returned buffer has 16 spare bytes at the end for the tag.
 */
function pseudoPacket(originalDcid: Uint8Array, retryWithoutTag: Uint8Array): Uint8Array {
  const pseudo = new Uint8Array(1 + originalDcid.length + retryWithoutTag.length + AEAD_TAG_LENGTH);
  pseudo[0] = originalDcid.length;
  pseudo.set(originalDcid, 1);
  pseudo.set(retryWithoutTag, 1 + originalDcid.length);
  return pseudo;
}

/** The 16-byte Retry Integrity Tag for a Retry packet (given without the tag). */
export function computeRetryIntegrityTag(
  version: number,
  originalDcid: Uint8Array,
  retryWithoutTag: Uint8Array,
  provider: CryptoProvider = getCryptoProvider(),
): Uint8Array {
  if (originalDcid.length > MAX_CONNECTION_ID_LENGTH) {
    throw new RangeError(`originalDcid: at most 255 bytes, got ${originalDcid.length}`);
  }
  const aead = retryAead(provider, version);
  const pseudo = pseudoPacket(originalDcid, retryWithoutTag);
  const end = pseudo.length - AEAD_TAG_LENGTH;
  aead.seal(0, pseudo, 0, end, end);
  return pseudo.subarray(end);
}

/**
 * Whether a received Retry packet (tag included) carries a valid tag for the
 * Destination Connection ID the client first sent. RFC 9000 §17.2.5.2: a
 * client MUST discard a Retry packet whose tag does not verify. Compared in
 * constant time; false for a packet too short to hold a tag, an unsupported
 * version, or an ODCID that cannot be a connection ID.
 */
export function verifyRetryIntegrity(
  version: number,
  originalDcid: Uint8Array,
  retryPacket: Uint8Array,
  provider: CryptoProvider = getCryptoProvider(),
): boolean {
  if (retryPacket.length < AEAD_TAG_LENGTH || originalDcid.length > MAX_CONNECTION_ID_LENGTH) {
    return false;
  }
  let expected: Uint8Array;
  try {
    expected = computeRetryIntegrityTag(
      version,
      originalDcid,
      retryPacket.subarray(0, retryPacket.length - AEAD_TAG_LENGTH),
      provider,
    );
  } catch {
    return false;
  }
  const received = retryPacket.subarray(retryPacket.length - AEAD_TAG_LENGTH);
  let diff = 0;
  for (let i = 0; i < AEAD_TAG_LENGTH; i++) diff |= expected[i]! ^ received[i]!;
  return diff === 0;
}
