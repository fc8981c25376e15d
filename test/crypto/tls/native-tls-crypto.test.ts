// The node:crypto path of the TLS public-key work, cross-checked against the
// pure one: each signs what the other verifies, both agree on every
// corrupted signature, ECDHE gives the same shares and secrets from the same
// random, and invalid peer shares end in the same TlsAlert.
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import { type PublicKey, parsePkcs8 } from '../../../crypto/tls/asn1-keys.js';
import {
  computeSharedSecret,
  generateKeyShare,
  type KeyShare,
  NamedGroup,
} from '../../../crypto/tls/key-exchange.js';
import {
  nativeP256PublicKey,
  nativeP256SharedSecret,
  nativeX25519PublicKey,
  nativeX25519SharedSecret,
} from '../../../crypto/tls/native-key-exchange.js';
import { nativePublicKeyBytes, nativeVerify } from '../../../crypto/tls/native-signature.js';
import {
  base64url,
  bigIntBase64url,
  fromBase64url,
  nativeTlsCrypto,
  setTlsPublicKeyCrypto,
  tlsPublicKeyCrypto,
} from '../../../crypto/tls/native-tls-crypto.js';
import {
  parsePrivateKeyPem,
  publicKeySpki,
  type SigningKey,
} from '../../../crypto/tls/private-key.js';
import {
  PUBLIC_KEY_CACHE_SIZE,
  publicKeyFromSpki,
  pureVerify,
  verifySignature,
} from '../../../crypto/tls/signature.js';
import {
  requireSignatureAlgorithm,
  SignatureScheme,
} from '../../../crypto/tls/signature-scheme.js';
import { intermediate, leaf, root, testKey } from '../../fixtures/tls/chains.js';
import { seededRandom } from './engine-properties.js';
import { clientOptions, drive, serverOptions, ticketOf } from './handshake-driver.js';

const random = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));
const crypto = nativeTlsCrypto()!;
const message = new TextEncoder().encode(`${' '.repeat(64)}TLS 1.3, server CertificateVerify\0x`);

afterEach(() => setTlsPublicKeyCrypto('auto'));

/** Runs `fn` with the given implementation forced, then restores 'auto'. */
function using<T>(mode: 'pure' | 'node', fn: () => T): T {
  setTlsPublicKeyCrypto(mode);
  try {
    return fn();
  } finally {
    setTlsPublicKeyCrypto('auto');
  }
}

function alertOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TlsAlert) return `${error.alertName}: ${error.message}`;
    throw error;
  }
  return 'no alert';
}

interface Key {
  readonly signing: SigningKey;
  readonly spki: Uint8Array;
  readonly schemes: readonly number[];
}

const keys: Record<string, Key> = {};

function makeKey(pair: nodeCrypto.KeyPairKeyObjectResult, schemes: readonly number[]): Key {
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const signing = parsePrivateKeyPem(pem);
  return { signing, spki: signing.spki, schemes };
}

beforeAll(() => {
  keys.p256 = makeKey(nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), [
    SignatureScheme.ecdsa_secp256r1_sha256,
  ]);
  keys.p384 = makeKey(nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }), [
    SignatureScheme.ecdsa_secp384r1_sha384,
  ]);
  keys.ed25519 = makeKey(nodeCrypto.generateKeyPairSync('ed25519'), [SignatureScheme.ed25519]);
  keys.rsa = makeKey(nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), [
    SignatureScheme.rsa_pss_rsae_sha256,
    SignatureScheme.rsa_pss_rsae_sha384,
    SignatureScheme.rsa_pss_rsae_sha512,
    SignatureScheme.rsa_pkcs1_sha256,
    SignatureScheme.rsa_pkcs1_sha384,
    SignatureScheme.rsa_pkcs1_sha512,
  ]);
});

const CASES = (): [string, number][] =>
  Object.entries(keys).flatMap(([name, key]) =>
    key.schemes.map((s): [string, number] => [name, s]),
  );

describe('the switch', () => {
  it("is 'node' by default where node:crypto exists, 'pure' when forced", () => {
    expect(crypto).toBeDefined();
    expect(tlsPublicKeyCrypto()).toBe('node');
    setTlsPublicKeyCrypto('pure');
    expect(tlsPublicKeyCrypto()).toBe('pure');
    expect(nativeTlsCrypto()).toBeUndefined();
    setTlsPublicKeyCrypto('node');
    expect(tlsPublicKeyCrypto()).toBe('node');
  });

  it('refuses an unknown choice with a TypeError naming it', () => {
    expect(() => setTlsPublicKeyCrypto('fast' as 'auto')).toThrow(/tlsPublicKeyCrypto.*fast/);
  });
});

describe('JWK encodings', () => {
  it('base64url round trips every length, and matches node:buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const text = base64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect([...fromBase64url(text)]).toEqual([...bytes]);
      }),
    );
    expect(() => fromBase64url('ab+c')).toThrow(RangeError);
  });

  it('integers are unsigned big-endian without leading zeros (RFC 7518 §6.3.1)', () => {
    expect(bigIntBase64url(65537n)).toBe('AQAB');
    expect(bigIntBase64url(0xffn)).toBe('_w');
    expect(bigIntBase64url(0x100n)).toBe('AQA');
  });
});

describe('signatures: node:crypto and pure agree', () => {
  it('there is a case for every key type and scheme we sign with', () => {
    expect(CASES().length).toBe(9);
  });

  it('native signatures verify on the pure path, and pure ones on the native path', () => {
    for (const [name, scheme] of CASES()) {
      const key = keys[name]!;
      const nativeSig = using('node', () => key.signing.sign(scheme, message, random));
      const pureSig = using('pure', () => key.signing.sign(scheme, message, random));
      for (const mode of ['pure', 'node'] as const) {
        using(mode, () => {
          expect(verifySignature(scheme, key.spki, message, nativeSig), `${name} ${mode}`).toBe(
            true,
          );
          expect(verifySignature(scheme, key.spki, message, pureSig), `${name} ${mode}`).toBe(true);
          expect(verifySignature(scheme, key.spki, message.subarray(1), pureSig)).toBe(false);
        });
      }
    }
  });

  it('signing really runs on node:crypto when it is in effect (ECDSA nonces ignore our random)', () => {
    const fixed = (n: number) => new Uint8Array(n).fill(7);
    const scheme = SignatureScheme.ecdsa_secp256r1_sha256;
    const sign = () => keys.p256!.signing.sign(scheme, message, fixed);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    // Pure: RFC 6979 hedged with the same extra entropy, so the same signature twice.
    expect(using('pure', () => hex(sign()))).toBe(using('pure', () => hex(sign())));
    // Native: OpenSSL draws its own nonce.
    expect(using('node', () => hex(sign()))).not.toBe(using('node', () => hex(sign())));
  });

  it('every key type imports natively here (no silent fallback to pure)', () => {
    for (const name of Object.keys(keys)) {
      const parsed = publicKeyFromSpki(keys[name]!.spki);
      const scheme = keys[name]!.schemes[0]!;
      const sig = keys[name]!.signing.sign(scheme, message, random);
      expect(nativeVerify(crypto, requireSignatureAlgorithm(scheme), parsed, message, sig)).toBe(
        true,
      );
    }
    const p256 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = p256.privateKey.export({ type: 'pkcs8', format: 'der' });
    const key = parsePrivateKeyPem(new Uint8Array(der));
    const spki = new Uint8Array(p256.publicKey.export({ type: 'spki', format: 'der' }));
    expect([...key.spki]).toEqual([...spki]);
  });

  it('the public half of a private key: the same SPKI natively, on the pure path, and from OpenSSL', () => {
    const pairs = [
      nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      nodeCrypto.generateKeyPairSync('ed25519'),
      nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ];
    for (const pair of pairs) {
      const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
      const key = parsePkcs8(new Uint8Array(der));
      const expected = Buffer.from(pair.publicKey.export({ type: 'spki', format: 'der' }));
      const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
      expect(
        using('node', () => hex(publicKeySpki(key))),
        key.kind,
      ).toBe(expected.toString('hex'));
      expect(
        using('pure', () => hex(publicKeySpki(key))),
        key.kind,
      ).toBe(expected.toString('hex'));
      const native = nativePublicKeyBytes(crypto, key);
      if (key.kind === 'rsa') expect(native).toBeUndefined();
      else expect(hex(expected.subarray(expected.length - native!.length))).toBe(hex(native!));
    }
  });

  it('deterministic schemes (Ed25519, PKCS#1 v1.5) give the same bytes on both paths', () => {
    for (const [name, scheme] of CASES()) {
      const family = requireSignatureAlgorithm(scheme).family;
      if (family !== 'ed25519' && family !== 'rsa-pkcs1') continue;
      const key = keys[name]!;
      const a = using('node', () => key.signing.sign(scheme, message, random));
      const b = using('pure', () => key.signing.sign(scheme, message, random));
      expect(Buffer.from(a).toString('hex'), name).toBe(Buffer.from(b).toString('hex'));
    }
  });

  it('both paths draw the same randomness from the caller (the stream stays in step)', () => {
    for (const [name, scheme] of CASES()) {
      const drawn = { node: 0, pure: 0 };
      for (const mode of ['node', 'pure'] as const) {
        using(mode, () =>
          keys[name]!.signing.sign(scheme, message, (n) => {
            drawn[mode] += n;
            return random(n);
          }),
        );
      }
      expect(drawn.node, `${name} ${scheme}`).toBe(drawn.pure);
    }
  });

  it('any corrupted signature: both paths say false', () => {
    for (const [name, scheme] of CASES()) {
      const key = keys[name]!;
      const algorithm = requireSignatureAlgorithm(scheme);
      const parsed: PublicKey = publicKeyFromSpki(key.spki);
      const good = key.signing.sign(scheme, message, random);
      fc.assert(
        fc.property(
          fc.nat(good.length - 1),
          fc.integer({ min: 1, max: 255 }),
          fc.boolean(),
          (at, xor, truncate) => {
            const bad = truncate ? good.subarray(0, at) : good.slice();
            if (!truncate) bad[at]! ^= xor;
            const native = nativeVerify(crypto, algorithm, parsed, message, bad);
            expect(native, `${name} at ${at}`).toBe(pureVerify(algorithm, parsed, message, bad));
            expect(native).toBe(false);
          },
        ),
        { numRuns: name === 'rsa' ? 30 : 100 },
      );
    }
  });

  it('arbitrary bytes as a signature: both paths say false, neither throws', () => {
    for (const [name, scheme] of CASES()) {
      const algorithm = requireSignatureAlgorithm(scheme);
      const parsed = publicKeyFromSpki(keys[name]!.spki);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (sig) => {
          expect(nativeVerify(crypto, algorithm, parsed, message, sig)).toBe(false);
          expect(pureVerify(algorithm, parsed, message, sig)).toBe(false);
        }),
        { numRuns: name === 'rsa' ? 20 : 60 },
      );
    }
  });

  it('when node:crypto cannot decide (verify or key import throws), nativeVerify says undefined, not false', () => {
    const algorithm = requireSignatureAlgorithm(SignatureScheme.ecdsa_secp256r1_sha256);
    const sig = keys.p256!.signing.sign(SignatureScheme.ecdsa_secp256r1_sha256, message, random);
    const parsed = publicKeyFromSpki(keys.p256!.spki);
    const throwing = (name: string) =>
      ({
        ...crypto,
        [name]: () => {
          throw new Error(`${name} is not supported here`);
        },
      }) as typeof crypto;
    expect(nativeVerify(throwing('verify'), algorithm, parsed, message, sig)).toBeUndefined();
    // A key object never imported before: the import itself fails.
    const fresh = { ...parsed } as PublicKey;
    expect(
      nativeVerify(throwing('createPublicKey'), algorithm, fresh, message, sig),
    ).toBeUndefined();
    expect(pureVerify(algorithm, fresh, message, sig)).toBe(true);
  });

  it('an RSA signature one byte short (leading zero dropped) is invalid on both paths (RFC 8017 §8.1.2)', () => {
    const key = keys.rsa!;
    const parsed = publicKeyFromSpki(key.spki);
    const algorithm = requireSignatureAlgorithm(SignatureScheme.rsa_pkcs1_sha256);
    // PKCS#1 v1.5 is deterministic: vary the message until the signature starts with 0x00.
    for (let i = 0; i < 4000; i++) {
      const m = Uint8Array.of(i >> 8, i & 0xff);
      const sig = key.signing.sign(SignatureScheme.rsa_pkcs1_sha256, m, random);
      if (sig[0] !== 0) continue;
      expect(pureVerify(algorithm, parsed, m, sig)).toBe(true);
      expect(nativeVerify(crypto, algorithm, parsed, m, sig)).toBe(true);
      expect(pureVerify(algorithm, parsed, m, sig.subarray(1))).toBe(false);
      expect(nativeVerify(crypto, algorithm, parsed, m, sig.subarray(1))).toBe(false);
      return;
    }
    throw new Error('no signature with a leading zero byte in 4000 tries');
  });

  it('an ECDSA signature in non-minimal DER (a padded INTEGER) is invalid on both paths', () => {
    const key = keys.p256!;
    const parsed = publicKeyFromSpki(key.spki);
    const algorithm = requireSignatureAlgorithm(SignatureScheme.ecdsa_secp256r1_sha256);
    const sig = key.signing.sign(SignatureScheme.ecdsa_secp256r1_sha256, message, random);
    // SEQUENCE { INTEGER r, INTEGER s } with r given one extra leading zero byte.
    const rLength = sig[3]!;
    const r = sig.subarray(4, 4 + rLength);
    const rest = sig.subarray(4 + rLength);
    const padded = Uint8Array.of(0x30, sig[1]! + 1, 0x02, rLength + 1, 0, ...r, ...rest);
    expect(pureVerify(algorithm, parsed, message, padded)).toBe(false);
    expect(nativeVerify(crypto, algorithm, parsed, message, padded)).toBe(false);
  });

  it('an Ed25519 signature with S + L (non-canonical, RFC 8032 §5.1.7) is invalid on both paths', () => {
    const key = keys.ed25519!;
    const parsed = publicKeyFromSpki(key.spki);
    const algorithm = requireSignatureAlgorithm(SignatureScheme.ed25519);
    const sig = key.signing.sign(SignatureScheme.ed25519, message, random);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    const bad = sig.slice();
    let t = s + L;
    for (let i = 32; i < 64; i++) {
      bad[i] = Number(t & 0xffn);
      t >>= 8n;
    }
    expect(pureVerify(algorithm, parsed, message, bad)).toBe(false);
    expect(nativeVerify(crypto, algorithm, parsed, message, bad)).toBe(false);
  });

  it('an id-RSASSA-PSS key verifies rsa_pss_pss_sha256 on both paths', () => {
    const options = { modulusLength: 2048, hashAlgorithm: 'sha256', saltLength: 32 };
    const pair = nodeCrypto.generateKeyPairSync(
      'rsa-pss',
      options as unknown as nodeCrypto.RSAPSSKeyPairKeyObjectOptions,
    );
    const spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
    const sig = nodeCrypto.sign('sha256', message, {
      key: pair.privateKey,
      padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    for (const mode of ['pure', 'node'] as const) {
      using(mode, () => {
        expect(verifySignature(SignatureScheme.rsa_pss_pss_sha256, spki, message, sig)).toBe(true);
        // RFC 8446 §4.2.3: an rsaEncryption scheme does not fit an id-RSASSA-PSS key.
        expect(
          alertOf(() => verifySignature(SignatureScheme.rsa_pss_rsae_sha256, spki, message, sig)),
        ).toMatch(/^illegal_parameter/);
      });
    }
  });

  it('key problems give the same alerts on both paths', () => {
    const p256 = keys.p256!.spki;
    const offCurve = p256.slice();
    offCurve[offCurve.length - 1]! ^= 1;
    const sig = keys.p256!.signing.sign(SignatureScheme.ecdsa_secp256r1_sha256, message, random);
    const problems: [number, Uint8Array][] = [
      [SignatureScheme.ecdsa_secp256r1_sha256, offCurve],
      [SignatureScheme.ecdsa_secp256r1_sha256, p256.subarray(0, 40)],
      [SignatureScheme.ecdsa_secp384r1_sha384, p256],
      [SignatureScheme.ed25519, p256],
      [SignatureScheme.ecdsa_secp521r1_sha512, p256],
    ];
    for (const [scheme, spki] of problems) {
      const pure = using('pure', () => alertOf(() => verifySignature(scheme, spki, message, sig)));
      const native = using('node', () =>
        alertOf(() => verifySignature(scheme, spki, message, sig)),
      );
      expect(pure).not.toBe('no alert');
      expect(native).toBe(pure);
    }
  });
});

describe('the parsed-key cache', () => {
  it('returns the same parsed key for the same SPKI bytes, even in a different array', () => {
    const spki = keys.ed25519!.spki;
    expect(publicKeyFromSpki(spki.slice())).toBe(publicKeyFromSpki(spki.slice()));
  });

  it(`holds at most ${PUBLIC_KEY_CACHE_SIZE} keys, least recently used evicted first`, () => {
    const spkis = Array.from({ length: PUBLIC_KEY_CACHE_SIZE + 1 }, () =>
      parsePrivateKeyPem(
        nodeCrypto
          .generateKeyPairSync('ed25519')
          .privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      ),
    ).map((k) => k.spki);
    const first = publicKeyFromSpki(spkis[0]!);
    const second = publicKeyFromSpki(spkis[1]!);
    publicKeyFromSpki(spkis[0]!); // used again: now the most recent
    for (const spki of spkis.slice(2)) publicKeyFromSpki(spki);
    expect(publicKeyFromSpki(spkis[0]!)).toBe(first);
    expect(publicKeyFromSpki(spkis[1]!)).not.toBe(second);
  });

  it('a cached key cannot be changed through the caller’s SPKI array', () => {
    const spki = keys.p256!.spki.slice();
    const parsed = publicKeyFromSpki(spki);
    spki.fill(0);
    expect(publicKeyFromSpki(keys.p256!.spki)).toBe(parsed);
    expect(parsed.kind === 'ec' && parsed.point[0]).toBe(4);
  });
});

describe('ECDHE: node:crypto and pure agree', () => {
  const groups = [NamedGroup.x25519, NamedGroup.secp256r1];

  it('the same random gives the same share, and every pairing the same secret', () => {
    fc.assert(
      fc.property(fc.constantFrom(...groups), fc.nat(255), fc.nat(255), (group, s1, s2) => {
        const a = using('node', () => generateKeyShare(group, seededRandom(s1)));
        const aPure = using('pure', () => generateKeyShare(group, seededRandom(s1)));
        const b = using('pure', () => generateKeyShare(group, seededRandom(s2 ^ 0x100)));
        expect([...a.publicKey]).toEqual([...aPure.publicKey]);
        expect([...a.privateKey]).toEqual([...aPure.privateKey]);
        const secrets = [
          using('node', () => computeSharedSecret(a, b.publicKey)),
          using('pure', () => computeSharedSecret(a, b.publicKey)),
          using('node', () => computeSharedSecret(b, a.publicKey)),
          using('pure', () => computeSharedSecret(b, aPure.publicKey)),
        ].map((s) => Buffer.from(s).toString('hex'));
        expect(new Set(secrets).size).toBe(1);
        expect(secrets[0]!.length).toBe(64);
      }),
      { numRuns: 60 },
    );
  });

  it('X25519 with any 32 peer bytes: the same secret or the same alert', () => {
    const share = generateKeyShare(NamedGroup.x25519, seededRandom(9));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (peer) => {
        const run = (mode: 'pure' | 'node') =>
          using(mode, () => {
            try {
              return Buffer.from(computeSharedSecret(share, peer)).toString('hex');
            } catch (error) {
              return alertOf(() => {
                throw error;
              });
            }
          });
        expect(run('node')).toBe(run('pure'));
      }),
      { numRuns: 100 },
    );
  });

  // RFC 7748 §6.1 / curve25519 points of small order (libsodium's blocklist), and
  // the same points with the ignored top bit set (RFC 7748 §5).
  const LOW_ORDER_X25519 = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ];

  it('X25519 low-order peer shares: illegal_parameter on both paths (RFC 8446 §7.4.2)', () => {
    const share = generateKeyShare(NamedGroup.x25519, seededRandom(10));
    for (const hex of LOW_ORDER_X25519) {
      for (const high of [false, true]) {
        const peer = Uint8Array.from(Buffer.from(hex, 'hex'));
        if (high) peer[31]! |= 0x80;
        const pure = using('pure', () => alertOf(() => computeSharedSecret(share, peer)));
        const native = using('node', () => alertOf(() => computeSharedSecret(share, peer)));
        expect(pure, hex).toMatch(/^illegal_parameter/);
        expect(native, hex).toBe(pure);
      }
    }
  });

  it('P-256 shares off the curve, out of range or malformed: the same alert on both paths', () => {
    const share = generateKeyShare(NamedGroup.secp256r1, seededRandom(11));
    const peer = generateKeyShare(NamedGroup.secp256r1, seededRandom(12)).publicKey;
    const p = Buffer.from(
      'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff',
      'hex',
    );
    const offCurve = peer.slice();
    offCurve[64]! ^= 1;
    const xIsP = Uint8Array.from([4, ...p, ...peer.subarray(33)]);
    const bad = [
      offCurve,
      xIsP,
      new Uint8Array(65).fill(0, 1).fill(4, 0, 1),
      Uint8Array.of(2, ...peer.subarray(1, 33)),
      peer.subarray(0, 64),
    ];
    for (const share2 of bad) {
      const pure = using('pure', () => alertOf(() => computeSharedSecret(share, share2)));
      const native = using('node', () => alertOf(() => computeSharedSecret(share, share2)));
      expect(pure).toMatch(/^illegal_parameter/);
      expect(native).toBe(pure);
    }
  });

  it('the native scalar multiplications are available here (no silent fallback to pure)', () => {
    const a = using('pure', () => generateKeyShare(NamedGroup.x25519, seededRandom(30)));
    const b = using('pure', () => generateKeyShare(NamedGroup.x25519, seededRandom(31)));
    expect([...nativeX25519PublicKey(crypto, a.privateKey)!]).toEqual([...a.publicKey]);
    const secret = nativeX25519SharedSecret(crypto, a.privateKey, b.publicKey)!;
    expect([...secret]).toEqual([...using('pure', () => computeSharedSecret(b, a.publicKey))]);
    const c = using('pure', () => generateKeyShare(NamedGroup.secp256r1, seededRandom(32)));
    const d = using('pure', () => generateKeyShare(NamedGroup.secp256r1, seededRandom(33)));
    expect([...nativeP256PublicKey(crypto, c.privateKey)!]).toEqual([...c.publicKey]);
    const secret2 = nativeP256SharedSecret(crypto, c.privateKey, d.publicKey)!;
    expect([...secret2]).toEqual([...using('pure', () => computeSharedSecret(d, c.publicKey))]);
  });

  it('a random that reuses one buffer still gives each share its own key', () => {
    const buffers = new Map<number, Uint8Array>();
    const seeded = seededRandom(40);
    const reusing = (n: number) => {
      const buffer = buffers.get(n) ?? new Uint8Array(n);
      buffers.set(n, buffer);
      buffer.set(seeded(n));
      return buffer; // the same array object every time, refilled
    };
    for (const group of groups) {
      const shares = [1, 2].map(() => generateKeyShare(group, reusing));
      const peer = generateKeyShare(group, seededRandom(41));
      for (const share of shares) {
        const pure = using('pure', () => computeSharedSecret(peer, share.publicKey));
        expect([...computeSharedSecret(share, peer.publicKey)]).toEqual([...pure]);
      }
      expect([...shares[0]!.publicKey]).not.toEqual([...shares[1]!.publicKey]);
    }
  });

  it('a share made on one path is usable on the other', () => {
    for (const group of groups) {
      const a: KeyShare = using('pure', () => generateKeyShare(group, seededRandom(20)));
      const b: KeyShare = using('node', () => generateKeyShare(group, seededRandom(21)));
      const ab = using('node', () => computeSharedSecret(a, b.publicKey));
      const ba = using('pure', () => computeSharedSecret(b, a.publicKey));
      expect([...ab]).toEqual([...ba]);
    }
  });
});

describe('work per handshake on the native path', () => {
  /** Counts node:crypto sign/verify calls (the module object the native path calls into). */
  async function count(fn: () => Promise<unknown>): Promise<{ verify: number; sign: number }> {
    const verify = vi.spyOn(crypto, 'verify');
    const sign = vi.spyOn(crypto, 'sign');
    try {
      await fn();
      return { verify: verify.mock.calls.length, sign: sign.mock.calls.length };
    } finally {
      verify.mockRestore();
      sign.mockRestore();
    }
  }

  it('a full handshake verifies each signature once (chain, CertificateVerify) and signs once', async () => {
    const ca = root(testKey('ec-p256', 'root'));
    const inter = intermediate(testKey('ec-p384', 'intermediate'), ca);
    const direct = { rootDer: ca.der, chain: [leaf(testKey('ec-p256', 'leaf'), ca).der] };
    const viaIntermediate = {
      rootDer: ca.der,
      chain: [leaf(testKey('ec-p256', 'leaf'), inter).der, inter.der],
    };
    for (const [pki, signatures] of [
      [direct, 2],
      [viaIntermediate, 3],
    ] as const) {
      const full = { ...pki, keyType: 'ec-p256' as const };
      const calls = await count(() => drive(clientOptions(full), serverOptions(full)));
      expect(calls).toEqual({ verify: signatures, sign: 1 });
    }
  });

  it('a resumed handshake neither signs nor verifies', async () => {
    const ca = root(testKey('ec-p256', 'root'));
    const pki = {
      rootDer: ca.der,
      chain: [leaf(testKey('ec-p256', 'leaf'), ca).der],
      keyType: 'ec-p256' as const,
    };
    const ticket = ticketOf(await drive(clientOptions(pki), serverOptions(pki)));
    const calls = await count(() =>
      drive(clientOptions(pki, { sessionTicket: ticket }), serverOptions(pki)),
    );
    expect(calls).toEqual({ verify: 0, sign: 0 });
  });
});
