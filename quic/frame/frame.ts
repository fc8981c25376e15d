// QUIC frames (RFC 9000 §19, and DATAGRAM from RFC 9221 §4) as plain objects:
// a discriminated union `Frame` on `type`. decode-frame.ts and encode-frame.ts
// convert them to and from the wire; frame-table.ts holds per-type rules.
//
// Conventions:
// - Lengths, offsets, limits, stream IDs, sequence and packet numbers are
//   numbers (decoded values above 2^53-1 saturate, see quic/coding/varint.ts).
// - Error codes of RESET_STREAM, STOP_SENDING and CONNECTION_CLOSE are bigint:
//   application error codes are 62-bit (RFC 9000 §20.2).
// - Byte fields (STREAM/CRYPTO/DATAGRAM data, tokens, CIDs, reason phrases)
//   are subarray views into the decoded packet: no copies. Copy them if they
//   must outlive the packet buffer.
// - ACK ranges are [smallest, largest] pairs, descending, never expanded.
// - `ackDelay` is the raw field: multiply by 2^ack_delay_exponent for
//   microseconds (RFC 9000 §19.3).

/** Wire values of the frame types (RFC 9000 §12.4 Table 3, RFC 9221 §4). */
export const FrameType = {
  PADDING: 0x00,
  PING: 0x01,
  ACK: 0x02,
  ACK_ECN: 0x03,
  RESET_STREAM: 0x04,
  STOP_SENDING: 0x05,
  CRYPTO: 0x06,
  NEW_TOKEN: 0x07,
  /** 0x08-0x0f: the low three bits are OFF (0x04), LEN (0x02), FIN (0x01). */
  STREAM: 0x08,
  MAX_DATA: 0x10,
  MAX_STREAM_DATA: 0x11,
  MAX_STREAMS_BIDI: 0x12,
  MAX_STREAMS_UNI: 0x13,
  DATA_BLOCKED: 0x14,
  STREAM_DATA_BLOCKED: 0x15,
  STREAMS_BLOCKED_BIDI: 0x16,
  STREAMS_BLOCKED_UNI: 0x17,
  NEW_CONNECTION_ID: 0x18,
  RETIRE_CONNECTION_ID: 0x19,
  PATH_CHALLENGE: 0x1a,
  PATH_RESPONSE: 0x1b,
  CONNECTION_CLOSE: 0x1c,
  CONNECTION_CLOSE_APPLICATION: 0x1d,
  HANDSHAKE_DONE: 0x1e,
  DATAGRAM: 0x30,
  DATAGRAM_WITH_LENGTH: 0x31,
} as const;

export const STREAM_FLAG_OFF = 0x04;
export const STREAM_FLAG_LEN = 0x02;
export const STREAM_FLAG_FIN = 0x01;

/** At most this many ACK ranges are kept per decoded ACK frame (see decode-frame.ts). */
export const MAX_ACK_RANGES = 256;

/** [smallest, largest], inclusive. */
export type AckRange = [smallest: number, largest: number];

export interface EcnCounts {
  ect0: number;
  ect1: number;
  ce: number;
}

export interface PaddingFrame {
  type: 'padding';
  /** Number of consecutive PADDING bytes (decode merges a run into one frame). */
  length: number;
}
export interface PingFrame {
  type: 'ping';
}
export interface AckFrame {
  type: 'ack';
  /** Largest Acknowledged; always equals ranges[0][1]. */
  largest: number;
  /** Raw ACK Delay field (scaled by the peer's ack_delay_exponent). */
  ackDelay: number;
  /** Descending, disjoint, non-adjacent; at least one. */
  ranges: AckRange[];
  /** Present for ACK_ECN (0x03), undefined for ACK (0x02). */
  ecn: EcnCounts | undefined;
}
export interface ResetStreamFrame {
  type: 'resetStream';
  streamId: number;
  errorCode: bigint;
  finalSize: number;
}
export interface StopSendingFrame {
  type: 'stopSending';
  streamId: number;
  errorCode: bigint;
}
export interface CryptoFrame {
  type: 'crypto';
  offset: number;
  data: Uint8Array;
}
export interface NewTokenFrame {
  type: 'newToken';
  token: Uint8Array;
}
export interface StreamFrame {
  type: 'stream';
  streamId: number;
  offset: number;
  data: Uint8Array;
  fin: boolean;
  /**
   * LEN bit. false: the data runs to the end of the packet, so the encoder
   * must only use it for the last frame of a packet (RFC 9000 §19.8).
   */
  explicitLength: boolean;
}
export interface MaxDataFrame {
  type: 'maxData';
  maximum: number;
}
export interface MaxStreamDataFrame {
  type: 'maxStreamData';
  streamId: number;
  maximum: number;
}
export interface MaxStreamsFrame {
  type: 'maxStreams';
  bidi: boolean;
  maximum: number;
}
export interface DataBlockedFrame {
  type: 'dataBlocked';
  limit: number;
}
export interface StreamDataBlockedFrame {
  type: 'streamDataBlocked';
  streamId: number;
  limit: number;
}
export interface StreamsBlockedFrame {
  type: 'streamsBlocked';
  bidi: boolean;
  limit: number;
}
export interface NewConnectionIdFrame {
  type: 'newConnectionId';
  sequence: number;
  retirePriorTo: number;
  /** 1..20 bytes. */
  connectionId: Uint8Array;
  /** 16 bytes. */
  statelessResetToken: Uint8Array;
}
export interface RetireConnectionIdFrame {
  type: 'retireConnectionId';
  sequence: number;
}
export interface PathChallengeFrame {
  type: 'pathChallenge';
  /** 8 bytes. */
  data: Uint8Array;
}
export interface PathResponseFrame {
  type: 'pathResponse';
  /** 8 bytes. */
  data: Uint8Array;
}
export interface ConnectionCloseFrame {
  type: 'connectionClose';
  /** true: type 0x1d (application error); false: 0x1c (transport error). */
  application: boolean;
  errorCode: bigint;
  /** The frame type that triggered the error (0x1c only; 0 when unknown or for 0x1d). */
  frameType: number;
  /** Reason Phrase bytes (UTF-8 by convention, not validated). */
  reason: Uint8Array;
}
export interface HandshakeDoneFrame {
  type: 'handshakeDone';
}
export interface DatagramFrame {
  type: 'datagram';
  data: Uint8Array;
  /** LEN bit (type 0x31); false: runs to the end of the packet (0x30). */
  explicitLength: boolean;
}

export type Frame =
  | PaddingFrame
  | PingFrame
  | AckFrame
  | ResetStreamFrame
  | StopSendingFrame
  | CryptoFrame
  | NewTokenFrame
  | StreamFrame
  | MaxDataFrame
  | MaxStreamDataFrame
  | MaxStreamsFrame
  | DataBlockedFrame
  | StreamDataBlockedFrame
  | StreamsBlockedFrame
  | NewConnectionIdFrame
  | RetireConnectionIdFrame
  | PathChallengeFrame
  | PathResponseFrame
  | ConnectionCloseFrame
  | HandshakeDoneFrame
  | DatagramFrame;

export type FrameKind = Frame['type'];

/** The wire frame type a frame encodes to (flags included). */
export function frameTypeOf(frame: Frame): number {
  switch (frame.type) {
    case 'padding':
      return FrameType.PADDING;
    case 'ping':
      return FrameType.PING;
    case 'ack':
      return frame.ecn === undefined ? FrameType.ACK : FrameType.ACK_ECN;
    case 'resetStream':
      return FrameType.RESET_STREAM;
    case 'stopSending':
      return FrameType.STOP_SENDING;
    case 'crypto':
      return FrameType.CRYPTO;
    case 'newToken':
      return FrameType.NEW_TOKEN;
    case 'stream':
      return (
        FrameType.STREAM |
        (frame.offset !== 0 ? STREAM_FLAG_OFF : 0) |
        (frame.explicitLength ? STREAM_FLAG_LEN : 0) |
        (frame.fin ? STREAM_FLAG_FIN : 0)
      );
    case 'maxData':
      return FrameType.MAX_DATA;
    case 'maxStreamData':
      return FrameType.MAX_STREAM_DATA;
    case 'maxStreams':
      return frame.bidi ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI;
    case 'dataBlocked':
      return FrameType.DATA_BLOCKED;
    case 'streamDataBlocked':
      return FrameType.STREAM_DATA_BLOCKED;
    case 'streamsBlocked':
      return frame.bidi ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI;
    case 'newConnectionId':
      return FrameType.NEW_CONNECTION_ID;
    case 'retireConnectionId':
      return FrameType.RETIRE_CONNECTION_ID;
    case 'pathChallenge':
      return FrameType.PATH_CHALLENGE;
    case 'pathResponse':
      return FrameType.PATH_RESPONSE;
    case 'connectionClose':
      return frame.application
        ? FrameType.CONNECTION_CLOSE_APPLICATION
        : FrameType.CONNECTION_CLOSE;
    case 'handshakeDone':
      return FrameType.HANDSHAKE_DONE;
    case 'datagram':
      return frame.explicitLength ? FrameType.DATAGRAM_WITH_LENGTH : FrameType.DATAGRAM;
  }
}
