import * as nodeCrypto from 'node:crypto';
import { RSAPrivateKey } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { describe, expect, it } from 'vitest';
import { encodePem } from '../../../crypto/tls/asn1-pem.js';
import { parsePrivateKeyPem } from '../../../crypto/tls/private-key.js';
import { verifySignature } from '../../../crypto/tls/signature.js';
import { SignatureScheme } from '../../../crypto/tls/signature-scheme.js';

const random = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));
const message = new TextEncoder().encode('content to sign');

function spkiOf(key: nodeCrypto.KeyObject): Uint8Array {
  return new Uint8Array(nodeCrypto.createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

const ec256 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ec384 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const ed = nodeCrypto.generateKeyPairSync('ed25519').privateKey;
const rsa = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

describe('parsePrivateKeyPem: accepted formats', () => {
  it.each([
    ['PKCS#8 P-256', ec256, 'pkcs8', 'ec-p256', SignatureScheme.ecdsa_secp256r1_sha256],
    ['PKCS#8 P-384', ec384, 'pkcs8', 'ec-p384', SignatureScheme.ecdsa_secp384r1_sha384],
    ['PKCS#8 Ed25519', ed, 'pkcs8', 'ed25519', SignatureScheme.ed25519],
    ['PKCS#8 RSA', rsa, 'pkcs8', 'rsa', SignatureScheme.rsa_pss_rsae_sha256],
    ['SEC1 P-256', ec256, 'sec1', 'ec-p256', SignatureScheme.ecdsa_secp256r1_sha256],
    ['SEC1 P-384', ec384, 'sec1', 'ec-p384', SignatureScheme.ecdsa_secp384r1_sha384],
    ['PKCS#1 RSA', rsa, 'pkcs1', 'rsa', SignatureScheme.rsa_pss_rsae_sha512],
  ] as const)('%s', (_, key, type, keyType, scheme) => {
    const pem = key.export({ type, format: 'pem' }) as string;
    const signingKey = parsePrivateKeyPem(pem);
    expect(signingKey.keyType).toBe(keyType);
    expect(signingKey.schemes).toContain(scheme);
    expect(signingKey.spki).toEqual(spkiOf(key));
    const signature = signingKey.sign(scheme, message, random);
    expect(verifySignature(scheme, spkiOf(key), message, signature)).toBe(true);
    // The same key from bytes of PEM text, and from PKCS#8 DER.
    expect(parsePrivateKeyPem(new TextEncoder().encode(pem)).spki).toEqual(signingKey.spki);
    const der = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
    expect(parsePrivateKeyPem(der).spki).toEqual(signingKey.spki);
  });

  it('accepts an RFC 5958 version 1 OneAsymmetricKey (Ed25519 with its public key)', () => {
    const v1 = new Uint8Array(ed.export({ type: 'pkcs8', format: 'der' }));
    const publicKey = spkiOf(ed).subarray(12);
    // version 1, the same algorithm and privateKey, then [1] IMPLICIT BIT STRING publicKey.
    const body = Uint8Array.of(2, 1, 1, ...v1.subarray(5), 0x81, 33, 0, ...publicKey);
    const v2 = Uint8Array.of(0x30, body.length, ...body);
    expect(parsePrivateKeyPem(encodePem('PRIVATE KEY', v2)).spki).toEqual(spkiOf(ed));
  });

  it('skips an "EC PARAMETERS" block before the key (openssl ecparam -genkey output)', () => {
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const pem = params + (ec256.export({ type: 'sec1', format: 'pem' }) as string);
    expect(parsePrivateKeyPem(pem).keyType).toBe('ec-p256');
  });

  it('RSA keys advertise only PSS for CertificateVerify, but can sign PKCS#1 for certificates', () => {
    const key = parsePrivateKeyPem(rsa.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(key.schemes).toEqual([0x0804, 0x0805, 0x0806]);
    const signature = key.sign(SignatureScheme.rsa_pkcs1_sha256, message, random);
    expect(nodeCrypto.verify('sha256', message, nodeCrypto.createPublicKey(rsa), signature)).toBe(
      true,
    );
  });

  it('ECDSA signing hashes exactly once (node:crypto verifies over the message itself)', () => {
    const key = parsePrivateKeyPem(ec384.export({ type: 'pkcs8', format: 'pem' }) as string);
    const signature = key.sign(SignatureScheme.ecdsa_secp384r1_sha384, message, random);
    expect(
      nodeCrypto.verify(
        'sha384',
        message,
        { key: nodeCrypto.createPublicKey(ec384), dsaEncoding: 'der' },
        signature,
      ),
    ).toBe(true);
  });
});

describe('parsePrivateKeyPem: rejections are TypeErrors naming the problem', () => {
  const rsa1024 = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const p521 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey;
  const ed448 = nodeCrypto.generateKeyPairSync('ed448').privateKey;
  const encrypted = ec256.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'secret',
  }) as string;

  it.each([
    ['empty input', '', /no PEM block/],
    ['text without PEM', 'hello', /no PEM block/],
    [
      'a certificate',
      '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n',
      /not a private key/,
    ],
    ['corrupt base64', '-----BEGIN PRIVATE KEY-----\nMII$\n-----END PRIVATE KEY-----\n', /base64/],
    [
      'mismatched END',
      '-----BEGIN PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n',
      /ends with/,
    ],
    ['missing END', '-----BEGIN PRIVATE KEY-----\nMAA=\n', /no matching END/],
    [
      'not DER inside',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      /not valid DER/,
    ],
    ['an encrypted key', encrypted, /encrypted/],
    ['RSA 1024', rsa1024.export({ type: 'pkcs8', format: 'pem' }) as string, /1024 bits/],
    ['P-521', p521.export({ type: 'pkcs8', format: 'pem' }) as string, /P-521/],
    ['Ed448', ed448.export({ type: 'pkcs8', format: 'pem' }) as string, /1\.3\.101\.113/],
    [
      'two keys',
      (ec256.export({ type: 'pkcs8', format: 'pem' }) as string) +
        (ed.export({ type: 'pkcs8', format: 'pem' }) as string),
      /found 2/,
    ],
  ])('%s', (_, pem, message) => {
    expect(() => parsePrivateKeyPem(pem)).toThrow(TypeError);
    expect(() => parsePrivateKeyPem(pem)).toThrow(message);
    expect(() => parsePrivateKeyPem(pem)).toThrow(/^privateKey: /);
  });

  it('an RSA key whose CRT values do not match d', () => {
    const der = new Uint8Array(rsa.export({ type: 'pkcs1', format: 'der' }));
    const parsed = AsnConvert.parse(der, RSAPrivateKey);
    const exponent1 = new Uint8Array(parsed.exponent1);
    exponent1[exponent1.length - 1]! ^= 2;
    parsed.exponent1 = exponent1.buffer;
    const pem = encodePem('RSA PRIVATE KEY', new Uint8Array(AsnConvert.serialize(parsed)));
    expect(() => parsePrivateKeyPem(pem)).toThrow(
      /privateKey: RSA private key CRT values are inconsistent/,
    );
  });

  it('wrong argument types', () => {
    expect(() => parsePrivateKeyPem(42 as unknown as string)).toThrow(
      /privateKey: expected a PEM string/,
    );
  });

  it('every truncated prefix of a PKCS#8 DER key fails with a TypeError', () => {
    const der = new Uint8Array(ec256.export({ type: 'pkcs8', format: 'der' }));
    for (let length = 1; length < der.length; length++) {
      expect(() => parsePrivateKeyPem(der.subarray(0, length)), `${length}`).toThrow(TypeError);
    }
  });

  it('sign refuses a scheme that does not fit the key, and a short random', () => {
    const key = parsePrivateKeyPem(ec256.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(() => key.sign(SignatureScheme.ecdsa_secp384r1_sha384, message, random)).toThrow(
      /cannot be used with a ec-p256 key/,
    );
    expect(() => key.sign(SignatureScheme.rsa_pkcs1_sha256, message, random)).toThrow(TypeError);
    expect(() =>
      key.sign(SignatureScheme.ecdsa_secp256r1_sha256, message, () => new Uint8Array(3)),
    ).toThrow(/random/);
  });
});
