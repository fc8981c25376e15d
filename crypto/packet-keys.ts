// The keys a connection holds per encryption level and direction: the AEAD,
// the header-protection mask and the secret they came from (kept for key
// update). Derived from a TLS traffic secret (RFC 9001 §5.1) or from the
// Initial secret (RFC 9001 §5.2).
import { type CipherSuiteInfo, cipherSuiteInfo } from './cipher-suites.js';
import type { CryptoProvider, HeaderProtector, PacketAead } from './crypto-provider.js';
import { HASH_LENGTH, hkdfExpandLabel, labelExpander } from './hkdf.js';
import { getCryptoProvider } from './providers.js';
import { requireVersionParameters } from './version-parameters.js';

export interface PacketKeys {
  readonly version: number;
  readonly suite: CipherSuiteInfo;
  /** The traffic secret these keys came from; the next generation derives from it. */
  readonly secret: Uint8Array;
  readonly aead: PacketAead;
  readonly headerProtection: HeaderProtector;
  /** The provider that built them, reused for the next generation. */
  readonly provider: CryptoProvider;
}

/** The raw key material behind a PacketKeys (for tests, logging key material, and providers). */
export interface PacketKeyMaterial {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly hp: Uint8Array;
}

const EMPTY = new Uint8Array(0);

function requireSuiteInfo(code: number): CipherSuiteInfo {
  const suite = cipherSuiteInfo(code);
  if (!suite) throw new TypeError(`suite: unsupported cipher suite 0x${code.toString(16)}`);
  return suite;
}

function requireSecret(suite: CipherSuiteInfo, secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== HASH_LENGTH[suite.hash]) {
    throw new RangeError(
      `secret: ${suite.name} needs a ${HASH_LENGTH[suite.hash]}-byte secret, got ${secret?.length}`,
    );
  }
}

/**
 * RFC 9001 §5.1: key = HKDF-Expand-Label(secret, "quic key", "", key length),
 * iv = ...("quic iv", "", 12), hp = ...("quic hp", "", key length); the
 * labels are the version's (RFC 9369 §3.3.2).
 */
export function derivePacketKeyMaterial(
  secret: Uint8Array,
  suiteCode: number,
  version: number,
): PacketKeyMaterial {
  const suite = requireSuiteInfo(suiteCode);
  requireSecret(suite, secret);
  const labels = requireVersionParameters(version);
  const expand = labelExpander(suite.hash, secret);
  return {
    key: expand(labels.keyLabel, EMPTY, suite.keyLength),
    iv: expand(labels.ivLabel, EMPTY, suite.ivLength),
    hp: expand(labels.hpLabel, EMPTY, suite.keyLength),
  };
}

/** Packet keys for one direction of one encryption level from its traffic secret. */
export function derivePacketKeys(
  secret: Uint8Array,
  suiteCode: number,
  version: number,
  provider: CryptoProvider = getCryptoProvider(),
): PacketKeys {
  const suite = requireSuiteInfo(suiteCode);
  const material = derivePacketKeyMaterial(secret, suiteCode, version);
  return {
    version,
    suite,
    secret: secret.slice(),
    aead: provider.createAead(suite.code, material.key, material.iv),
    headerProtection: provider.createHeaderProtector(suite.code, material.hp),
    provider,
  };
}

/**
 * RFC 9001 §6.1: secret_<n+1> = HKDF-Expand-Label(secret_<n>, "quic ku", "",
 * Hash.length) ("quicv2 ku" in version 2, RFC 9369 §3.3.2).
 */
export function nextTrafficSecret(
  secret: Uint8Array,
  suiteCode: number,
  version: number,
): Uint8Array {
  const suite = requireSuiteInfo(suiteCode);
  requireSecret(suite, secret);
  const labels = requireVersionParameters(version);
  return hkdfExpandLabel(suite.hash, secret, labels.keyUpdateLabel, EMPTY, HASH_LENGTH[suite.hash]);
}

/**
 * The next key phase's keys. RFC 9001 §6.1: The header protection key is not
 * updated, so the HeaderProtector object is carried over unchanged.
 */
export function nextGenerationKeys(keys: PacketKeys): PacketKeys {
  const secret = nextTrafficSecret(keys.secret, keys.suite.code, keys.version);
  const material = derivePacketKeyMaterial(secret, keys.suite.code, keys.version);
  return {
    version: keys.version,
    suite: keys.suite,
    secret,
    aead: keys.provider.createAead(keys.suite.code, material.key, material.iv),
    headerProtection: keys.headerProtection,
    provider: keys.provider,
  };
}
