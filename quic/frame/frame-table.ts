// The one frame table: for every frame type, its name, the packet types that
// may carry it (RFC 9000 §12.4 Table 3 "Pkts"; RFC 9221 §4 for DATAGRAM) and
// the "Spec" markings that recovery and packet building need.
//
//   frameInfo(type)                    FrameInfo | undefined (unknown type)
//   checkFrameAllowed(type, packet)    throws TransportError
//   isAckEliciting(type), countsInFlight(type), isProbing(type)
//
// `type` is the wire frame type (0x00-0x1e, 0x30, 0x31).

import { TransportError, TransportErrorCode } from '../errors.js';
import { PacketType, packetTypeName } from '../packet/packet-type.js';

export interface FrameInfo {
  /** RFC name, e.g. 'STREAM'. */
  readonly name: string;
  /** Bit mask over PacketType values: bit (1 << PacketType.X) set if allowed. */
  readonly packets: number;
  /** RFC 9000 §13.2, RFC 9002 §2: false for ACK, PADDING, CONNECTION_CLOSE. */
  readonly ackEliciting: boolean;
  /**
   * RFC 9000 Table 3 "C" marking absent: a packet containing this frame counts
   * toward bytes in flight. Only ACK is "C". (RFC 9002 §2 defines in flight as
   * ack-eliciting or containing PADDING, which also leaves out a packet of
   * only CONNECTION_CLOSE; once one is sent the connection is closing and no
   * longer runs congestion control, so the difference never matters.)
   */
  readonly inFlight: boolean;
  /** RFC 9000 Table 3 "P": may be used to probe a new path (§9.1). */
  readonly probing: boolean;
  /** RFC 9000 Table 3 "F": contents are flow controlled (§4). */
  readonly flowControlled: boolean;
}

const I = 1 << PacketType.Initial;
const H = 1 << PacketType.Handshake;
const Z = 1 << PacketType.ZeroRtt;
const O = 1 << PacketType.OneRtt;

function info(name: string, packets: number, spec: string): FrameInfo {
  return {
    name,
    packets,
    ackEliciting: !spec.includes('N'),
    inFlight: !spec.includes('C'),
    probing: spec.includes('P'),
    flowControlled: spec.includes('F'),
  };
}

const STREAM_INFO = info('STREAM', Z | O, 'F');

// RFC 9000 §12.4 Table 3, row by row. Indexed by the one-byte frame type.
const TABLE: (FrameInfo | undefined)[] = [];
TABLE[0x00] = info('PADDING', I | H | Z | O, 'NP');
TABLE[0x01] = info('PING', I | H | Z | O, '');
TABLE[0x02] = info('ACK', I | H | O, 'NC');
TABLE[0x03] = info('ACK_ECN', I | H | O, 'NC');
TABLE[0x04] = info('RESET_STREAM', Z | O, '');
TABLE[0x05] = info('STOP_SENDING', Z | O, '');
TABLE[0x06] = info('CRYPTO', I | H | O, '');
TABLE[0x07] = info('NEW_TOKEN', O, '');
for (let t = 0x08; t <= 0x0f; t++) TABLE[t] = STREAM_INFO;
TABLE[0x10] = info('MAX_DATA', Z | O, '');
TABLE[0x11] = info('MAX_STREAM_DATA', Z | O, '');
TABLE[0x12] = info('MAX_STREAMS_BIDI', Z | O, '');
TABLE[0x13] = info('MAX_STREAMS_UNI', Z | O, '');
TABLE[0x14] = info('DATA_BLOCKED', Z | O, '');
TABLE[0x15] = info('STREAM_DATA_BLOCKED', Z | O, '');
TABLE[0x16] = info('STREAMS_BLOCKED_BIDI', Z | O, '');
TABLE[0x17] = info('STREAMS_BLOCKED_UNI', Z | O, '');
TABLE[0x18] = info('NEW_CONNECTION_ID', Z | O, 'P');
TABLE[0x19] = info('RETIRE_CONNECTION_ID', Z | O, '');
TABLE[0x1a] = info('PATH_CHALLENGE', Z | O, 'P');
TABLE[0x1b] = info('PATH_RESPONSE', O, 'P');
// RFC 9000 §12.4: "ih": only a CONNECTION_CLOSE of type 0x1c can appear in
// Initial or Handshake packets.
TABLE[0x1c] = info('CONNECTION_CLOSE', I | H | Z | O, 'N');
TABLE[0x1d] = info('CONNECTION_CLOSE_APPLICATION', Z | O, 'N');
TABLE[0x1e] = info('HANDSHAKE_DONE', O, '');
// RFC 9221 §4: DATAGRAM frames MUST be protected with either 0-RTT or 1-RTT
// keys; §5.2: they are ack-eliciting; §5.4: congestion controlled.
TABLE[0x30] = info('DATAGRAM', Z | O, '');
TABLE[0x31] = info('DATAGRAM_WITH_LENGTH', Z | O, '');

/** The table entry for a wire frame type, or undefined if the type is unknown. */
export function frameInfo(frameType: number): FrameInfo | undefined {
  return frameType >= 0 && frameType < 0x40 ? TABLE[frameType] : undefined;
}

/** The RFC name of a frame type, or its hex value. */
export function frameTypeName(frameType: number): string {
  return frameInfo(frameType)?.name ?? `0x${frameType.toString(16)}`;
}

/**
 * RFC 9000 §12.4: An endpoint MUST treat receipt of a frame in a packet type
 * that is not permitted as a connection error of type PROTOCOL_VIOLATION;
 * receipt of a frame of unknown type is a FRAME_ENCODING_ERROR.
 */
export function checkFrameAllowed(frameType: number, packetType: PacketType): void {
  const entry = frameInfo(frameType);
  if (entry === undefined) {
    throw new TransportError(
      TransportErrorCode.FRAME_ENCODING_ERROR,
      `unknown frame type 0x${frameType.toString(16)}`,
      frameType,
    );
  }
  if ((entry.packets & (1 << packetType)) === 0) {
    throw new TransportError(
      TransportErrorCode.PROTOCOL_VIOLATION,
      `${entry.name} frame is not permitted in a ${packetTypeName(packetType)} packet`,
      frameType,
    );
  }
}

export function isAckEliciting(frameType: number): boolean {
  return frameInfo(frameType)?.ackEliciting ?? false;
}

export function countsInFlight(frameType: number): boolean {
  return frameInfo(frameType)?.inFlight ?? false;
}

export function isProbing(frameType: number): boolean {
  return frameInfo(frameType)?.probing ?? false;
}
