// A peer that breaks the rules: each violation ends in CONNECTION_CLOSE with
// the RFC's error code (or a silent discard where the RFC says so), never an
// exception or a hang.
import { describe, expect, it } from 'vitest';
import { computeRetryIntegrityTag } from '../../../crypto/retry-integrity.js';
import { TransportErrorCode } from '../../../quic/errors.js';
import type { Frame } from '../../../quic/frame/frame.js';
import { parsePacketHeader } from '../../../quic/packet/packet-header.js';
import { encodeRetry } from '../../../quic/packet/retry.js';
import { encodeVersionNegotiation } from '../../../quic/packet/version-negotiation.js';
import { ConnectionPair } from './connection-pair.js';
import { oneRttPacket } from './inject.js';

function established(): ConnectionPair {
  const pair = new ConnectionPair();
  pair.run(() => pair.client.handshakeConfirmed && (pair.server?.handshakeConfirmed ?? false));
  return pair;
}

/** The server sends `frames` to the client; returns the client's close code. */
function clientReceives(frames: Frame[] | Uint8Array): bigint | undefined {
  const pair = established();
  pair.client.receive(pair.now, oneRttPacket(pair.server!, frames));
  expect(pair.client.state === 'closing' || pair.client.state === 'draining').toBe(true);
  return pair.client.closeInfo?.code;
}

const stream = (streamId: number, offset: number, size: number, fin = false): Frame => ({
  type: 'stream',
  streamId,
  offset,
  data: new Uint8Array(size),
  fin,
  explicitLength: true,
});

describe('connection-level protocol violations (RFC 9000)', () => {
  it('§19.8: STREAM on a receive-only stream of the peer is STREAM_STATE_ERROR', () => {
    // Stream 2 is client-initiated unidirectional: the server can only receive on it.
    expect(clientReceives([stream(2, 0, 10)])).toBe(BigInt(TransportErrorCode.STREAM_STATE_ERROR));
  });

  it('§4.1: data past the stream flow-control limit is FLOW_CONTROL_ERROR', () => {
    // Server-initiated bidi stream 1; our initial window is 512 KiB.
    expect(clientReceives([stream(1, 600 * 1024, 10)])).toBe(
      BigInt(TransportErrorCode.FLOW_CONTROL_ERROR),
    );
  });

  it('§4.6: a stream ID past our MAX_STREAMS is STREAM_LIMIT_ERROR', () => {
    expect(clientReceives([stream(1 + 4 * 500, 0, 1)])).toBe(
      BigInt(TransportErrorCode.STREAM_LIMIT_ERROR),
    );
  });

  it('§4.5: a changed final size is FINAL_SIZE_ERROR', () => {
    expect(clientReceives([stream(1, 0, 10, true), stream(1, 0, 20, true)])).toBe(
      BigInt(TransportErrorCode.FINAL_SIZE_ERROR),
    );
  });

  it('§13.1: an ACK of a packet never sent is PROTOCOL_VIOLATION', () => {
    const ack: Frame = {
      type: 'ack',
      largest: 100_000,
      ackDelay: 0,
      ranges: [[0, 100_000]],
      ecn: undefined,
    };
    expect(clientReceives([ack])).toBe(BigInt(TransportErrorCode.PROTOCOL_VIOLATION));
  });

  it('§12.4: a truncated frame is FRAME_ENCODING_ERROR', () => {
    // A STREAM frame header with LEN set and no bytes behind it.
    expect(clientReceives(Uint8Array.of(0x0a, 0x01, 0x40))).toBe(
      BigInt(TransportErrorCode.FRAME_ENCODING_ERROR),
    );
  });

  it('§12.4: an unknown frame type is FRAME_ENCODING_ERROR', () => {
    expect(clientReceives(Uint8Array.of(0x21))).toBe(
      BigInt(TransportErrorCode.FRAME_ENCODING_ERROR),
    );
  });

  it('§19.20: HANDSHAKE_DONE from a client is PROTOCOL_VIOLATION', () => {
    const pair = established();
    pair.server!.receive(pair.now, oneRttPacket(pair.client, [{ type: 'handshakeDone' }]));
    expect(pair.server!.closeInfo?.code).toBe(BigInt(TransportErrorCode.PROTOCOL_VIOLATION));
  });

  it('§19.7: NEW_TOKEN from a client is PROTOCOL_VIOLATION', () => {
    const pair = established();
    pair.server!.receive(
      pair.now,
      oneRttPacket(pair.client, [{ type: 'newToken', token: Uint8Array.of(1, 2, 3) }]),
    );
    expect(pair.server!.closeInfo?.code).toBe(BigInt(TransportErrorCode.PROTOCOL_VIOLATION));
  });

  it('§12.4: a packet with no frames is PROTOCOL_VIOLATION', () => {
    // With a 4-byte packet number the builder adds no padding: the payload is empty.
    expect(clientReceives(new Uint8Array(0))).toBe(BigInt(TransportErrorCode.PROTOCOL_VIOLATION));
  });

  it('the closing side answers further packets with CONNECTION_CLOSE, then goes quiet', () => {
    const pair = established();
    pair.client.receive(pair.now, oneRttPacket(pair.server!, [stream(2, 0, 1)]));
    expect(pair.client.pollTransmit(pair.now)).toBeDefined();
    expect(pair.client.pollTransmit(pair.now)).toBeUndefined();
    pair.client.receive(pair.now, oneRttPacket(pair.server!, [{ type: 'ping' }]));
    expect(pair.client.pollTransmit(pair.now)).toBeDefined();
    pair.run(() => pair.client.state === 'closed');
    expect(pair.client.state).toBe('closed');
  });
});

describe('client handling of Retry and Version Negotiation (RFC 9000 §17.2)', () => {
  function firstFlight() {
    const pair = new ConnectionPair();
    const datagram = pair.client.pollTransmit(pair.now)!;
    const header = parsePacketHeader(datagram, 0, 8)!;
    return { pair, odcid: header.dcid.slice(), clientScid: header.scid.slice() };
  }

  function retry(odcid: Uint8Array, clientScid: Uint8Array, validTag: boolean): Uint8Array {
    const layout = encodeRetry(
      {
        version: 1,
        dcid: clientScid,
        scid: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9),
        token: Uint8Array.of(1, 2, 3),
      },
      odcid,
    );
    if (validTag) {
      const withoutTag = layout.packet.subarray(0, layout.packet.length - 16);
      layout.tag.set(computeRetryIntegrityTag(1, odcid, withoutTag));
    }
    return layout.packet.slice();
  }

  it('§17.2.5.2: a Retry whose integrity tag does not verify is discarded', () => {
    const { pair, odcid, clientScid } = firstFlight();
    pair.client.receive(pair.now, retry(odcid, clientScid, false));
    expect(pair.client.token.length).toBe(0);
    expect(pair.client.state).toBe('handshake');
  });

  it('§17.2.5.2: a valid Retry: the next Initial carries the token and the new DCID, packet numbers go on', () => {
    const { pair, odcid, clientScid } = firstFlight();
    pair.client.receive(pair.now, retry(odcid, clientScid, true));
    expect([...pair.client.token]).toEqual([1, 2, 3]);
    const next = pair.client.pollTransmit(pair.now)!;
    const header = parsePacketHeader(next, 0, 8)!;
    expect([...header.token]).toEqual([1, 2, 3]);
    expect([...header.dcid]).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
    expect(next.length).toBeGreaterThanOrEqual(1200);
    expect(pair.client.recovery.nextPacketNumber(0)).toBeGreaterThan(1);
    // A second Retry is ignored (at most one per connection).
    pair.client.receive(pair.now, retry(odcid, clientScid, true));
    expect(pair.client.state).toBe('handshake');
  });

  it('§6.2: a Version Negotiation packet listing our version is discarded', () => {
    const { pair, odcid, clientScid } = firstFlight();
    const vn = encodeVersionNegotiation({
      dcid: clientScid,
      scid: odcid,
      versions: [1, 0x6b3343cf],
      unusedBits: 0x40,
    });
    pair.client.receive(pair.now, vn);
    expect(pair.client.state).toBe('handshake');
    expect(pair.client.closeInfo).toBeUndefined();
    // ...and the handshake still completes.
    pair.run(() => pair.client.handshakeConfirmed);
    expect(pair.client.handshakeConfirmed).toBe(true);
  });

  it('§6.2: Version Negotiation without a common version ends the attempt with a clear reason', () => {
    const { pair, odcid, clientScid } = firstFlight();
    const vn = encodeVersionNegotiation({
      dcid: clientScid,
      scid: odcid,
      versions: [0xff00001d],
      unusedBits: 0x40,
    });
    pair.client.receive(pair.now, vn);
    expect(pair.client.state).toBe('closed');
    expect(pair.client.closeInfo?.reason).toMatch(/0xff00001d/);
  });

  it('§6.2: Version Negotiation for other connection IDs is ignored', () => {
    const { pair, clientScid } = firstFlight();
    const vn = encodeVersionNegotiation({
      dcid: clientScid,
      scid: Uint8Array.of(1, 2, 3),
      versions: [0xff00001d],
      unusedBits: 0x40,
    });
    pair.client.receive(pair.now, vn);
    expect(pair.client.state).toBe('handshake');
  });
});

describe('bounded state a peer can grow', () => {
  it('§19.7: many NEW_TOKEN frames leave one pending event, the newest token', () => {
    const pair = established();
    for (;;) if (pair.client.pollEvent() === undefined) break;
    const frames: Frame[] = [];
    for (let i = 0; i < 50; i++) frames.push({ type: 'newToken', token: Uint8Array.of(i, 1, 2) });
    pair.client.receive(pair.now, oneRttPacket(pair.server!, frames));
    const tokens = [];
    for (let e = pair.client.pollEvent(); e; e = pair.client.pollEvent()) {
      if (e.type === 'new-token') tokens.push(e.token[0]);
    }
    expect(tokens).toEqual([49]);
    expect(pair.client.state).toBe('established');
  });
});
