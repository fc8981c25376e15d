import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TlsAlert } from '../../crypto/tls/alert.js';
import { parseCertificate, parsePemCertificates } from '../../crypto/tls/certificate.js';
import { verifyCertificateChain } from '../../crypto/tls/certificate-verifier.js';
import { parsePrivateKeyPem } from '../../crypto/tls/private-key.js';
import { verifySignature } from '../../crypto/tls/signature.js';
import {
  type CertificateKeyType,
  generateCertificateChain,
  generateSelfSignedCertificate,
} from '../../src/self-signed-certificate.js';

const KEY_TYPES: CertificateKeyType[] = ['ec-p256', 'ec-p384', 'ed25519', 'rsa'];
const random = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));

describe('generateSelfSignedCertificate', () => {
  it.each(KEY_TYPES)(
    '%s: OpenSSL accepts it, its key matches, our verifier trusts it as ca or by pin',
    async (keyType) => {
      const generated = await generateSelfSignedCertificate({ keyType });
      const x509 = new nodeCrypto.X509Certificate(generated.certificatePem);
      expect(x509.verify(x509.publicKey)).toBe(true);
      expect(x509.checkPrivateKey(nodeCrypto.createPrivateKey(generated.privateKeyPem))).toBe(true);
      expect(x509.subjectAltName).toBe(
        'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      );
      expect(new Uint8Array(x509.raw)).toEqual(generated.certificateDer);
      expect(generated.sha256).toEqual(
        new Uint8Array(nodeCrypto.createHash('sha256').update(x509.raw).digest()),
      );

      const now = Date.now();
      for (const serverName of ['localhost', '127.0.0.1', '::1']) {
        verifyCertificateChain([generated.certificateDer], {
          serverName,
          trustAnchors: parsePemCertificates(generated.certificatePem),
          currentTimeMs: now,
        });
      }
      verifyCertificateChain([generated.certificateDer], {
        pinnedSha256: [generated.sha256],
        currentTimeMs: now,
      });
      expect(() =>
        verifyCertificateChain([generated.certificateDer], {
          serverName: 'example.com',
          trustAnchors: [generated.certificateDer],
          currentTimeMs: now,
        }),
      ).toThrow(TlsAlert);

      // The key signs CertificateVerify content that verifies with the certificate's key.
      const key = parsePrivateKeyPem(generated.privateKeyPem);
      const scheme = key.schemes[0]!;
      const content = new Uint8Array(100).fill(0x20);
      const spki = parseCertificate(generated.certificateDer).spki;
      expect(verifySignature(scheme, spki, content, key.sign(scheme, content, random))).toBe(true);
    },
  );

  it('defaults to 14 days of validity, backdated by a minute, and honours names and validityDays', async () => {
    const before = Date.now();
    const generated = await generateSelfSignedCertificate();
    const parsed = parseCertificate(generated.certificateDer);
    expect(parsed.notAfter - parsed.notBefore).toBe(14 * 86_400_000);
    expect(parsed.notBefore).toBeLessThanOrEqual(before);
    const custom = await generateSelfSignedCertificate({
      names: ['dev.test', '*.dev.test', '10.1.2.3'],
      validityDays: 2,
    });
    const x509 = new nodeCrypto.X509Certificate(custom.certificatePem);
    expect(x509.subjectAltName).toBe('DNS:dev.test, DNS:*.dev.test, IP Address:10.1.2.3');
    const p = parseCertificate(custom.certificateDer);
    expect(p.notAfter - p.notBefore).toBe(2 * 86_400_000);
  });

  it('rejects bad options with a TypeError naming the field and value', async () => {
    await expect(
      generateSelfSignedCertificate({ keyType: 'dsa' as CertificateKeyType }),
    ).rejects.toThrow(/keyType: .*"dsa"/);
    await expect(generateSelfSignedCertificate({ names: [] })).rejects.toThrow(/names: /);
    await expect(generateSelfSignedCertificate({ names: ['a b'] })).rejects.toThrow(/names: "a b"/);
    await expect(generateSelfSignedCertificate({ names: ['bücher.example'] })).rejects.toThrow(
      /A-labels/,
    );
    await expect(generateSelfSignedCertificate({ validityDays: 0 })).rejects.toThrow(
      /validityDays: .*0/,
    );
    await expect(generateSelfSignedCertificate({ validityDays: Number.NaN })).rejects.toThrow(
      /validityDays/,
    );
  });
});

describe('generateCertificateChain', () => {
  it.each([0, 1, 2])(
    'root, %i intermediates and a leaf verify, and OpenSSL agrees on each link',
    async (intermediates) => {
      const chain = await generateCertificateChain({
        intermediates,
        names: ['server.test'],
        caKeyType: 'ec-p384',
      });
      expect(chain.certificateChainDer).toHaveLength(1 + intermediates);
      expect(parsePemCertificates(chain.certificatePem)).toEqual(chain.certificateChainDer);
      const links = [...chain.certificateChainDer, chain.rootCertificateDer].map(
        (d) => new nodeCrypto.X509Certificate(d),
      );
      for (let i = 0; i + 1 < links.length; i++)
        expect(links[i]!.verify(links[i + 1]!.publicKey)).toBe(true);
      verifyCertificateChain(chain.certificateChainDer, {
        serverName: 'server.test',
        trustAnchors: parsePemCertificates(chain.rootCertificatePem),
        currentTimeMs: Date.now(),
      });
      // Without the root it is an unknown CA.
      expect(() =>
        verifyCertificateChain(chain.certificateChainDer, {
          serverName: 'server.test',
          currentTimeMs: Date.now(),
        }),
      ).toThrow(/unknown_ca/);
    },
  );

  it('an RSA CA chain', async () => {
    const chain = await generateCertificateChain({ caKeyType: 'rsa', keyType: 'ed25519' });
    verifyCertificateChain(chain.certificateChainDer, {
      serverName: 'localhost',
      trustAnchors: [chain.rootCertificateDer],
      currentTimeMs: Date.now(),
    });
    expect(parsePrivateKeyPem(chain.privateKeyPem).keyType).toBe('ed25519');
  });

  it('rejects a bad intermediates count', async () => {
    await expect(generateCertificateChain({ intermediates: 4 })).rejects.toThrow(
      /intermediates: .*4/,
    );
  });
});
