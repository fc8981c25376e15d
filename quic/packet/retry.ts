// Retry packet layout (RFC 9000 §17.2.5) and the Retry Pseudo-Packet over
// which the Retry Integrity Tag is computed (RFC 9001 §5.8). The tag itself
// is computed by crypto/ (AES-128-GCM with the version's fixed key); this file
// only lays out the bytes.
//
//   const r = encodeRetry({ version, dcid, scid, token, unusedBits }, odcid)
//   r.tag.set(computeTag(r.pseudoPacket));   send r.packet
//
//   const v = retryIntegrityInput(datagram, header, odcid)   // client side
//   verifyTag(v.pseudoPacket, v.tag)

import { longTypeBits, type PacketHeader, RETRY_INTEGRITY_TAG_LENGTH } from './packet-header.js';
import { PacketType } from './packet-type.js';

export interface RetryFields {
  version: number;
  /** The client's SCID. */
  dcid: Uint8Array;
  /** The server's new CID. */
  scid: Uint8Array;
  /** Non-empty (RFC 9000 §17.2.5.2). */
  token: Uint8Array;
  /** Random value for the 4 unused bits of byte 0. */
  unusedBits?: number;
}

export interface RetryLayout {
  /** The Retry packet to send; its last 16 bytes are `tag`. */
  packet: Uint8Array;
  /** ODCID Length, ODCID, then the packet without its tag. */
  pseudoPacket: Uint8Array;
  /** The Retry Integrity Tag: a view to fill (encode) or to verify (decode). */
  tag: Uint8Array;
}

function checkCid(name: string, cid: Uint8Array): void {
  if (cid.length > 20) throw new TypeError(`${name} length ${cid.length} exceeds 20`);
}

/**
 * Lays out a Retry packet and its pseudo-packet in one buffer (no copies):
 * the tag bytes are left zero for the caller to fill.
 */
export function encodeRetry(fields: RetryFields, originalDcid: Uint8Array): RetryLayout {
  const { version, dcid, scid, token } = fields;
  checkCid('dcid', dcid);
  checkCid('scid', scid);
  checkCid('originalDcid', originalDcid);
  if (token.length === 0) throw new TypeError('Retry token is empty');
  const prefix = 1 + originalDcid.length;
  const packetLength = 7 + dcid.length + scid.length + token.length + RETRY_INTEGRITY_TAG_LENGTH;
  const buf = new Uint8Array(prefix + packetLength);
  buf[0] = originalDcid.length;
  buf.set(originalDcid, 1);
  let p = prefix;
  buf[p++] =
    0xc0 | (longTypeBits(PacketType.Retry, version) << 4) | ((fields.unusedBits ?? 0) & 0x0f);
  buf[p++] = version >>> 24;
  buf[p++] = version >>> 16;
  buf[p++] = version >>> 8;
  buf[p++] = version;
  buf[p++] = dcid.length;
  buf.set(dcid, p);
  p += dcid.length;
  buf[p++] = scid.length;
  buf.set(scid, p);
  p += scid.length;
  buf.set(token, p);
  p += token.length;
  return {
    packet: buf.subarray(prefix),
    pseudoPacket: buf.subarray(0, p),
    tag: buf.subarray(p),
  };
}

/**
 * For a received Retry (header from parsePacketHeader): the pseudo-packet to
 * authenticate and the received tag. Copies the packet once, after the ODCID.
 */
export function retryIntegrityInput(
  datagram: Uint8Array,
  header: PacketHeader,
  originalDcid: Uint8Array,
): RetryLayout {
  if (header.packetType !== PacketType.Retry)
    throw new TypeError('retryIntegrityInput needs a Retry header');
  checkCid('originalDcid', originalDcid);
  const packet = datagram.subarray(header.start, header.end);
  const prefix = 1 + originalDcid.length;
  const buf = new Uint8Array(prefix + packet.length);
  buf[0] = originalDcid.length;
  buf.set(originalDcid, 1);
  buf.set(packet, prefix);
  const tagStart = buf.length - RETRY_INTEGRITY_TAG_LENGTH;
  return {
    packet: buf.subarray(prefix),
    pseudoPacket: buf.subarray(0, tagStart),
    tag: buf.subarray(tagStart),
  };
}
