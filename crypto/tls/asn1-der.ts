// A minimal, bounds-checked DER TLV reader (ITU-T X.690 §8.1, §10): only
// what certificate handling needs beyond the schema parser, namely the exact
// bytes of TBSCertificate (what the issuer signed) and subjectAltName entries.

export interface DerElement {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  /** Content octets. */
  readonly value: Uint8Array;
  /** Identifier, length and content octets. */
  readonly encoded: Uint8Array;
}

export class DerError extends Error {
  constructor(reason: string) {
    super(`malformed DER: ${reason}`);
    this.name = 'DerError';
  }
}

export const DerTag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Reads one TLV starting at `offset`; throws DerError on any inconsistency. */
export function readDerElement(bytes: Uint8Array, offset = 0): DerElement {
  if (offset + 2 > bytes.length) throw new DerError('truncated header');
  const tag = bytes[offset]!;
  // X.690 §8.1.2.4: tag numbers >= 31 use the high-tag-number form; nothing we read uses them.
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let lengthByte = bytes[offset + 1]!;
  let cursor = offset + 2;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    const count = lengthByte & 0x7f;
    // X.690 §10.1: definite form only; 4 length octets are more than any certificate needs.
    if (count === 0 || count > 4) throw new DerError('unsupported length form');
    if (cursor + count > bytes.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[cursor++]!;
      if (i === 0 && lengthByte === 0) throw new DerError('non-minimal length');
      length = length * 256 + lengthByte;
    }
    if (length < 0x80) throw new DerError('non-minimal length');
  }
  if (cursor + length > bytes.length) throw new DerError('content runs past the end');
  return {
    tag,
    value: bytes.subarray(cursor, cursor + length),
    encoded: bytes.subarray(offset, cursor + length),
  };
}

/** All TLVs in `bytes` back to back (the contents of a SEQUENCE), at most `limit`. */
export function readDerChildren(bytes: Uint8Array, limit = 1024): DerElement[] {
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (children.length >= limit) throw new DerError(`more than ${limit} elements`);
    const child = readDerElement(bytes, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

/** Reads exactly one TLV with the expected tag that spans all of `bytes`. */
export function readDerWhole(bytes: Uint8Array, expectedTag: number): DerElement {
  const element = readDerElement(bytes, 0);
  if (element.tag !== expectedTag) {
    throw new DerError(
      `expected tag 0x${expectedTag.toString(16)}, found 0x${element.tag.toString(16)}`,
    );
  }
  if (element.encoded.length !== bytes.length) throw new DerError('trailing bytes');
  return element;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** Encodes one TLV (definite length). */
export function encodeDer(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const total = contents.reduce((sum, c) => sum + c.length, 0);
  const length = encodeLength(total);
  const out = new Uint8Array(1 + length.length + total);
  out[0] = tag;
  out.set(length, 1);
  let offset = 1 + length.length;
  for (const c of contents) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** OBJECT IDENTIFIER TLV from dotted form (X.690 §8.19). */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((arc) => BigInt(arc));
  if (arcs.length < 2) throw new RangeError(`OID ${oid} has fewer than two arcs`);
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const value of values) {
    const septets: number[] = [];
    let rest = value;
    do {
      septets.unshift(Number(rest & 0x7fn));
      rest >>= 7n;
    } while (rest > 0n);
    for (let i = 0; i < septets.length - 1; i++) septets[i]! |= 0x80;
    out.push(...septets);
  }
  return encodeDer(DerTag.oid, Uint8Array.from(out));
}
