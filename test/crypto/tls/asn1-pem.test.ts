import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodePem, encodeBase64, encodePem } from '../../../crypto/tls/asn1-pem.js';

describe('base64 (RFC 4648 §4)', () => {
  it('round trips and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(text)).toEqual(bytes);
      }),
    );
  });

  it('rejects bad characters, bad lengths and misplaced padding', () => {
    for (const bad of ['A', 'AB', 'ABC', 'AB$=', 'A=BC', '=ABC', 'AB=C', 'ÄBCD']) {
      expect(() => decodeBase64(bad), bad).toThrow();
    }
  });
});

describe('PEM (RFC 7468)', () => {
  it('round trips with 64-character lines', () => {
    const der = Uint8Array.from({ length: 100 }, (_, i) => i);
    const pem = encodePem('CERTIFICATE', der);
    expect(pem.split('\n')[1]).toHaveLength(64);
    expect(decodePem(pem)).toEqual([{ label: 'CERTIFICATE', der }]);
  });

  it('ignores text between blocks and bounds the number of blocks', () => {
    const block = encodePem('X', Uint8Array.of(1));
    expect(decodePem(`hello\n${block}between\n${block}`)).toHaveLength(2);
    expect(() => decodePem(block.repeat(3), 2)).toThrow(/more than 2 PEM blocks/);
  });

  it('rejects legacy encrypted PEM', () => {
    const pem =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n';
    expect(() => decodePem(pem)).toThrow(/encrypted/);
  });
});
