// RFC 9001 Appendix A and RFC 9369 Appendix A, byte for byte, with both
// providers: Initial keys, client and server Initial packets (payload and
// header protection, both directions), Retry, and the ChaCha20 short header.
import { describe, expect, it } from 'vitest';
import { CipherSuite } from '../../crypto/cipher-suites.js';
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import { protectHeader, unprotectHeader } from '../../crypto/header-protection.js';
import { deriveInitialKeys, initialSecrets } from '../../crypto/initial-secrets.js';
import {
  derivePacketKeyMaterial,
  derivePacketKeys,
  nextTrafficSecret,
  type PacketKeys,
} from '../../crypto/packet-keys.js';
import { nodeCryptoProvider, pureCryptoProvider } from '../../crypto/providers.js';
import { computeRetryIntegrityTag, verifyRetryIntegrity } from '../../crypto/retry-integrity.js';
import {
  hex,
  type QuicVersionVectors,
  RFC9001_VECTORS,
  RFC9369_VECTORS,
  toHex,
} from './quic-vectors.js';

const node = nodeCryptoProvider();
if (!node) throw new Error('these tests run on Node.js, where node:crypto must be found');
const providers: CryptoProvider[] = [pureCryptoProvider, node];

/** Builds header || payload || room for the tag, as the packet layer would. */
function plainPacket(header: Uint8Array, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(header.length + payload.length + 16);
  buf.set(header);
  buf.set(payload, header.length);
  return buf;
}

/** Seals and header-protects; pn offset = header length - pn length. */
function protect(
  keys: PacketKeys,
  pn: number,
  header: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  const buf = plainPacket(header, payload);
  const end = keys.aead.seal(pn, buf, 0, header.length, header.length + payload.length);
  expect(end).toBe(buf.length);
  const pnLength = (header[0]! & 3) + 1;
  expect(protectHeader(keys.headerProtection, buf, 0, header.length - pnLength)).toBe(true);
  return buf;
}

/** Removes header protection, then opens; returns the header and payload. */
function unprotect(keys: PacketKeys, packet: Uint8Array, pnOffset: number) {
  const buf = packet.slice();
  const header = unprotectHeader(keys.headerProtection, buf, 0, pnOffset);
  expect(header).not.toBeNull();
  const payloadStart = pnOffset + header!.pnLength;
  const end = keys.aead.open(header!.truncatedPacketNumber, buf, 0, payloadStart, buf.length);
  expect(end).toBe(buf.length - 16);
  return {
    header: header!,
    headerBytes: buf.subarray(0, payloadStart),
    payload: buf.subarray(payloadStart, end),
  };
}

function clientPayload(v: QuicVersionVectors): Uint8Array {
  // RFC 9001 §A.2: the CRYPTO frame followed by PADDING frames (0x00) to 1162 bytes.
  const payload = new Uint8Array(1162);
  payload.set(hex(v.clientCryptoFrame));
  return payload;
}

for (const v of [RFC9001_VECTORS, RFC9369_VECTORS]) {
  const label = v.version === 1 ? 'RFC 9001 (QUIC v1)' : 'RFC 9369 (QUIC v2)';
  const dcid = hex(v.dcid);

  describe(`${label} A.1 keys`, () => {
    it('derives the client and server Initial secrets', () => {
      const secrets = initialSecrets(v.version, dcid);
      expect(toHex(secrets.client)).toBe(v.client.secret);
      expect(toHex(secrets.server)).toBe(v.server.secret);
    });

    it('derives key, iv and hp for each side', () => {
      for (const side of [v.client, v.server]) {
        const m = derivePacketKeyMaterial(
          hex(side.secret),
          CipherSuite.TLS_AES_128_GCM_SHA256,
          v.version,
        );
        expect(toHex(m.key)).toBe(side.key);
        expect(toHex(m.iv)).toBe(side.iv);
        expect(toHex(m.hp)).toBe(side.hp);
      }
    });
  });

  for (const provider of providers) {
    describe(`${label} with the ${provider.name} provider`, () => {
      const keys = deriveInitialKeys(v.version, dcid, provider);

      it('A.2 client Initial: protects to the exact 1200-byte packet', () => {
        const packet = protect(
          keys.client,
          v.clientPacketNumber,
          hex(v.clientHeader),
          clientPayload(v),
        );
        expect(packet.length).toBe(1200);
        expect(toHex(packet.subarray(22, 38))).toBe(v.clientSample);
        expect(toHex(packet.subarray(0, 22))).toBe(v.clientProtectedHeader);
        expect(toHex(packet)).toBe(v.clientPacket);
      });

      it('A.2 client Initial: the server removes protection back to header and payload', () => {
        const out = unprotect(keys.client, hex(v.clientPacket), 18);
        expect(out.header).toEqual({ pnLength: 4, truncatedPacketNumber: v.clientPacketNumber });
        expect(toHex(out.headerBytes)).toBe(v.clientHeader);
        expect(toHex(out.payload)).toBe(toHex(clientPayload(v)));
      });

      it('A.2: the header-protection mask from the sample', () => {
        const mask = keys.client.headerProtection.mask(hex(v.clientSample), 0);
        expect(toHex(mask.subarray(0, 5))).toBe(v.clientMask);
      });

      it('A.3 server Initial: protects and unprotects byte for byte', () => {
        const header = hex(v.serverHeader);
        const payload = hex(v.serverPayload);
        const packet = protect(keys.server, v.serverPacketNumber, header, payload);
        expect(
          toHex(keys.server.headerProtection.mask(hex(v.serverSample), 0).subarray(0, 5)),
        ).toBe(v.serverMask);
        expect(toHex(packet.subarray(0, header.length))).toBe(v.serverProtectedHeader);
        expect(toHex(packet)).toBe(v.serverPacket);
        const out = unprotect(keys.server, hex(v.serverPacket), header.length - 2);
        expect(out.header).toEqual({ pnLength: 2, truncatedPacketNumber: v.serverPacketNumber });
        expect(toHex(out.headerBytes)).toBe(v.serverHeader);
        expect(toHex(out.payload)).toBe(v.serverPayload);
      });

      it('A.3: the client cannot open the server Initial with its own keys', () => {
        const buf = hex(v.serverPacket);
        const h = unprotectHeader(keys.server.headerProtection, buf, 0, 18);
        expect(keys.client.aead.open(h!.truncatedPacketNumber, buf, 0, 20, buf.length)).toBe(-1);
      });

      it('A.4 Retry: computes and verifies the integrity tag', () => {
        const retry = hex(v.retryPacket);
        const tag = computeRetryIntegrityTag(
          v.version,
          dcid,
          retry.subarray(0, retry.length - 16),
          provider,
        );
        expect(toHex(tag)).toBe(toHex(retry.subarray(retry.length - 16)));
        expect(verifyRetryIntegrity(v.version, dcid, retry, provider)).toBe(true);
      });

      it('A.4 Retry: any flipped byte, another ODCID or the other version fails', () => {
        const retry = hex(v.retryPacket);
        for (let i = 0; i < retry.length; i++) {
          const bad = retry.slice();
          bad[i] ^= 0x01;
          expect(verifyRetryIntegrity(v.version, dcid, bad, provider)).toBe(false);
        }
        const otherDcid = dcid.slice();
        otherDcid[0] ^= 0x80;
        expect(verifyRetryIntegrity(v.version, otherDcid, retry, provider)).toBe(false);
        const otherVersion = v.version === 1 ? 0x6b3343cf : 1;
        expect(verifyRetryIntegrity(otherVersion, dcid, retry, provider)).toBe(false);
        expect(verifyRetryIntegrity(v.version, dcid, retry.subarray(0, 15), provider)).toBe(false);
        expect(verifyRetryIntegrity(0xbabababa, dcid, retry, provider)).toBe(false);
      });

      it('A.5 ChaCha20-Poly1305 short header: keys, nonce, ciphertext, mask and packet', () => {
        const c = v.chacha;
        const suite = CipherSuite.TLS_CHACHA20_POLY1305_SHA256;
        const m = derivePacketKeyMaterial(hex(c.secret), suite, v.version);
        expect(toHex(m.key)).toBe(c.key);
        expect(toHex(m.iv)).toBe(c.iv);
        expect(toHex(m.hp)).toBe(c.hp);
        expect(toHex(nextTrafficSecret(hex(c.secret), suite, v.version))).toBe(c.ku);
        const keys = derivePacketKeys(hex(c.secret), suite, v.version, provider);
        const header = hex(c.header);
        const buf = plainPacket(header, hex(c.plaintext));
        keys.aead.seal(c.packetNumber, buf, 0, header.length, header.length + 1);
        expect(toHex(buf.subarray(header.length))).toBe(c.ciphertext);
        expect(toHex(keys.headerProtection.mask(hex(c.sample), 0).subarray(0, 5))).toBe(c.mask);
        // RFC 9001 §A.5: a 3-byte packet number at offset 1; one byte is skipped to reach the sample.
        expect(protectHeader(keys.headerProtection, buf, 0, 1)).toBe(true);
        expect(toHex(buf)).toBe(c.packet);

        const received = hex(c.packet);
        const h = unprotectHeader(keys.headerProtection, received, 0, 1);
        expect(h).toEqual({ pnLength: 3, truncatedPacketNumber: 49140 });
        expect(toHex(received.subarray(0, 4))).toBe(c.header);
        expect(keys.aead.open(c.packetNumber, received, 0, 4, received.length)).toBe(5);
        expect(toHex(received.subarray(4, 5))).toBe(c.plaintext);
      });
    });
  }
}
