// The kinds of QUIC packet (RFC 9000 §17). The numeric values of the four
// long-header kinds equal their QUIC v1 Long Packet Type bits (RFC 9000
// §17.2, Table 5); QUIC v2 uses different bits (RFC 9369 §3.2), mapped in
// long-header.ts. The values double as bit positions in the frame table's
// "which packets may carry this frame" masks (RFC 9000 §12.4, Table 3).

export const PacketType = {
  Initial: 0,
  ZeroRtt: 1,
  Handshake: 2,
  Retry: 3,
  OneRtt: 4,
  VersionNegotiation: 5,
} as const;

export type PacketType = (typeof PacketType)[keyof typeof PacketType];

const NAMES = ['Initial', '0-RTT', 'Handshake', 'Retry', '1-RTT', 'Version Negotiation'] as const;

export function packetTypeName(type: PacketType): string {
  return NAMES[type] ?? `packet type ${type}`;
}
