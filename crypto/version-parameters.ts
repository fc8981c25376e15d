// What each QUIC version changes in the cryptography: the Initial salt, the
// HKDF labels for packet keys, and the fixed Retry integrity key and nonce.

export const QUIC_VERSION_1 = 0x00000001;
export const QUIC_VERSION_2 = 0x6b3343cf;

export interface VersionCryptoParameters {
  readonly version: number;
  readonly initialSalt: Uint8Array;
  readonly keyLabel: string;
  readonly ivLabel: string;
  readonly hpLabel: string;
  readonly keyUpdateLabel: string;
  /** AEAD_AES_128_GCM key and nonce for the Retry Integrity Tag. */
  readonly retryKey: Uint8Array;
  readonly retryNonce: Uint8Array;
}

const fromHex = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};

const VERSION_1: VersionCryptoParameters = {
  version: QUIC_VERSION_1,
  // RFC 9001 §5.2: initial_salt = 0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a
  initialSalt: fromHex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a'),
  // RFC 9001 §5.1, §5.4, §6.1: "quic key", "quic iv", "quic hp", "quic ku".
  keyLabel: 'quic key',
  ivLabel: 'quic iv',
  hpLabel: 'quic hp',
  keyUpdateLabel: 'quic ku',
  // RFC 9001 §5.8: K = 0xbe0c690b9f66575a1d766b54e368c84e, N = 0x461599d35d632bf2239825bb.
  retryKey: fromHex('be0c690b9f66575a1d766b54e368c84e'),
  retryNonce: fromHex('461599d35d632bf2239825bb'),
};

const VERSION_2: VersionCryptoParameters = {
  version: QUIC_VERSION_2,
  // RFC 9369 §3.3.1: initial_salt = 0x0dede3def700a6db819381be6e269dcbf9bd2ed9
  initialSalt: fromHex('0dede3def700a6db819381be6e269dcbf9bd2ed9'),
  // RFC 9369 §3.3.2: the labels become "quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku".
  keyLabel: 'quicv2 key',
  ivLabel: 'quicv2 iv',
  hpLabel: 'quicv2 hp',
  keyUpdateLabel: 'quicv2 ku',
  // RFC 9369 §3.3.3: key = 0x8fb4b01b56ac48e260fbcbcead7ccc92, nonce = 0xd86969bc2d7c6d9990efb04a.
  retryKey: fromHex('8fb4b01b56ac48e260fbcbcead7ccc92'),
  retryNonce: fromHex('d86969bc2d7c6d9990efb04a'),
};

/** The parameters of a version this stack speaks, or undefined. */
export function versionCryptoParameters(version: number): VersionCryptoParameters | undefined {
  if (version === QUIC_VERSION_1) return VERSION_1;
  if (version === QUIC_VERSION_2) return VERSION_2;
  return undefined;
}

/** As versionCryptoParameters, for callers that must already have checked the version. */
export function requireVersionParameters(version: number): VersionCryptoParameters {
  const params = versionCryptoParameters(version);
  if (!params) {
    throw new RangeError(
      `version: no QUIC packet protection defined for 0x${version.toString(16)}`,
    );
  }
  return params;
}
