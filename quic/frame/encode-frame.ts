// encodeFrame(writer, frame) writes one frame; frameSize(frame) returns the
// exact number of bytes encodeFrame will write, so a packet builder can check
// the fit without encoding twice. Both are symmetric with decodeFrame.
//
// Invalid frame objects (out-of-range numbers, wrong byte lengths, unordered
// ACK ranges) throw TypeError naming the field: they are programming errors.
// STREAM and DATAGRAM frames with explicitLength false must be the last frame
// of their packet.

import { varintLength } from '../coding/varint.js';
import type { BufferWriter } from '../coding/writer.js';
import {
  type AckFrame,
  type Frame,
  FrameType,
  frameTypeOf,
  STREAM_FLAG_FIN,
  STREAM_FLAG_LEN,
  STREAM_FLAG_OFF,
} from './frame.js';

function checkBytes(name: string, bytes: Uint8Array, min: number, max: number): void {
  if (bytes.length < min || bytes.length > max) {
    throw new TypeError(`${name} length ${bytes.length} is outside ${min}..${max}`);
  }
}

function checkAckRanges(frame: AckFrame): void {
  const ranges = frame.ranges;
  if (ranges.length === 0) throw new TypeError('ack.ranges is empty');
  if (ranges[0]![1] !== frame.largest) {
    throw new TypeError(`ack.largest ${frame.largest} is not ranges[0] largest ${ranges[0]![1]}`);
  }
  let previousSmallest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ranges.length; i++) {
    const [smallest, largest] = ranges[i]!;
    // RFC 9000 §19.3.1: ranges are separated by a Gap of at least one
    // unacknowledged packet (gap = previous_smallest - largest - 2 >= 0).
    if (!(smallest >= 0 && smallest <= largest && largest <= previousSmallest - 2)) {
      throw new TypeError(
        `ack.ranges[${i}] [${smallest}, ${largest}] is not descending and disjoint`,
      );
    }
    previousSmallest = smallest;
  }
}

/** The encoded size of an ACK frame's body after the type byte. */
function ackBodySize(frame: AckFrame): number {
  const ranges = frame.ranges;
  let size =
    varintLength(frame.largest) +
    varintLength(frame.ackDelay) +
    varintLength(ranges.length - 1) +
    varintLength(frame.largest - ranges[0]![0]);
  for (let i = 1; i < ranges.length; i++) {
    const range = ranges[i]!;
    size += varintLength(ranges[i - 1]![0] - range[1] - 2) + varintLength(range[1] - range[0]);
  }
  if (frame.ecn !== undefined) {
    size +=
      varintLength(frame.ecn.ect0) + varintLength(frame.ecn.ect1) + varintLength(frame.ecn.ce);
  }
  return size;
}

/** Exact encoded size of `frame` in bytes. */
export function frameSize(frame: Frame): number {
  switch (frame.type) {
    case 'padding':
      return frame.length;
    case 'ping':
    case 'handshakeDone':
      return 1;
    case 'ack':
      return 1 + ackBodySize(frame);
    case 'resetStream':
      return (
        1 +
        varintLength(frame.streamId) +
        varintLength(frame.errorCode) +
        varintLength(frame.finalSize)
      );
    case 'stopSending':
      return 1 + varintLength(frame.streamId) + varintLength(frame.errorCode);
    case 'crypto':
      return 1 + varintLength(frame.offset) + varintLength(frame.data.length) + frame.data.length;
    case 'newToken':
      return 1 + varintLength(frame.token.length) + frame.token.length;
    case 'stream':
      return (
        1 +
        varintLength(frame.streamId) +
        (frame.offset !== 0 ? varintLength(frame.offset) : 0) +
        (frame.explicitLength ? varintLength(frame.data.length) : 0) +
        frame.data.length
      );
    case 'maxData':
    case 'maxStreams':
      return 1 + varintLength(frame.maximum);
    case 'maxStreamData':
      return 1 + varintLength(frame.streamId) + varintLength(frame.maximum);
    case 'dataBlocked':
    case 'streamsBlocked':
      return 1 + varintLength(frame.limit);
    case 'streamDataBlocked':
      return 1 + varintLength(frame.streamId) + varintLength(frame.limit);
    case 'newConnectionId':
      return (
        1 +
        varintLength(frame.sequence) +
        varintLength(frame.retirePriorTo) +
        1 +
        frame.connectionId.length +
        16
      );
    case 'retireConnectionId':
      return 1 + varintLength(frame.sequence);
    case 'pathChallenge':
    case 'pathResponse':
      return 9;
    case 'connectionClose':
      return (
        1 +
        varintLength(frame.errorCode) +
        (frame.application ? 0 : varintLength(frame.frameType)) +
        varintLength(frame.reason.length) +
        frame.reason.length
      );
    case 'datagram':
      return 1 + (frame.explicitLength ? varintLength(frame.data.length) : 0) + frame.data.length;
  }
}

/** Writes `frame` at the writer's position. */
export function encodeFrame(writer: BufferWriter, frame: Frame): void {
  if (frame.type === 'padding') {
    if (!(frame.length >= 1 && Number.isSafeInteger(frame.length))) {
      throw new TypeError(`padding.length ${frame.length} is not a positive integer`);
    }
    writer.writeZeros(frame.length);
    return;
  }
  writer.writeUint8(frameTypeOf(frame));
  switch (frame.type) {
    case 'ping':
    case 'handshakeDone':
      return;
    case 'ack':
      encodeAckBody(writer, frame);
      return;
    case 'resetStream':
      writer.writeVarint(frame.streamId);
      writer.writeVarintBig(BigInt(frame.errorCode));
      writer.writeVarint(frame.finalSize);
      return;
    case 'stopSending':
      writer.writeVarint(frame.streamId);
      writer.writeVarintBig(BigInt(frame.errorCode));
      return;
    case 'crypto':
      writer.writeVarint(frame.offset);
      writer.writeVarint(frame.data.length);
      writer.writeBytes(frame.data);
      return;
    case 'newToken':
      checkBytes('newToken.token', frame.token, 1, Number.MAX_SAFE_INTEGER);
      writer.writeVarint(frame.token.length);
      writer.writeBytes(frame.token);
      return;
    case 'stream':
      writeStreamFields(writer, frame.streamId, frame.offset, frame.data, frame.explicitLength);
      return;
    case 'maxData':
    case 'maxStreams':
      writer.writeVarint(frame.maximum);
      return;
    case 'maxStreamData':
      writer.writeVarint(frame.streamId);
      writer.writeVarint(frame.maximum);
      return;
    case 'dataBlocked':
    case 'streamsBlocked':
      writer.writeVarint(frame.limit);
      return;
    case 'streamDataBlocked':
      writer.writeVarint(frame.streamId);
      writer.writeVarint(frame.limit);
      return;
    case 'newConnectionId':
      checkBytes('newConnectionId.connectionId', frame.connectionId, 1, 20);
      checkBytes('newConnectionId.statelessResetToken', frame.statelessResetToken, 16, 16);
      if (frame.retirePriorTo > frame.sequence) {
        throw new TypeError(
          `newConnectionId.retirePriorTo ${frame.retirePriorTo} is above sequence ${frame.sequence}`,
        );
      }
      writer.writeVarint(frame.sequence);
      writer.writeVarint(frame.retirePriorTo);
      writer.writeUint8(frame.connectionId.length);
      writer.writeBytes(frame.connectionId);
      writer.writeBytes(frame.statelessResetToken);
      return;
    case 'retireConnectionId':
      writer.writeVarint(frame.sequence);
      return;
    case 'pathChallenge':
    case 'pathResponse':
      checkBytes(`${frame.type}.data`, frame.data, 8, 8);
      writer.writeBytes(frame.data);
      return;
    case 'connectionClose':
      writer.writeVarintBig(BigInt(frame.errorCode));
      if (!frame.application) writer.writeVarint(frame.frameType);
      writer.writeVarint(frame.reason.length);
      writer.writeBytes(frame.reason);
      return;
    case 'datagram':
      if (frame.explicitLength) writer.writeVarint(frame.data.length);
      writer.writeBytes(frame.data);
      return;
  }
}

function encodeAckBody(writer: BufferWriter, frame: AckFrame): void {
  checkAckRanges(frame);
  const ranges = frame.ranges;
  writer.writeVarint(frame.largest);
  writer.writeVarint(frame.ackDelay);
  writer.writeVarint(ranges.length - 1);
  writer.writeVarint(frame.largest - ranges[0]![0]);
  for (let i = 1; i < ranges.length; i++) {
    const range = ranges[i]!;
    writer.writeVarint(ranges[i - 1]![0] - range[1] - 2);
    writer.writeVarint(range[1] - range[0]);
  }
  if (frame.ecn !== undefined) {
    writer.writeVarint(frame.ecn.ect0);
    writer.writeVarint(frame.ecn.ect1);
    writer.writeVarint(frame.ecn.ce);
  }
}

/**
 * A STREAM frame (RFC 9000 §19.8) from its fields, without a Frame object:
 * the bulk sender's path, once per packet. Same bytes as encodeFrame.
 */
export function encodeStreamFrame(
  writer: BufferWriter,
  streamId: number,
  offset: number,
  data: Uint8Array,
  fin: boolean,
  explicitLength: boolean,
): void {
  writer.writeUint8(
    FrameType.STREAM |
      (offset !== 0 ? STREAM_FLAG_OFF : 0) |
      (explicitLength ? STREAM_FLAG_LEN : 0) |
      (fin ? STREAM_FLAG_FIN : 0),
  );
  writeStreamFields(writer, streamId, offset, data, explicitLength);
}

function writeStreamFields(
  writer: BufferWriter,
  streamId: number,
  offset: number,
  data: Uint8Array,
  explicitLength: boolean | undefined,
): void {
  writer.writeVarint(streamId);
  if (offset !== 0) writer.writeVarint(offset);
  if (explicitLength) writer.writeVarint(data.length);
  writer.writeBytes(data);
}
