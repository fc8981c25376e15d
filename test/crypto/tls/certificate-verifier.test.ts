import * as nodeCrypto from 'node:crypto';
import { rootCertificates } from 'node:tls';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import {
  certificateSpki,
  parseCertificate,
  parsePemCertificates,
} from '../../../crypto/tls/certificate.js';
import {
  type CertificateVerificationOptions,
  verifyCertificateChain,
} from '../../../crypto/tls/certificate-verifier.js';
import { publicKeyFromSpki, verifyWithAlgorithm } from '../../../crypto/tls/signature.js';
import { SignatureScheme } from '../../../crypto/tls/signature-scheme.js';
import { buildCertificate, ExtendedKeyUsageOid } from '../../../src/certificate-builder.js';
import {
  DAY,
  intermediate,
  issue,
  leaf,
  NOW,
  random,
  root,
  type TestKeyType,
  testKey,
} from '../../fixtures/tls/chains.js';

function verify(chain: Uint8Array[], options: Partial<CertificateVerificationOptions>): void {
  verifyCertificateChain(chain, { currentTimeMs: NOW, serverName: 'server.example', ...options });
}

function alertOf(fn: () => void): TlsAlert {
  try {
    fn();
  } catch (error) {
    if (error instanceof TlsAlert) return error;
    throw error;
  }
  throw new Error('expected a TlsAlert');
}

function expectAlert(fn: () => void, name: string, message?: RegExp): TlsAlert {
  const alert = alertOf(fn);
  expect(alert.alertName, alert.message).toBe(name);
  if (message) expect(alert.message).toMatch(message);
  return alert;
}

function nodeVerifies(child: Uint8Array, issuer: Uint8Array): boolean {
  return new nodeCrypto.X509Certificate(child).verify(
    new nodeCrypto.X509Certificate(issuer).publicKey,
  );
}

const KEY_TYPES: TestKeyType[] = ['ec-p256', 'ec-p384', 'ed25519', 'rsa'];

describe('chains that verify', () => {
  it.each(KEY_TYPES)(
    '1 certificate: a self-signed %s leaf configured as the trust anchor',
    (type) => {
      const self = issue(
        {
          commonName: 'self',
          names: ['server.example'],
          ca: false,
          keyUsage: ['digitalSignature'],
        },
        testKey(type, 'self'),
      );
      expect(nodeVerifies(self.der, self.der)).toBe(true);
      verify([self.der], { trustAnchors: [self.der] });
    },
  );

  it.each(KEY_TYPES)('2 certificates: %s root signs the leaf', (type) => {
    const ca = root(testKey(type, 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), ca);
    expect(nodeVerifies(server.der, ca.der)).toBe(true);
    verify([server.der], { trustAnchors: [ca.der] });
    // The root may also be sent by the server (RFC 8446 §4.4.2 allows it).
    verify([server.der, ca.der], { trustAnchors: [ca.der] });
  });

  it.each(KEY_TYPES)('3 certificates: %s intermediate between a root and the leaf', (type) => {
    const ca = root(testKey('rsa', 'root'));
    const mid = intermediate(testKey(type, 'mid'), ca);
    const server = leaf(testKey('ed25519', 'leaf'), mid);
    expect(nodeVerifies(mid.der, ca.der)).toBe(true);
    expect(nodeVerifies(server.der, mid.der)).toBe(true);
    verify([server.der, mid.der], { trustAnchors: [ca.der] });
  });

  it.each([
    ['rsa_pkcs1_sha384', SignatureScheme.rsa_pkcs1_sha384],
    ['rsa_pkcs1_sha512', SignatureScheme.rsa_pkcs1_sha512],
    ['RSASSA-PSS sha256', SignatureScheme.rsa_pss_rsae_sha256],
    ['RSASSA-PSS sha512', SignatureScheme.rsa_pss_rsae_sha512],
  ])('RSA issuers signing with %s', (_, scheme) => {
    const ca = root(testKey('rsa', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), ca, { signatureScheme: scheme });
    expect(nodeVerifies(server.der, ca.der)).toBe(true);
    verify([server.der], { trustAnchors: [ca.der] });
  });

  it('a 4096-bit RSA root', () => {
    const ca = root(testKey('rsa-4096', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), ca);
    verify([server.der], { trustAnchors: [ca.der] });
  });

  it('intermediates out of order, with an unrelated extra certificate', () => {
    const ca = root(testKey('ec-p256', 'root'));
    const mid1 = intermediate(testKey('ec-p256', 'mid1'), ca, { commonName: 'Mid 1' });
    const mid2 = intermediate(testKey('ec-p384', 'mid2'), mid1, { commonName: 'Mid 2' });
    const server = leaf(testKey('ec-p256', 'leaf'), mid2);
    const stranger = root(testKey('ed25519', 'stranger'), { commonName: 'Stranger' });
    verify([server.der, stranger.der, mid1.der, mid2.der], { trustAnchors: [ca.der] });
  });

  it('picks the right anchor among several with the same name', () => {
    const wrong = root(testKey('ec-p256', 'wrong-root'));
    const right = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), right);
    verify([server.der], { trustAnchors: [wrong.der, right.der] });
  });

  it('accepts IP address and wildcard server names', () => {
    const ca = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), ca);
    for (const serverName of [
      '192.0.2.7',
      '2001:db8::7',
      '[2001:DB8:0::7]',
      'x.api.example',
      'SERVER.example.',
    ]) {
      verify([server.der], { trustAnchors: [ca.der], serverName });
    }
  });

  it('accepts anyExtendedKeyUsage and leaves without key usage extensions', () => {
    const ca = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), ca, {
      extendedKeyUsage: ['2.5.29.37.0'],
      keyUsage: undefined,
    });
    verify([server.der], { trustAnchors: [ca.der] });
  });

  it('checks clientAuth when asked to', () => {
    const ca = root(testKey('ec-p256', 'root'));
    const client = leaf(testKey('ec-p256', 'leaf'), ca, {
      extendedKeyUsage: [ExtendedKeyUsageOid.clientAuth],
    });
    verify([client.der], { trustAnchors: [ca.der], serverName: undefined, purpose: 'clientAuth' });
    expectAlert(
      () => verify([client.der], { trustAnchors: [ca.der] }),
      'bad_certificate',
      /serverAuth/,
    );
  });

  it('an intermediate within its pathLen constraint', () => {
    const ca = root(testKey('ec-p256', 'root'), { pathLength: 1 });
    const mid = intermediate(testKey('ec-p256', 'mid'), ca, { pathLength: 0 });
    const server = leaf(testKey('ec-p256', 'leaf'), mid);
    verify([server.der, mid.der], { trustAnchors: [ca.der] });
  });

  it('name constraints that permit the leaf names', () => {
    const ca = root(testKey('ec-p256', 'root'));
    const mid = intermediate(testKey('ec-p256', 'mid'), ca, {
      permittedDnsNames: ['server.example', 'api.example'],
    });
    const server = leaf(testKey('ec-p256', 'leaf'), mid, {
      names: ['server.example', '*.api.example'],
    });
    verify([server.der, mid.der], { trustAnchors: [ca.der] });
  });

  it('parses every root in node:tls rootCertificates', () => {
    const anchors = rootCertificates.flatMap((pem) => parsePemCertificates(pem));
    expect(anchors.length).toBeGreaterThan(100);
    for (const der of anchors) expect(() => parseCertificate(der)).not.toThrow();
    // And a private chain still verifies with the system store added to the anchors.
    const ca = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), ca);
    verify([server.der], { trustAnchors: [...anchors, ca.der] });
    expectAlert(
      () => verify([server.der], { trustAnchors: anchors }),
      'unknown_ca',
      /not a trusted root/,
    );
  });
});

describe('real-world certificates: the node:tls root store', () => {
  it('every self-signature verifies, except SHA-1 ones (unsupported, harmless for anchors)', () => {
    const tally = new Map<string, number>();
    for (const pem of rootCertificates) {
      const certificate = parseCertificate(parsePemCertificates(pem)[0]!);
      const algorithm = certificate.signatureAlgorithm;
      let outcome: string;
      if (!algorithm) {
        outcome = `unsupported ${certificate.signatureAlgorithmOid}`;
      } else {
        const key = publicKeyFromSpki(certificate.spki);
        const ok = verifyWithAlgorithm(algorithm, key, certificate.tbs, certificate.signature);
        outcome = `${algorithm.family} ${algorithm.hash} ${ok ? 'verifies' : 'FAILS'}`;
      }
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
    const outcomes = [...tally.keys()];
    expect(outcomes.filter((o) => o.endsWith('FAILS'))).toEqual([]);
    expect(outcomes.filter((o) => o.startsWith('unsupported'))).toEqual([
      'unsupported 1.2.840.113549.1.1.5',
    ]);
    // RSA PKCS#1 with SHA-256/384/512 and ECDSA with SHA-256/384 all occur in the store.
    for (const expected of [
      'rsa-pkcs1 sha256',
      'rsa-pkcs1 sha384',
      'rsa-pkcs1 sha512',
      'ecdsa sha256',
      'ecdsa sha384',
    ]) {
      expect(tally.get(`${expected} verifies`), expected).toBeGreaterThan(0);
    }
  });
});

describe('rejections', () => {
  const ca = () => root(testKey('ec-p256', 'root'));

  it('no trust anchors: unknown_ca, saying how to fix it', () => {
    const server = leaf(testKey('ec-p256', 'leaf'), ca());
    expectAlert(() => verify([server.der], {}), 'unknown_ca', /no trust anchors/);
  });

  it('a chain to a root that is not trusted: unknown_ca', () => {
    const other = root(testKey('ec-p256', 'other'), { commonName: 'Other Root' });
    const mid = intermediate(testKey('ec-p256', 'mid'), ca());
    const server = leaf(testKey('ec-p256', 'leaf'), mid);
    expectAlert(
      () => verify([server.der, mid.der], { trustAnchors: [other.der] }),
      'unknown_ca',
      /"server.example" chains to "Test Root CA" \(the issuer of "Test Intermediate CA"\), which is not a trusted root/,
    );
  });

  it('a self-signed leaf that is not an anchor: unknown_ca', () => {
    const self = issue(
      { commonName: 'self', names: ['server.example'] },
      testKey('ec-p256', 'self'),
    );
    expectAlert(
      () => verify([self.der], { trustAnchors: [ca().der] }),
      'unknown_ca',
      /self-signed "self"/,
    );
  });

  it('a missing intermediate: unknown_ca', () => {
    const mid = intermediate(testKey('ec-p256', 'mid'), ca());
    const server = leaf(testKey('ec-p256', 'leaf'), mid);
    expectAlert(() => verify([server.der], { trustAnchors: [ca().der] }), 'unknown_ca');
  });

  it('expired and not yet valid leaves: certificate_expired with the dates', () => {
    const root1 = ca();
    const expired = leaf(testKey('ec-p256', 'leaf'), root1, { notAfter: NOW - DAY });
    expectAlert(
      () => verify([expired.der], { trustAnchors: [root1.der] }),
      'certificate_expired',
      /expired on 2025-12-31/,
    );
    const future = leaf(testKey('ec-p256', 'leaf'), root1, { notBefore: NOW + DAY });
    expectAlert(
      () => verify([future.der], { trustAnchors: [root1.der] }),
      'certificate_expired',
      /not valid before 2026-01-02/,
    );
  });

  it('an expired intermediate or root: certificate_expired', () => {
    const root1 = ca();
    const mid = intermediate(testKey('ec-p256', 'mid'), root1, { notAfter: NOW - 1000 });
    const server = leaf(testKey('ec-p256', 'leaf'), mid);
    expectAlert(
      () => verify([server.der, mid.der], { trustAnchors: [root1.der] }),
      'certificate_expired',
    );
    const oldRoot = root(testKey('ec-p256', 'root'), { notAfter: NOW - 1000 });
    const server2 = leaf(testKey('ec-p256', 'leaf'), oldRoot);
    expectAlert(
      () => verify([server2.der], { trustAnchors: [oldRoot.der] }),
      'certificate_expired',
    );
  });

  it('name mismatch: bad_certificate naming the expected and the presented names', () => {
    const root1 = ca();
    const server = leaf(testKey('ec-p256', 'leaf'), root1, { names: ['a.example', 'b.example'] });
    expectAlert(
      () => verify([server.der], { trustAnchors: [root1.der], serverName: 'c.example' }),
      'bad_certificate',
      /certificate is for a\.example, b\.example; expected c\.example/,
    );
  });

  it('no fallback to the common name when there is no subjectAltName', () => {
    const root1 = ca();
    const server = leaf(testKey('ec-p256', 'leaf'), root1, { names: [] });
    expectAlert(
      () => verify([server.der], { trustAnchors: [root1.der], serverName: 'server.example' }),
      'bad_certificate',
      /no subjectAltName names; expected server\.example/,
    );
  });

  it('an IP server name does not match a dNSName holding the same text', () => {
    const root1 = ca();
    const server = leaf(testKey('ec-p256', 'leaf'), root1, { names: ['server.example'] });
    const tricky = issue(
      { commonName: '10.0.0.1', names: ['server.example'] },
      testKey('ec-p256', 'leaf'),
      root1,
    );
    expectAlert(
      () => verify([server.der], { trustAnchors: [root1.der], serverName: '10.0.0.1' }),
      'bad_certificate',
    );
    expectAlert(
      () => verify([tricky.der], { trustAnchors: [root1.der], serverName: '10.0.0.1' }),
      'bad_certificate',
    );
  });

  it('an intermediate that is not a CA, or has no basicConstraints: bad_certificate', () => {
    const root1 = ca();
    for (const template of [{ ca: false }, { ca: undefined }]) {
      const mid = intermediate(testKey('ec-p256', 'mid'), root1, template);
      const server = leaf(testKey('ec-p256', 'leaf'), mid);
      expectAlert(
        () => verify([server.der, mid.der], { trustAnchors: [root1.der] }),
        'bad_certificate',
        /is not a CA/,
      );
    }
  });

  it('pathLen exceeded: bad_certificate', () => {
    const root1 = root(testKey('ec-p256', 'root'), { pathLength: 0 });
    const mid = intermediate(testKey('ec-p256', 'mid'), root1);
    const server = leaf(testKey('ec-p256', 'leaf'), mid);
    expectAlert(
      () => verify([server.der, mid.der], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /allows 0 intermediate certificates below it, the chain has 1/,
    );
  });

  it('an issuer without keyCertSign: bad_certificate', () => {
    const root1 = ca();
    const mid = intermediate(testKey('ec-p256', 'mid'), root1, { keyUsage: ['digitalSignature'] });
    const server = leaf(testKey('ec-p256', 'leaf'), mid);
    expectAlert(
      () => verify([server.der, mid.der], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /keyUsage/,
    );
  });

  it('a leaf whose key usage lacks digitalSignature, or whose EKU lacks serverAuth: bad_certificate', () => {
    const root1 = ca();
    const noSign = leaf(testKey('ec-p256', 'leaf'), root1, { keyUsage: ['keyEncipherment'] });
    expectAlert(
      () => verify([noSign.der], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /digitalSignature/,
    );
    const codeSigning = leaf(testKey('ec-p256', 'leaf'), root1, {
      extendedKeyUsage: [ExtendedKeyUsageOid.codeSigning],
    });
    expectAlert(
      () => verify([codeSigning.der], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /serverAuth/,
    );
  });

  it('an unknown critical extension: unsupported_certificate', () => {
    const root1 = ca();
    const extra = [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(5, 0) }];
    const server = leaf(testKey('ec-p256', 'leaf'), root1, { extraExtensions: extra });
    expectAlert(
      () => verify([server.der], { trustAnchors: [root1.der] }),
      'unsupported_certificate',
      /1\.3\.6\.1\.4\.1\.99999\.1/,
    );
    // The same extension, not critical, is ignored.
    const fine = leaf(testKey('ec-p256', 'leaf'), root1, {
      extraExtensions: [{ ...extra[0]!, critical: false }],
    });
    verify([fine.der], { trustAnchors: [root1.der] });
  });

  it('name constraints that exclude or do not permit the leaf: bad_certificate', () => {
    const root1 = ca();
    const permitOther = intermediate(testKey('ec-p256', 'mid'), root1, {
      permittedDnsNames: ['other.example'],
    });
    const server1 = leaf(testKey('ec-p256', 'leaf'), permitOther);
    expectAlert(
      () => verify([server1.der, permitOther.der], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /outside/,
    );
    const exclude = intermediate(testKey('ec-p256', 'mid'), root1, {
      excludedDnsNames: ['api.example'],
    });
    const server2 = leaf(testKey('ec-p256', 'leaf'), exclude);
    expectAlert(
      () => verify([server2.der, exclude.der], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /excluded/,
    );
  });

  it('a forged signature: decrypt_error', () => {
    const root1 = ca();
    for (const type of KEY_TYPES) {
      const server = leaf(testKey(type, 'leaf'), root1);
      const forged = server.der.slice();
      forged[forged.length - 5]! ^= 0x01;
      expectAlert(
        () => verify([forged], { trustAnchors: [root1.der] }),
        'decrypt_error',
        /does not verify/,
      );
    }
  });

  it('a certificate signed by a different key under the trusted name: decrypt_error', () => {
    const trusted = root(testKey('rsa', 'root'));
    const impostor = root(testKey('rsa', 'impostor'));
    const server = leaf(testKey('ec-p256', 'leaf'), impostor);
    expectAlert(() => verify([server.der], { trustAnchors: [trusted.der] }), 'decrypt_error');
  });

  it('an unsupported signature algorithm: unsupported_certificate', () => {
    const root1 = ca();
    const server = leaf(testKey('ec-p256', 'leaf'), root1);
    // ecdsa-with-SHA256 (1.2.840.10045.4.3.2) -> ecdsa-with-SHA224 (...4.3.1), in both places.
    const oid = Buffer.from('2a8648ce3d040302', 'hex');
    const patched = Buffer.from(server.der);
    let at = patched.indexOf(oid);
    let count = 0;
    while (at >= 0) {
      patched[at + 7] = 0x01;
      count++;
      at = patched.indexOf(oid, at + 1);
    }
    expect(count).toBe(2);
    expectAlert(
      () => verify([new Uint8Array(patched)], { trustAnchors: [root1.der] }),
      'unsupported_certificate',
      /1\.2\.840\.10045\.4\.3\.1/,
    );
  });

  it('an unsupported leaf key (P-521): unsupported_certificate', () => {
    const root1 = ca();
    const p521 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey;
    const server = leaf(testKey('ec-p256', 'leaf'), root1, {
      subjectSpki: new Uint8Array(p521.export({ type: 'spki', format: 'der' })),
    });
    expectAlert(
      () => verify([server.der], { trustAnchors: [root1.der] }),
      'unsupported_certificate',
      /P-521/,
    );
  });

  it('unparsable certificates and every truncated prefix: bad_certificate', () => {
    const root1 = ca();
    const server = leaf(testKey('ec-p256', 'leaf'), root1);
    expectAlert(
      () => verify([new Uint8Array([1, 2, 3])], { trustAnchors: [root1.der] }),
      'bad_certificate',
    );
    for (let length = 0; length < server.der.length; length++) {
      expectAlert(
        () => verify([server.der.subarray(0, length)], { trustAnchors: [root1.der] }),
        'bad_certificate',
      );
    }
  });

  it('bounds: an empty chain, more than 10 certificates, a certificate over 64 KiB', () => {
    const root1 = ca();
    const server = leaf(testKey('ec-p256', 'leaf'), root1);
    expectAlert(
      () => verify([], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /no certificate/,
    );
    expectAlert(
      () => verify(Array(11).fill(server.der), { trustAnchors: [root1.der] }),
      'bad_certificate',
      /11 certificates/,
    );
    const big = buildCertificate(
      {
        commonName: 'big',
        notBefore: NOW - DAY,
        notAfter: NOW + DAY,
        subjectSpki: testKey('ec-p256', 'leaf').spki,
        extraExtensions: [
          { oid: '1.3.6.1.4.1.99999.2', critical: false, value: new Uint8Array(70_000) },
        ],
      },
      { subject: root1.subject, key: root1.key },
      random,
    );
    expectAlert(
      () => verify([big], { trustAnchors: [root1.der] }),
      'bad_certificate',
      /65536 allowed/,
    );
  });

  it('a long chain of intermediates is bounded (no exponential search)', () => {
    const root1 = ca();
    let issuer = root1;
    const mids: Uint8Array[] = [];
    for (let i = 0; i < 9; i++) {
      issuer = intermediate(testKey('ec-p256', 'mid'), issuer);
      mids.push(issuer.der);
    }
    const server = leaf(testKey('ec-p256', 'leaf'), issuer);
    // Same name and key at every level: every intermediate is a valid issuer of every other.
    verify([server.der, ...mids.reverse()], { trustAnchors: [root1.der] });
    // Without the right anchor the search would try 9! orderings; the candidate budget stops it.
    const other = root(testKey('ec-p256', 'other'));
    const alert = alertOf(() => verify([server.der, ...mids], { trustAnchors: [other.der] }));
    expect(['unknown_ca', 'bad_certificate', 'decrypt_error']).toContain(alert.alertName);
  });
});

describe('pinning and the opt-out', () => {
  const sha256 = (der: Uint8Array) =>
    new Uint8Array(nodeCrypto.createHash('sha256').update(der).digest());

  it('a pinned leaf is accepted without anchors or name match', () => {
    const self = issue({ commonName: 'dev', names: ['localhost'] }, testKey('ec-p256', 'self'));
    verify([self.der], {
      pinnedSha256: [new Uint8Array(32), sha256(self.der)],
      serverName: 'elsewhere.example',
    });
  });

  it('a pin that does not match is bad_certificate, even if the chain would verify', () => {
    const root1 = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), root1);
    expectAlert(
      () => verify([server.der], { trustAnchors: [root1.der], pinnedSha256: [new Uint8Array(32)] }),
      'bad_certificate',
      /matches none of the 1 pinned hashes/,
    );
  });

  it('a pinned but expired leaf is certificate_expired', () => {
    const self = issue({ commonName: 'dev', notAfter: NOW - 1 }, testKey('ec-p256', 'self'));
    expectAlert(
      () => verify([self.der], { pinnedSha256: [sha256(self.der)] }),
      'certificate_expired',
    );
  });

  it('dangerouslySkipVerification accepts anything', () => {
    verify([new Uint8Array([0xde, 0xad])], { dangerouslySkipVerification: true });
  });

  it('bad options are TypeErrors naming the field', () => {
    expect(() => verifyCertificateChain([], {} as CertificateVerificationOptions)).toThrow(
      /currentTimeMs/,
    );
    expect(() => verifyCertificateChain([], { currentTimeMs: NOW, serverName: '' })).toThrow(
      TypeError,
    );
    expect(() =>
      verifyCertificateChain([], {
        currentTimeMs: NOW,
        trustAnchors: ['pem' as unknown as Uint8Array],
      }),
    ).toThrow(/trustAnchors\[0\]: expected DER bytes/);
    expect(() =>
      verifyCertificateChain([], { currentTimeMs: NOW, pinnedSha256: [new Uint8Array(20)] }),
    ).toThrow(/pinnedSha256\[0\]: expected 32 bytes of SHA-256, got 20 bytes/);
  });
});

describe('certificate helpers', () => {
  it('certificateSpki returns the subject public key info', () => {
    const root1 = root(testKey('ec-p384', 'root'));
    expect(certificateSpki(root1.der)).toEqual(testKey('ec-p384', 'root').spki);
    expect(() => certificateSpki(new Uint8Array(4))).toThrow(TlsAlert);
  });

  it('parsePemCertificates returns every CERTIFICATE block in order, and rejects junk', () => {
    const a = root(testKey('ec-p256', 'root'));
    const b = root(testKey('ed25519', 'root'));
    const pem = [a.der, b.der]
      .map(
        (der) =>
          `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`,
      )
      .join('junk between blocks\n');
    expect(parsePemCertificates(pem)).toEqual([a.der, b.der]);
    expect(parsePemCertificates(new TextEncoder().encode(pem))).toEqual([a.der, b.der]);
    expect(parsePemCertificates(a.der)).toEqual([a.der]);
    expect(() => parsePemCertificates('hello')).toThrow(/no "-----BEGIN CERTIFICATE-----" block/);
    expect(() =>
      parsePemCertificates('-----BEGIN CERTIFICATE-----\nAB$C\n-----END CERTIFICATE-----'),
    ).toThrow(TypeError);
  });
});

describe('property: the verifier only ever throws TlsAlert', () => {
  it('for random bytes and for mutated certificates', () => {
    const root1 = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey('ec-p256', 'leaf'), root1);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(fc.nat(server.der.length - 1), fc.integer({ min: 1, max: 255 }))
            .map(([at, x]) => {
              const copy = server.der.slice();
              copy[at]! ^= x;
              return copy;
            }),
        ),
        (der) => {
          try {
            verify([der], { trustAnchors: [root1.der] });
          } catch (error) {
            expect(error).toBeInstanceOf(TlsAlert);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('isoDate (error messages, computed without Date)', () => {
  it('equals Date.prototype.toISOString for any time Date can represent', async () => {
    const { isoDate } = await import('../../../crypto/tls/certificate-verifier.js');
    const fcModule = await import('fast-check');
    const fc = fcModule.default;
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoDate(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
    for (const ms of [0, -1, 951782400000, 4107542399999, Date.UTC(2026, 0, 1)]) {
      expect(isoDate(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoDate(Number.NaN)).toBe('NaN');
  });
});
