import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import { parsePrivateKeyPem, type SigningKey } from '../../../crypto/tls/private-key.js';
import { verifySignature } from '../../../crypto/tls/signature.js';
import {
  SignatureScheme,
  SUPPORTED_CERTIFICATE_SIGNATURE_SCHEMES,
  SUPPORTED_SIGNATURE_SCHEMES,
} from '../../../crypto/tls/signature-scheme.js';

const random = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));

interface TestKey {
  readonly name: string;
  readonly node: nodeCrypto.KeyPairKeyObjectResult;
  readonly ours: SigningKey;
  readonly spki: Uint8Array;
}

function makeKey(name: string, pair: nodeCrypto.KeyPairKeyObjectResult): TestKey {
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
  return { name, node: pair, ours: parsePrivateKeyPem(pem), spki };
}

const keys: Record<string, TestKey> = {};

beforeAll(() => {
  keys.p256 = makeKey('p256', nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  keys.p384 = makeKey('p384', nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }));
  keys.ed25519 = makeKey('ed25519', nodeCrypto.generateKeyPairSync('ed25519'));
  keys.rsa2048 = makeKey('rsa2048', nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }));
  keys.rsa3072 = makeKey('rsa3072', nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 3072 }));
});

const message = new TextEncoder().encode(
  `${' '.repeat(64)}TLS 1.3, server CertificateVerify\0${'x'.repeat(32)}`,
);

const HASH_OF: Record<number, string> = {
  [SignatureScheme.ecdsa_secp256r1_sha256]: 'sha256',
  [SignatureScheme.ecdsa_secp384r1_sha384]: 'sha384',
  [SignatureScheme.rsa_pss_rsae_sha256]: 'sha256',
  [SignatureScheme.rsa_pss_rsae_sha384]: 'sha384',
  [SignatureScheme.rsa_pss_rsae_sha512]: 'sha512',
  [SignatureScheme.rsa_pkcs1_sha256]: 'sha256',
  [SignatureScheme.rsa_pkcs1_sha384]: 'sha384',
  [SignatureScheme.rsa_pkcs1_sha512]: 'sha512',
};

function nodeSign(key: TestKey, scheme: number, data: Uint8Array): Uint8Array {
  if (scheme === SignatureScheme.ed25519) {
    return new Uint8Array(nodeCrypto.sign(null, data, key.node.privateKey));
  }
  const isPss = scheme >= 0x0804 && scheme <= 0x0806;
  return new Uint8Array(
    nodeCrypto.sign(HASH_OF[scheme]!, data, {
      key: key.node.privateKey,
      dsaEncoding: 'der',
      ...(isPss
        ? {
            padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
            saltLength: nodeCrypto.constants.RSA_PSS_SALTLEN_DIGEST,
          }
        : {}),
    }),
  );
}

function nodeVerify(key: TestKey, scheme: number, data: Uint8Array, sig: Uint8Array): boolean {
  if (scheme === SignatureScheme.ed25519)
    return nodeCrypto.verify(null, data, key.node.publicKey, sig);
  const isPss = scheme >= 0x0804 && scheme <= 0x0806;
  return nodeCrypto.verify(
    HASH_OF[scheme]!,
    data,
    {
      key: key.node.publicKey,
      dsaEncoding: 'der',
      ...(isPss
        ? {
            padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
            saltLength: nodeCrypto.constants.RSA_PSS_SALTLEN_DIGEST,
          }
        : {}),
    },
    sig,
  );
}

const CASES: [string, number][] = [
  ['p256', SignatureScheme.ecdsa_secp256r1_sha256],
  ['p384', SignatureScheme.ecdsa_secp384r1_sha384],
  ['ed25519', SignatureScheme.ed25519],
  ['rsa2048', SignatureScheme.rsa_pss_rsae_sha256],
  ['rsa2048', SignatureScheme.rsa_pss_rsae_sha384],
  ['rsa2048', SignatureScheme.rsa_pss_rsae_sha512],
  ['rsa3072', SignatureScheme.rsa_pss_rsae_sha256],
  ['rsa2048', SignatureScheme.rsa_pkcs1_sha256],
  ['rsa2048', SignatureScheme.rsa_pkcs1_sha384],
  ['rsa3072', SignatureScheme.rsa_pkcs1_sha512],
];

describe('scheme lists', () => {
  it('offers exactly the CertificateVerify schemes of the issue, and no PKCS#1 (RFC 8446 §4.2.3)', () => {
    expect([...SUPPORTED_SIGNATURE_SCHEMES].sort()).toEqual(
      [0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0807].sort(),
    );
    for (const s of [0x0401, 0x0501, 0x0601]) {
      expect(SUPPORTED_SIGNATURE_SCHEMES).not.toContain(s);
      expect(SUPPORTED_CERTIFICATE_SIGNATURE_SCHEMES).toContain(s);
    }
  });
});

describe.each(CASES)('%s with scheme 0x%s', (keyName, scheme) => {
  it('round trips: our signature verifies with our verifier, and not for another message', () => {
    const key = keys[keyName]!;
    const sig = key.ours.sign(scheme, message, random);
    expect(verifySignature(scheme, key.ours.spki, message, sig)).toBe(true);
    const other = message.slice();
    other[70]! ^= 1;
    expect(verifySignature(scheme, key.ours.spki, other, sig)).toBe(false);
  });

  it('node:crypto verifies our signature', () => {
    const key = keys[keyName]!;
    expect(nodeVerify(key, scheme, message, key.ours.sign(scheme, message, random))).toBe(true);
  });

  it('we verify node:crypto signatures, and reject them with any bit flipped', () => {
    const key = keys[keyName]!;
    const sig = nodeSign(key, scheme, message);
    expect(verifySignature(scheme, key.spki, message, sig)).toBe(true);
    for (const bit of [0, 7, sig.length * 4, sig.length * 8 - 1]) {
      const bad = sig.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifySignature(scheme, key.spki, message, bad)).toBe(false);
    }
  });

  it('the SPKI we derive from the private key is the one node:crypto exports', () => {
    const key = keys[keyName]!;
    expect(key.ours.spki).toEqual(key.spki);
  });
});

describe('RFC 8032 §7.1 TEST 1 (Ed25519 known answer)', () => {
  it('signs the empty message to the RFC signature, and verifies it', () => {
    const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
    const pkcs8 = Buffer.from(`302e020100300506032b657004220420${seed}`, 'hex');
    const key = parsePrivateKeyPem(new Uint8Array(pkcs8));
    const expected =
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    const signature = key.sign(SignatureScheme.ed25519, new Uint8Array(0), random);
    expect(Buffer.from(signature).toString('hex')).toBe(expected);
    expect(Buffer.from(key.spki.subarray(12)).toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(verifySignature(SignatureScheme.ed25519, key.spki, new Uint8Array(0), signature)).toBe(
      true,
    );
  });
});

describe('verifySignature rejections', () => {
  it('a scheme that does not fit the key is illegal_parameter', () => {
    const cases: [string, number][] = [
      ['p256', SignatureScheme.ecdsa_secp384r1_sha384],
      ['p384', SignatureScheme.ecdsa_secp256r1_sha256],
      ['ed25519', SignatureScheme.ecdsa_secp256r1_sha256],
      ['rsa2048', SignatureScheme.ed25519],
      ['p256', SignatureScheme.rsa_pss_rsae_sha256],
      ['rsa2048', SignatureScheme.rsa_pss_pss_sha256],
    ];
    for (const [keyName, scheme] of cases) {
      const error = captureError(() =>
        verifySignature(scheme, keys[keyName]!.spki, message, new Uint8Array(64)),
      );
      expect(error, `${keyName} ${scheme}`).toBeInstanceOf(TlsAlert);
      expect((error as TlsAlert).alertName).toBe('illegal_parameter');
    }
  });

  it('an unknown scheme is illegal_parameter', () => {
    const error = captureError(() =>
      verifySignature(0x0203, keys.p256!.spki, message, new Uint8Array(8)),
    );
    expect((error as TlsAlert).alertName).toBe('illegal_parameter');
  });

  it('an RSA key under 2048 bits is unsupported_certificate', () => {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('rsa', {
      modulusLength: 1024,
    });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const sig = nodeCrypto.sign('sha256', message, {
      key: privateKey,
      padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    const error = captureError(() =>
      verifySignature(SignatureScheme.rsa_pss_rsae_sha256, spki, message, sig),
    );
    expect((error as TlsAlert).alertName).toBe('unsupported_certificate');
    expect((error as TlsAlert).message).toMatch(/1024 bits/);
  });

  it('a P-521 key is unsupported_certificate; garbage SPKI is bad_certificate', () => {
    const { publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const e1 = captureError(() =>
      verifySignature(SignatureScheme.ecdsa_secp256r1_sha256, spki, message, new Uint8Array(8)),
    );
    expect((e1 as TlsAlert).alertName).toBe('unsupported_certificate');
    const e2 = captureError(() =>
      verifySignature(
        SignatureScheme.ed25519,
        new Uint8Array([0x30, 0x03, 1, 2, 3]),
        message,
        new Uint8Array(64),
      ),
    );
    expect((e2 as TlsAlert).alertName).toBe('bad_certificate');
  });

  it('an EC public key that is not a point on its curve is bad_certificate', () => {
    const spki = keys.p256!.spki.slice();
    spki[spki.length - 1]! ^= 0x01;
    const error = captureError(() =>
      verifySignature(SignatureScheme.ecdsa_secp256r1_sha256, spki, message, new Uint8Array(70)),
    );
    expect((error as TlsAlert).alertName).toBe('bad_certificate');
    expect((error as TlsAlert).message).toMatch(/not a valid P-256 point/);
  });

  it('RSA-PSS with a salt length other than the digest length is rejected (RFC 8446 §4.2.3)', () => {
    const key = keys.rsa2048!;
    const sig = nodeCrypto.sign('sha256', message, {
      key: key.node.privateKey,
      padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 20,
    });
    expect(verifySignature(SignatureScheme.rsa_pss_rsae_sha256, key.spki, message, sig)).toBe(
      false,
    );
  });

  it('rsa_pss_pss_* verifies with an id-RSASSA-PSS key, and rsa_pss_rsae_* does not fit it', () => {
    // @types/node declares saltLength as a string; Node takes a number.
    const options = {
      modulusLength: 2048,
      hashAlgorithm: 'sha256',
      mgf1HashAlgorithm: 'sha256',
      saltLength: 32,
    };
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync(
      'rsa-pss',
      options as unknown as nodeCrypto.RSAPSSKeyPairKeyObjectOptions,
    );
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const sig = nodeCrypto.sign('sha256', message, {
      key: privateKey,
      padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    expect(verifySignature(SignatureScheme.rsa_pss_pss_sha256, spki, message, sig)).toBe(true);
    // The key's parameters restrict it to SHA-256 (RFC 4055 §3.1).
    const e1 = captureError(() =>
      verifySignature(SignatureScheme.rsa_pss_pss_sha384, spki, message, sig),
    );
    expect((e1 as TlsAlert).alertName).toBe('illegal_parameter');
    const e2 = captureError(() =>
      verifySignature(SignatureScheme.rsa_pss_rsae_sha256, spki, message, sig),
    );
    expect((e2 as TlsAlert).alertName).toBe('illegal_parameter');
  });

  it('ECDSA accepts high-S signatures (OpenSSL does not normalise S)', () => {
    const key = keys.p256!;
    const sig = nodeSign(key, SignatureScheme.ecdsa_secp256r1_sha256, message);
    const flipped = flipS(sig, 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n);
    expect(
      verifySignature(SignatureScheme.ecdsa_secp256r1_sha256, key.spki, message, flipped),
    ).toBe(true);
  });
});

describe('property: verifySignature never throws for arbitrary signature bytes', () => {
  it.each(CASES)('%s, scheme %s', (keyName, scheme) => {
    const key = keys[keyName]!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (sig) => {
        expect(verifySignature(scheme, key.spki, message, sig)).toBe(false);
      }),
      { numRuns: keyName.startsWith('rsa') ? 40 : 200 },
    );
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Re-encodes a DER ECDSA signature (r, s) as (r, n - s). */
function flipS(der: Uint8Array, n: bigint): Uint8Array {
  const rLength = der[3]!;
  const r = der.subarray(4, 4 + rLength);
  const s = BigInt(`0x${Buffer.from(der.subarray(6 + rLength)).toString('hex')}`);
  const encodeInt = (v: bigint) => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    const bytes = Buffer.from(hex, 'hex');
    return [0x02, bytes.length, ...bytes];
  };
  const body = [0x02, rLength, ...r, ...encodeInt(n - s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}
