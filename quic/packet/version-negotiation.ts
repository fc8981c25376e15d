// Version Negotiation packets (RFC 9000 §17.2.1, RFC 8999 §6).
//
//   encodeVersionNegotiation({ dcid, scid, versions, unusedBits }): Uint8Array
//   decodeVersionNegotiation(datagram): { dcid, scid, versions } | undefined
//
// The server echoes the client's SCID as DCID and its DCID as SCID; both may
// be up to 255 bytes (RFC 8999 §5.1: other versions may use longer CIDs).

import { parseInvariantHeader } from './packet-header.js';

export interface VersionNegotiation {
  dcid: Uint8Array;
  scid: Uint8Array;
  versions: number[];
}

export interface VersionNegotiationFields extends VersionNegotiation {
  /** Random value for the 7 unused bits of byte 0 (e.g. random(1)[0]). */
  unusedBits: number;
}

export function encodeVersionNegotiation(fields: VersionNegotiationFields): Uint8Array {
  const { dcid, scid, versions } = fields;
  if (dcid.length > 255 || scid.length > 255) {
    throw new TypeError(`Version Negotiation CID lengths ${dcid.length}/${scid.length} exceed 255`);
  }
  const out = new Uint8Array(7 + dcid.length + scid.length + 4 * versions.length);
  // RFC 9000 §17.2.1: The value in the Unused field is set to an arbitrary
  // value by the server; servers SHOULD set the most significant bit of this
  // field (0x40) to 1 so that Version Negotiation packets appear to have the
  // Fixed Bit field.
  out[0] = 0xc0 | (fields.unusedBits & 0x3f);
  // Bytes 1..4: Version = 0 (already zero).
  let p = 5;
  out[p++] = dcid.length;
  out.set(dcid, p);
  p += dcid.length;
  out[p++] = scid.length;
  out.set(scid, p);
  p += scid.length;
  for (const version of versions) {
    out[p] = version >>> 24;
    out[p + 1] = version >>> 16;
    out[p + 2] = version >>> 8;
    out[p + 3] = version;
    p += 4;
  }
  return out;
}

/**
 * Returns undefined (discard) unless the datagram is a long header with
 * Version 0 whose Supported Version list is a whole number of 32-bit values.
 */
export function decodeVersionNegotiation(datagram: Uint8Array): VersionNegotiation | undefined {
  const header = parseInvariantHeader(datagram, 0);
  if (header === undefined || !header.long || header.version !== 0) return undefined;
  const start = header.scid.byteOffset - datagram.byteOffset + header.scid.length;
  const listLength = datagram.length - start;
  if (listLength % 4 !== 0) return undefined;
  const versions: number[] = new Array(listLength / 4);
  for (let i = 0, p = start; p < datagram.length; i++, p += 4) {
    versions[i] =
      datagram[p]! * 0x100_0000 +
      ((datagram[p + 1]! << 16) | (datagram[p + 2]! << 8) | datagram[p + 3]!);
  }
  return { dcid: header.dcid, scid: header.scid, versions };
}
