// How much data fits in a STREAM, CRYPTO or DATAGRAM frame given the space
// left in a packet, for the packet builder: the header overhead depends on
// the Length varint, which depends on the data length (RFC 9000 §16, §19.6,
// §19.8; RFC 9221 §4).
//
//   streamFrameCapacity(streamId, offset, space, explicitLength)
//   cryptoFrameCapacity(offset, space)
//   datagramFrameCapacity(space, explicitLength)
//
// Each returns the largest data length that fits in `space` bytes, or -1 if
// not even an empty frame fits. frameSize() of the resulting frame is <= space.

import { varintLength } from '../coding/varint.js';

/** Largest L with L + varintLength(L) <= avail, or -1. */
function withLengthField(avail: number): number {
  if (avail < 1) return -1;
  let best = -1;
  for (const [size, max] of [
    [1, 0x3f],
    [2, 0x3fff],
    [4, 0x3fff_ffff],
    [8, Number.MAX_SAFE_INTEGER],
  ] as const) {
    const length = Math.min(avail - size, max);
    if (length > best) best = length;
  }
  return best;
}

function capacity(fixed: number, space: number, explicitLength: boolean): number {
  const avail = space - fixed;
  if (!explicitLength) return avail < 0 ? -1 : avail;
  return withLengthField(avail);
}

export function streamFrameCapacity(
  streamId: number,
  offset: number,
  space: number,
  explicitLength: boolean,
): number {
  const fixed = 1 + varintLength(streamId) + (offset !== 0 ? varintLength(offset) : 0);
  return capacity(fixed, space, explicitLength);
}

export function cryptoFrameCapacity(offset: number, space: number): number {
  return capacity(1 + varintLength(offset), space, true);
}

export function datagramFrameCapacity(space: number, explicitLength: boolean): number {
  return capacity(1, space, explicitLength);
}
