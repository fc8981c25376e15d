import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../quic/connection/connection.js';
import { ConnectionPair } from './connection-pair.js';

/** Records what each packet `conn` sends carries (frame kinds, ack-eliciting). */
function recordPackets(conn: Connection): { kinds: string[]; ackEliciting: boolean }[] {
  const packets: { kinds: string[]; ackEliciting: boolean }[] = [];
  const onPacketSent = conn.recovery.onPacketSent.bind(conn.recovery);
  conn.recovery.onPacketSent = (now, packet) => {
    packets.push({
      kinds: packet.payload.map((frame) => frame.kind),
      ackEliciting: packet.ackEliciting,
    });
    onPacketSent(now, packet);
  };
  return packets;
}

describe('TransmitScheduler: ACKs', () => {
  it('a sender blocked by flow control does not answer ACK-only packets with ACK-only packets', () => {
    const pair = new ConnectionPair();
    pair.run(() => pair.client.handshakeConfirmed && (pair.server?.handshakeConfirmed ?? false));
    const { client } = pair;
    const server = pair.server!;
    const id = client.openStream(true)!;
    client.streamWrite(id, new Uint8Array([1]));
    pair.run(() => server.streams.stream(id) !== undefined);
    const sent = recordPackets(server);
    const block = new Uint8Array(65536);
    // The client takes two datagrams at a time, reads what arrived and
    // acknowledges (about every second packet, as quic-go does); the server
    // keeps reaching the stream limit the client's reads keep raising.
    const toClient: Uint8Array[] = [];
    let read = 0;
    for (let round = 0; round < 20_000 && read < 2_000_000; round++) {
      pair.now += 0.01;
      while (server.streamWrite(id, block) > 0) {}
      for (let d = server.pollTransmit(pair.now); d; d = server.pollTransmit(pair.now)) {
        toClient.push(d.slice());
      }
      for (const d of toClient.splice(0, 2)) client.receive(pair.now, d);
      for (
        let r = client.streamRead(id, 65536, pair.now);
        r && 'data' in r && r.data.length > 0;
      ) {
        read += r.data.length;
        r = client.streamRead(id, 65536, pair.now);
      }
      for (let d = client.pollTransmit(pair.now); d; d = client.pollTransmit(pair.now)) {
        server.receive(pair.now, d.slice());
      }
      for (const conn of [client, server]) {
        const due = conn.nextTimeout();
        if (due !== undefined && due <= pair.now) conn.handleTimeout(pair.now);
        while (conn.pollEvent() !== undefined) {}
      }
    }
    expect(read).toBeGreaterThanOrEqual(2_000_000);
    // RFC 9000 §13.2.1: no non-ack-eliciting packet in response to a
    // non-ack-eliciting packet (ACKs ride along with the data instead).
    expect(sent.filter((p) => !p.ackEliciting).length).toBeLessThan(5);
    expect(sent.some((p) => p.kinds.includes('ack') && p.kinds.includes('stream'))).toBe(true);
  });

  it('an ACK that is not due rides along with data, after it', () => {
    const pair = new ConnectionPair();
    pair.run(() => pair.client.handshakeConfirmed && (pair.server?.handshakeConfirmed ?? false));
    const id = pair.client.openStream(true)!;
    pair.client.streamWrite(id, new Uint8Array([1]));
    pair.run(() => pair.server!.streams.stream(id) !== undefined);
    const server = pair.server!;
    const sent = recordPackets(server);
    // One ack-eliciting packet from the client: an ACK is pending, not due.
    pair.client.streamWrite(id, new Uint8Array([2]));
    pair.run(() => pair.delivered.server >= 4, 1);
    server.streamWrite(id, new Uint8Array(3000));
    while (server.pollTransmit(pair.now) !== undefined) {}
    const first = sent.find((p) => p.kinds.includes('stream'))!;
    expect(first.kinds.at(-1)).toBe('ack');
    expect(first.ackEliciting).toBe(true);
  });
});
