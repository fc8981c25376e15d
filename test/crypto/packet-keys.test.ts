// Packet keys from traffic secrets, and key update (RFC 9001 §6).
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES, CipherSuite } from '../../crypto/cipher-suites.js';
import { deriveInitialKeys, initialSecrets } from '../../crypto/initial-secrets.js';
import {
  derivePacketKeyMaterial,
  derivePacketKeys,
  nextGenerationKeys,
  nextTrafficSecret,
} from '../../crypto/packet-keys.js';
import { nodeCryptoProvider, pureCryptoProvider } from '../../crypto/providers.js';
import { QUIC_VERSION_1, QUIC_VERSION_2 } from '../../crypto/version-parameters.js';
import { hex, RFC9001_VECTORS, RFC9369_VECTORS, toHex } from './quic-vectors.js';

const node = nodeCryptoProvider()!;

function roundTrip(
  sealer: ReturnType<typeof derivePacketKeys>,
  opener: ReturnType<typeof derivePacketKeys>,
) {
  const buf = new Uint8Array(4 + 30 + 16);
  buf[0] = 0x41;
  buf.fill(7, 4, 34);
  sealer.aead.seal(5, buf, 0, 4, 34);
  return opener.aead.open(5, buf, 0, 4, buf.length);
}

describe('key update (RFC 9001 §6)', () => {
  for (const v of [RFC9001_VECTORS, RFC9369_VECTORS]) {
    it(`version 0x${v.version.toString(16)}: the next secret is the ku vector of A.5`, () => {
      const keys = derivePacketKeys(
        hex(v.chacha.secret),
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        v.version,
      );
      const next = nextGenerationKeys(keys);
      expect(toHex(next.secret)).toBe(v.chacha.ku);
      expect(toHex(nextTrafficSecret(hex(v.chacha.secret), 0x1303, v.version))).toBe(v.chacha.ku);
    });
  }

  for (const provider of [pureCryptoProvider, node]) {
    it(`${provider.name}: the header-protection key is kept, the AEAD key changes`, () => {
      for (const suite of Object.values(CIPHER_SUITES)) {
        const secret = new Uint8Array(suite.hash === 'sha256' ? 32 : 48).fill(0x33);
        const keys = derivePacketKeys(secret, suite.code, QUIC_VERSION_1, provider);
        const next = nextGenerationKeys(keys);
        expect(next.headerProtection).toBe(keys.headerProtection);
        expect(next.suite).toBe(keys.suite);
        expect(next.provider).toBe(provider);
        expect(toHex(next.secret)).not.toBe(toHex(keys.secret));
        // New packets open only with the matching generation on the other side.
        const peer = derivePacketKeys(secret, suite.code, QUIC_VERSION_1, node);
        expect(roundTrip(next, nextGenerationKeys(peer))).toBe(34);
        expect(roundTrip(next, peer)).toBe(-1);
        expect(roundTrip(keys, peer)).toBe(34);
        // The hp key is the one derived from the first secret, not the updated one.
        const m0 = derivePacketKeyMaterial(keys.secret, suite.code, QUIC_VERSION_1);
        const m1 = derivePacketKeyMaterial(next.secret, suite.code, QUIC_VERSION_1);
        expect(toHex(m0.hp)).not.toBe(toHex(m1.hp));
      }
    });
  }

  it('v1 and v2 labels differ: the same secret gives different keys', () => {
    const secret = hex(RFC9001_VECTORS.chacha.secret);
    const a = derivePacketKeyMaterial(secret, 0x1303, QUIC_VERSION_1);
    const b = derivePacketKeyMaterial(secret, 0x1303, QUIC_VERSION_2);
    expect(toHex(a.key)).toBe(RFC9001_VECTORS.chacha.key);
    expect(toHex(b.key)).toBe(RFC9369_VECTORS.chacha.key);
  });

  it('uses SHA-384 and 32-byte keys for TLS_AES_256_GCM_SHA384', () => {
    const m = derivePacketKeyMaterial(new Uint8Array(48), 0x1302, QUIC_VERSION_1);
    expect(m.key.length).toBe(32);
    expect(m.hp.length).toBe(32);
    expect(m.iv.length).toBe(12);
    expect(nextTrafficSecret(new Uint8Array(48), 0x1302, QUIC_VERSION_1).length).toBe(48);
  });
});

describe('bad input to key derivation', () => {
  it('rejects a secret of the wrong length, an unknown suite or version', () => {
    expect(() => derivePacketKeys(new Uint8Array(31), 0x1301, QUIC_VERSION_1)).toThrow(RangeError);
    expect(() => derivePacketKeys(new Uint8Array(32), 0x1302, QUIC_VERSION_1)).toThrow(RangeError);
    expect(() => derivePacketKeys(new Uint8Array(32), 0x1399, QUIC_VERSION_1)).toThrow(TypeError);
    expect(() => derivePacketKeys(new Uint8Array(32), 0x1301, 0xff00001d)).toThrow(RangeError);
    expect(() => nextTrafficSecret(new Uint8Array(32), 0x1301, 0)).toThrow(RangeError);
    expect(() => initialSecrets(0x51303050, new Uint8Array(8))).toThrow(RangeError);
    expect(() => initialSecrets(QUIC_VERSION_1, new Uint8Array(21))).toThrow(RangeError);
  });

  it('derives Initial keys for an empty and a 20-byte DCID', () => {
    for (const dcid of [new Uint8Array(0), new Uint8Array(20).fill(1)]) {
      const keys = deriveInitialKeys(QUIC_VERSION_2, dcid, pureCryptoProvider);
      expect(keys.client.suite.code).toBe(0x1301);
      expect(roundTrip(keys.client, deriveInitialKeys(QUIC_VERSION_2, dcid, node).client)).toBe(34);
      expect(roundTrip(keys.client, keys.server)).toBe(-1);
    }
  });
});

describe('AEAD limits (RFC 9001 §6.6)', () => {
  it('exposes confidentiality and integrity limits per suite', () => {
    expect(CIPHER_SUITES[0x1301].confidentialityLimit).toBe(2 ** 23);
    expect(CIPHER_SUITES[0x1302].confidentialityLimit).toBe(2 ** 23);
    expect(CIPHER_SUITES[0x1301].integrityLimit).toBe(2 ** 52);
    expect(CIPHER_SUITES[0x1302].integrityLimit).toBe(2 ** 52);
    expect(CIPHER_SUITES[0x1303].confidentialityLimit).toBe(2 ** 62);
    expect(CIPHER_SUITES[0x1303].integrityLimit).toBe(2 ** 36);
  });
});
