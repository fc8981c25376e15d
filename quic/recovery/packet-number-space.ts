// The three packet number spaces of a QUIC connection. Recovery keeps sent
// and received packet state separately per space.
//
// RFC 9000 §12.3: Packet numbers are divided into three spaces: Initial,
// Handshake and Application data (0-RTT and 1-RTT share the last one).

export const PacketNumberSpace = {
  Initial: 0,
  Handshake: 1,
  ApplicationData: 2,
} as const;

export type PacketNumberSpace = (typeof PacketNumberSpace)[keyof typeof PacketNumberSpace];

/** All spaces in the order RFC 9002 Appendix A iterates them. */
export const PACKET_NUMBER_SPACES: readonly PacketNumberSpace[] = [
  PacketNumberSpace.Initial,
  PacketNumberSpace.Handshake,
  PacketNumberSpace.ApplicationData,
];

export function packetNumberSpaceName(space: PacketNumberSpace): string {
  return space === 0 ? 'Initial' : space === 1 ? 'Handshake' : 'ApplicationData';
}
