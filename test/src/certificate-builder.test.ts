import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyUsageBit, parseCertificate } from '../../crypto/tls/certificate.js';
import { ExtendedKeyUsageOid } from '../../src/certificate-builder.js';
import { intermediate, leaf, root, testKey } from '../fixtures/tls/chains.js';

describe('buildCertificate', () => {
  it('writes the extensions OpenSSL and our parser read back', () => {
    const ca = root(testKey('ec-p256', 'root'), { pathLength: 2 });
    const mid = intermediate(testKey('ed25519', 'mid'), ca, {
      permittedDnsNames: ['example'],
      excludedDnsNames: ['bad.example'],
    });
    const server = leaf(testKey('rsa', 'leaf'), mid, {
      extendedKeyUsage: [ExtendedKeyUsageOid.serverAuth, ExtendedKeyUsageOid.clientAuth],
    });

    const nodeCa = new nodeCrypto.X509Certificate(ca.der);
    const nodeLeaf = new nodeCrypto.X509Certificate(server.der);
    expect(nodeCa.ca).toBe(true);
    expect(nodeLeaf.ca).toBe(false);
    expect(nodeLeaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(nodeLeaf.subjectAltName).toBe(
      'DNS:server.example, DNS:*.api.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7',
    );
    expect(nodeLeaf.checkIssued(new nodeCrypto.X509Certificate(mid.der))).toBe(true);
    expect(nodeLeaf.verify(new nodeCrypto.X509Certificate(mid.der).publicKey)).toBe(true);
    expect(nodeLeaf.subject).toBe('CN=server.example');

    const parsedCa = parseCertificate(ca.der);
    expect(parsedCa.basicConstraints).toEqual({ ca: true, pathLength: 2 });
    expect([...parsedCa.keyUsage!].sort()).toEqual([KeyUsageBit.keyCertSign, 6]);
    const parsedMid = parseCertificate(mid.der);
    expect(parsedMid.permitted?.dns).toEqual(['example']);
    expect(parsedMid.excluded?.dns).toEqual(['bad.example']);
    const parsedLeaf = parseCertificate(server.der);
    expect(parsedLeaf.keyUsage).toEqual(new Set([KeyUsageBit.digitalSignature]));
    expect(parsedLeaf.dnsNames).toEqual(['server.example', '*.api.example']);
    expect(parsedLeaf.ipAddresses.map((a) => a.length)).toEqual([4, 16]);
    expect(parsedLeaf.signatureAlgorithm).toEqual({ family: 'ed25519', hash: 'sha512' });
  });

  it('uses GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5)', () => {
    const ca = root(testKey('ec-p256', 'root'), { notAfter: Date.UTC(2051, 5, 1) });
    expect(parseCertificate(ca.der).notAfter).toBe(Date.UTC(2051, 5, 1));
    expect(Buffer.from(ca.der).includes(Buffer.from('20510601000000Z'))).toBe(true);
  });
});
