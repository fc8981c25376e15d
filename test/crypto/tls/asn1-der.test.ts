import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DerError,
  DerTag,
  encodeDer,
  encodeOid,
  readDerChildren,
  readDerElement,
  readDerWhole,
} from '../../../crypto/tls/asn1-der.js';

describe('DER TLV reader', () => {
  it('round trips encodeDer for short and long lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (content) => {
        const der = encodeDer(DerTag.octetString, content);
        const element = readDerWhole(der, DerTag.octetString);
        expect(element.value).toEqual(content);
        expect(element.encoded).toEqual(der);
      }),
      { numRuns: 30 },
    );
  });

  it('every truncated prefix fails with DerError', () => {
    const der = encodeDer(
      DerTag.sequence,
      encodeDer(DerTag.integer, Uint8Array.of(1)),
      encodeDer(DerTag.octetString, new Uint8Array(300)),
    );
    for (let length = 0; length < der.length; length++) {
      expect(() => readDerWhole(der.subarray(0, length), DerTag.sequence), `${length}`).toThrow(
        DerError,
      );
    }
  });

  it('rejects non-minimal and indefinite lengths, high tags, trailing bytes and wrong tags', () => {
    expect(() => readDerElement(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5))).toThrow(
      /non-minimal/,
    );
    expect(() =>
      readDerElement(Uint8Array.of(0x04, 0x82, 0x00, 0x80, ...new Uint8Array(128))),
    ).toThrow(/non-minimal/);
    expect(() => readDerElement(Uint8Array.of(0x30, 0x80, 0, 0))).toThrow(/length form/);
    expect(() => readDerElement(Uint8Array.of(0x1f, 0x01, 0))).toThrow(/high tag/);
    expect(() => readDerWhole(Uint8Array.of(0x05, 0x00, 0x00), DerTag.null)).toThrow(/trailing/);
    expect(() => readDerWhole(Uint8Array.of(0x05, 0x00), DerTag.sequence)).toThrow(/expected tag/);
  });

  it('bounds the number of children', () => {
    const many = new Uint8Array(20).fill(0).map((_, i) => (i % 2 === 0 ? 0x05 : 0x00));
    expect(readDerChildren(many)).toHaveLength(10);
    expect(() => readDerChildren(many, 9)).toThrow(/more than 9/);
  });

  it('never throws anything but DerError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readDerChildren(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DerError);
        }
      }),
    );
  });

  it('encodes OIDs (X.690 §8.19)', () => {
    expect(Buffer.from(encodeOid('1.2.840.10045.3.1.7')).toString('hex')).toBe(
      '06082a8648ce3d030107',
    );
    expect(Buffer.from(encodeOid('1.3.101.112')).toString('hex')).toBe('06032b6570');
    expect(Buffer.from(encodeOid('2.5.29.37.0')).toString('hex')).toBe('0604551d2500');
  });
});
