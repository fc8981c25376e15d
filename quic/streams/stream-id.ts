// Stream identifiers (RFC 9000 §2.1): the two low bits give the initiator and
// the direction; the remaining bits count streams of that type from zero.
//
// Stream IDs are carried as JS numbers. Values above 2^53 lose precision, but
// every such ID is far beyond any stream limit we advertise, so it is rejected
// by the limit checks before its exact value matters. Arithmetic uses `%` and
// division, never bitwise operators, which would truncate to 32 bits.

/** The side of the connection an endpoint plays. */
export type Role = 'client' | 'server';

/** RFC 9000 §2.1: 0x00..0x03, the two least significant bits of a stream ID. */
export const StreamType = {
  CLIENT_BIDI: 0,
  SERVER_BIDI: 1,
  CLIENT_UNI: 2,
  SERVER_UNI: 3,
} as const;
export type StreamType = (typeof StreamType)[keyof typeof StreamType];

/**
 * RFC 9000 §2.1: stream IDs are 62-bit integers (0 to 2^62-1). Exclusive
 * bound, since 2^62-1 itself is not representable as a double.
 */
export const STREAM_ID_LIMIT = 2 ** 62;

/**
 * RFC 9000 §4.6: a stream limit above 2^60 would allow stream IDs that cannot
 * be encoded as a variable-length integer.
 */
export const MAX_STREAMS_LIMIT = 2 ** 60;

export function isValidStreamId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < STREAM_ID_LIMIT;
}

export function streamType(id: number): StreamType {
  return (id % 4) as StreamType;
}

// RFC 9000 §2.1: Client-initiated streams have even-numbered stream IDs.
export function isClientInitiated(id: number): boolean {
  return id % 2 === 0;
}

// RFC 9000 §2.1: The second least significant bit (0x02) ... unidirectional
// streams (with the bit set to 1).
export function isBidirectional(id: number): boolean {
  return id % 4 < 2;
}

export function initiator(id: number): Role {
  return isClientInitiated(id) ? 'client' : 'server';
}

/** True when the endpoint playing `role` opened (or will open) stream `id`. */
export function isLocallyInitiated(id: number, role: Role): boolean {
  return initiator(id) === role;
}

/** The position of the stream among streams of its type: 0 for IDs 0..3, 1 for 4..7, ... */
export function streamIndex(id: number): number {
  return Math.floor(id / 4);
}

/** The ID of the `index`-th stream opened by `role` in the given direction. */
export function streamIdFor(role: Role, bidi: boolean, index: number): number {
  return index * 4 + (bidi ? 0 : 2) + (role === 'client' ? 0 : 1);
}

/** Whether an endpoint playing `role` may send on stream `id`. */
export function canSend(id: number, role: Role): boolean {
  return isBidirectional(id) || isLocallyInitiated(id, role);
}

/** Whether an endpoint playing `role` may receive on stream `id`. */
export function canReceive(id: number, role: Role): boolean {
  return isBidirectional(id) || !isLocallyInitiated(id, role);
}
