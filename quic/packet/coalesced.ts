// Splitting a UDP datagram into its coalesced QUIC packets (RFC 9000 §12.2).
//
//   splitDatagram(datagram, shortDcidLength): PacketHeader[]
//
// Long-header packets end where their Length field says; a short-header,
// Retry or Version Negotiation packet runs to the end of the datagram. The
// first packet that cannot be parsed ends the split (the rest of the datagram
// cannot be delimited): the packets before it are still returned.

import { equalBytes } from '../../crypto/bytes.js';
import { type PacketHeader, parsePacketHeader } from './packet-header.js';

export function splitDatagram(datagram: Uint8Array, shortDcidLength: number): PacketHeader[] {
  const packets: PacketHeader[] = [];
  let offset = 0;
  let first: PacketHeader | undefined;
  while (offset < datagram.length) {
    const header = parsePacketHeader(datagram, offset, shortDcidLength);
    if (header === undefined) break;
    offset = header.end;
    if (first === undefined) {
      first = header;
    } else if (!equalBytes(header.dcid, first.dcid)) {
      // RFC 9000 §12.2: Receivers SHOULD ignore any subsequent packets with a
      // different Destination Connection ID than the first packet in the
      // datagram.
      continue;
    }
    packets.push(header);
  }
  return packets;
}
