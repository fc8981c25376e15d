// Opening a received packet in place (RFC 9001 §5): remove header
// protection, recover the full packet number (RFC 9000 §17.1), pick the key
// phase for 1-RTT packets (RFC 9001 §6), and authenticate and decrypt. A
// packet that fails any step is dropped without effect on the connection
// (RFC 9001 §5.5 allows no response to an unauthenticated packet).

import { unprotectHeader } from '../../crypto/header-protection.js';
import type { PacketKeys } from '../../crypto/packet-keys.js';
import { TransportError, TransportErrorCode } from '../errors.js';
import type { PacketHeader } from '../packet/packet-header.js';
import { decodePacketNumber } from '../packet/packet-number.js';
import { PacketType } from '../packet/packet-type.js';
import type { OneRttKeys } from './one-rtt-keys.js';
import type { PacketSpace } from './packet-space.js';

export interface UndecryptablePacket {
  bytes: Uint8Array;
  /**
   * When it arrived: RFC 9000 §13.2.5, the ACK Delay SHOULD include
   * buffering delays caused by unavailability of decryption keys, or the
   * peer takes the wait for an RTT sample.
   */
  receivedAt: number;
}

export type OpenedPacket =
  | {
      kind: 'ok';
      packetNumber: number;
      payloadStart: number;
      payloadEnd: number;
      /** The packet used the next key phase: the peer started a key update. */
      wasNextKeyPhase: boolean;
    }
  /** Keys for this space are not installed yet: the caller may keep the packet. */
  | { kind: 'no-keys' }
  | { kind: 'drop' };

const DROP: OpenedPacket = { kind: 'drop' };
const NO_KEYS: OpenedPacket = { kind: 'no-keys' };
/**
 * The result of a packet that opened, reused for every packet (one object
 * fewer per received packet): valid until the next call, so callers read
 * its fields at once.
 */
const OPENED = {
  kind: 'ok' as const,
  packetNumber: 0,
  payloadStart: 0,
  payloadEnd: 0,
  wasNextKeyPhase: false,
};

/** Opens the packet in place. An 'ok' result is valid until the next call. */
export function openPacket(
  connection: { oneRtt: OneRttKeys | undefined },
  space: PacketSpace,
  datagram: Uint8Array,
  header: PacketHeader,
): OpenedPacket {
  const oneRtt = header.packetType === PacketType.OneRtt ? connection.oneRtt : undefined;
  const baseKeys: PacketKeys | undefined =
    header.packetType === PacketType.OneRtt ? oneRtt?.read : space.readKeys;
  if (baseKeys === undefined) return space.discarded ? DROP : NO_KEYS;
  const unprotected = unprotectHeader(
    baseKeys.headerProtection,
    datagram,
    header.start,
    header.pnOffset,
    header.end,
  );
  if (unprotected === null) return DROP;
  const { pnLength, truncatedPacketNumber } = unprotected;
  const packetNumber = decodePacketNumber(
    space.received.largestReceived ?? -1,
    truncatedPacketNumber,
    pnLength * 8,
  );
  const firstByte = datagram[header.start]!;
  let keys = baseKeys;
  let wasNextKeyPhase = false;
  if (oneRtt !== undefined) {
    const choice = oneRtt.keysFor((firstByte >> 2) & 1, packetNumber);
    if (choice === undefined) return DROP;
    keys = choice.keys;
    wasNextKeyPhase = choice.isNext;
  }
  const payloadStart = header.pnOffset + pnLength;
  const payloadEnd = keys.aead.open(packetNumber, datagram, header.start, payloadStart, header.end);
  if (payloadEnd < 0) return DROP;
  // RFC 9000 §17.2, §17.3.1: reserved bits that are not zero after removing
  // protection in a packet that authenticates are a PROTOCOL_VIOLATION.
  const reserved = header.packetType === PacketType.OneRtt ? firstByte & 0x18 : firstByte & 0x0c;
  if (reserved !== 0) {
    throw new TransportError(
      TransportErrorCode.PROTOCOL_VIOLATION,
      'reserved header bits are not zero',
    );
  }
  OPENED.packetNumber = packetNumber;
  OPENED.payloadStart = payloadStart;
  OPENED.payloadEnd = payloadEnd;
  OPENED.wasNextKeyPhase = wasNextKeyPhase;
  return OPENED;
}
