import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DerTag, encodeDer, encodeOid } from '../../../crypto/tls/asn1-der.js';
import { parsePkcs8, parseSpki, type RsaPrivateKey } from '../../../crypto/tls/asn1-keys.js';
import { certificateSpki } from '../../../crypto/tls/certificate.js';
import {
  mgf1,
  modPow,
  rsaPkcs1Sign,
  rsaPkcs1Verify,
  rsaPssSign,
  rsaPssVerify,
} from '../../../crypto/tls/rsa.js';
import { verifySignature } from '../../../crypto/tls/signature.js';
import { traceField } from './trace-fixtures.js';

const random = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));
const message = new TextEncoder().encode('RSA in BigInt');

function keyPair(bits: number) {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const ours = parsePkcs8(new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })));
  return { privateKey, publicKey, ours: ours as RsaPrivateKey };
}

function naiveModPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result % modulus;
}

describe('modPow', () => {
  it('agrees with square-and-multiply', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 200n }),
        fc.bigInt({ min: 0n, max: 1n << 100n }),
        fc.bigInt({ min: 1n, max: 1n << 150n }),
        (b, e, m) => {
          expect(modPow(b, e, m)).toBe(naiveModPow(b, e, m));
        },
      ),
    );
  });
});

describe('MGF1 (RFC 8017 §B.2.1)', () => {
  it('is the counter-mode hash, truncated', () => {
    const seed = Uint8Array.of(1, 2, 3);
    const expected = Buffer.concat(
      [0, 1].map((c) =>
        nodeCrypto
          .createHash('sha256')
          .update(Buffer.from([1, 2, 3, 0, 0, 0, c]))
          .digest(),
      ),
    );
    expect(Buffer.from(mgf1('sha256', seed, 50))).toEqual(expected.subarray(0, 50));
  });
});

describe.each([2048, 2049, 2055, 3072])('RSA-%i', (bits) => {
  const { privateKey, publicKey, ours } = keyPair(bits);

  it('PKCS#1 v1.5 signatures equal node:crypto byte for byte (deterministic known answer)', () => {
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      const theirs = new Uint8Array(nodeCrypto.sign(hash, message, privateKey));
      expect(rsaPkcs1Sign(ours, hash, message)).toEqual(theirs);
      expect(rsaPkcs1Verify(ours, hash, message, theirs)).toBe(true);
      expect(rsaPkcs1Verify(ours, hash, message.subarray(1), theirs)).toBe(false);
    }
  });

  it('PSS: node verifies ours, we verify node, salt length = digest length', () => {
    for (const [hash, saltLength] of [
      ['sha256', 32],
      ['sha384', 48],
      ['sha512', 64],
    ] as const) {
      const ourSig = rsaPssSign(ours, hash, random(saltLength), message);
      expect(
        nodeCrypto.verify(
          hash,
          message,
          { key: publicKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength },
          ourSig,
        ),
      ).toBe(true);
      const theirSig = new Uint8Array(
        nodeCrypto.sign(hash, message, {
          key: privateKey,
          padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength,
        }),
      );
      expect(rsaPssVerify(ours, hash, saltLength, message, theirSig)).toBe(true);
      expect(rsaPssVerify(ours, hash, saltLength, message, ourSig)).toBe(true);
      expect(rsaPssVerify(ours, hash, saltLength, message.subarray(1), theirSig)).toBe(false);
    }
  });

  it('rejects signatures of the wrong length or out of range', () => {
    const sig = rsaPkcs1Sign(ours, 'sha256', message);
    expect(rsaPkcs1Verify(ours, 'sha256', message, sig.subarray(1))).toBe(false);
    expect(rsaPkcs1Verify(ours, 'sha256', message, Uint8Array.of(0, ...sig))).toBe(false);
    expect(rsaPkcs1Verify(ours, 'sha256', message, new Uint8Array(sig.length).fill(0xff))).toBe(
      false,
    );
    expect(rsaPssVerify(ours, 'sha256', 32, message, new Uint8Array(sig.length))).toBe(false);
  });

  it('never throws for arbitrary signature bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: signatureLength(ours), maxLength: signatureLength(ours) }),
        (sig) => {
          expect(rsaPssVerify(ours, 'sha256', 32, message, sig)).toBe(false);
          expect(rsaPkcs1Verify(ours, 'sha256', message, sig)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });
});

function signatureLength(key: RsaPrivateKey): number {
  return Math.ceil(key.bits / 8);
}

describe('key size bounds', () => {
  /** An rsaEncryption SPKI for an odd modulus of exactly `bits` bits (not a real key: only its size matters). */
  function syntheticSpki(bits: number): Uint8Array {
    const n = (1n << BigInt(bits - 1)) | 1n;
    const integer = (v: bigint) => {
      let hex = v.toString(16);
      if (hex.length % 2) hex = `0${hex}`;
      const bytes = Buffer.from(hex, 'hex');
      return encodeDer(DerTag.integer, bytes[0]! >= 0x80 ? Uint8Array.of(0, ...bytes) : bytes);
    };
    const rsaKey = encodeDer(DerTag.sequence, integer(n), integer(65537n));
    const algorithm = encodeDer(
      DerTag.sequence,
      encodeOid('1.2.840.113549.1.1.1'),
      Uint8Array.of(5, 0),
    );
    return encodeDer(
      DerTag.sequence,
      algorithm,
      encodeDer(DerTag.bitString, Uint8Array.of(0), rsaKey),
    );
  }

  it('accepts 2048 to 4096 bits, refuses 2047, 1024 and 8192 bits', () => {
    expect(parseSpki(syntheticSpki(2048)).kind).toBe('rsa');
    expect(parseSpki(syntheticSpki(4096)).kind).toBe('rsa');
    expect(() => parseSpki(syntheticSpki(2047))).toThrow(/2047 bits is not supported/);
    expect(() => parseSpki(syntheticSpki(1024))).toThrow(/1024 bits is not supported/);
    expect(() => parseSpki(syntheticSpki(8192))).toThrow(/8192 bits is not supported/);
  });
});

describe('RFC 8448 §3 known answer: the server CertificateVerify (rsa_pss_rsae_sha256)', () => {
  const trace = 'Simple 1-RTT Handshake';
  const message = (name: string) =>
    traceField(trace, name === 'ClientHello' ? 'client' : 'server', `construct a ${name}`, name);
  const certificateMessage = message('Certificate');
  // Handshake header (4), context length (1), list length (3), entry length (3), then the DER.
  const entryLength =
    (certificateMessage[8]! << 16) | (certificateMessage[9]! << 8) | certificateMessage[10]!;
  const certificate = certificateMessage.subarray(11, 11 + entryLength);
  const spki = certificateSpki(certificate);
  const certificateVerify = message('CertificateVerify');
  const signature = certificateVerify.subarray(8);
  const transcript = nodeCrypto
    .createHash('sha256')
    .update(
      Buffer.concat(
        ['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate'].map(message),
      ),
    )
    .digest();
  // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
  const content = Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from('TLS 1.3, server CertificateVerify\0'),
    transcript,
  ]);

  it('verifies with the RSA-PSS primitive, and not over another transcript', () => {
    expect(Buffer.from(certificateVerify.subarray(4, 6)).toString('hex')).toBe('0804');
    const jwk = nodeCrypto
      .createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
      .export({ format: 'jwk' });
    const n = BigInt(`0x${Buffer.from(jwk.n!, 'base64url').toString('hex')}`);
    const e = BigInt(`0x${Buffer.from(jwk.e!, 'base64url').toString('hex')}`);
    // Built by hand: parseSpki refuses this 1024-bit test key.
    const key = { kind: 'rsa', pssOnly: false, n, e, bits: 1024 } as const;
    expect(rsaPssVerify(key, 'sha256', 32, content, signature)).toBe(true);
    expect(rsaPssVerify(key, 'sha256', 32, content.subarray(1), signature)).toBe(false);
  });

  it('verifySignature refuses the 1024-bit key as unsupported_certificate', () => {
    expect(() => verifySignature(0x0804, spki, content, signature)).toThrow(
      /unsupported_certificate: .*1024 bits/,
    );
  });
});
