import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivePacketKeys } from '../../../crypto/packet-keys.js';
import { pureCryptoProvider } from '../../../crypto/pure-provider.js';
import {
  DatagramBuilder,
  type PacketHeaderPlan,
} from '../../../quic/connection/datagram-builder.js';
import { PacketType } from '../../../quic/packet/packet-type.js';
import { QUIC_V1 } from '../../../quic/version.js';
import { ConnectionPair } from './connection-pair.js';

const keys = derivePacketKeys(new Uint8Array(32).fill(7), 0x1301, QUIC_V1, pureCryptoProvider);

function plan(type: PacketType, packetNumber: number): PacketHeaderPlan {
  return {
    type,
    version: QUIC_V1,
    dcid: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    scid: new Uint8Array([9, 9, 9, 9]),
    token: type === PacketType.Initial ? new Uint8Array([0xaa, 0xbb]) : undefined,
    packetNumber,
    pnLength: 2,
    keys,
    keyPhase: packetNumber & 1,
  };
}

/** A datagram of packets of these types with these payload sizes, padded to `pad`. */
function build(
  builder: DatagramBuilder,
  packets: { type: PacketType; payload: number }[],
  pad: number,
): Uint8Array {
  packets.forEach(({ type, payload }, i) => {
    builder.startPacket(plan(type, 10 + i));
    builder.writer.writeZeros(1); // PADDING frames: any payload will do
    if (payload > 1) builder.writer.writeBytes(new Uint8Array(payload - 1).fill(i + 1));
  });
  builder.padDatagramTo(pad);
  return builder.finish().slice();
}

const packetsArbitrary = fc.array(
  fc.record({
    type: fc.constantFrom(PacketType.Initial, PacketType.Handshake),
    payload: fc.integer({ min: 0, max: 200 }),
  }),
  { minLength: 0, maxLength: 2 },
);

describe('DatagramBuilder', () => {
  it('a reset builder builds the same datagram as a new one', () => {
    const shared = new DatagramBuilder(new Uint8Array(1500), 1200);
    fc.assert(
      fc.property(
        packetsArbitrary,
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom(0, 1200),
        fc.constantFrom(1200, 1350),
        (longPackets, shortPayload, pad, maxSize) => {
          const packets = [...longPackets, { type: PacketType.OneRtt, payload: shortPayload }];
          const fresh = build(new DatagramBuilder(new Uint8Array(1500), maxSize), packets, pad);
          shared.reset(new Uint8Array(1500), maxSize); // another buffer
          shared.reset(shared.writer.buffer, maxSize);
          const reused = build(shared, packets, pad);
          expect(Buffer.from(reused).toString('hex')).toBe(Buffer.from(fresh).toString('hex'));
          expect(shared.packetSizes.reduce((a, b) => a + b, 0)).toBe(reused.length);
          expect(shared.contains(PacketType.OneRtt)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reset forgets the open packet, its types and sizes', () => {
    const builder = new DatagramBuilder(new Uint8Array(1500), 1200);
    builder.startPacket(plan(PacketType.Handshake, 1));
    builder.writer.writeZeros(30);
    builder.reset(new Uint8Array(1500), 1200);
    expect(builder.isEmpty).toBe(true);
    expect(builder.size).toBe(0);
    expect(builder.payloadLength).toBe(0);
    expect(builder.contains(PacketType.Handshake)).toBe(false);
    expect(builder.finish().length).toBe(0);
    expect(builder.packetSizes).toEqual([]);
  });
});

describe('sent datagrams', () => {
  it('are not changed by building later ones (each has bytes of its own)', () => {
    const pair = new ConnectionPair();
    pair.run(() => pair.client.handshakeConfirmed && (pair.server?.handshakeConfirmed ?? false));
    const held: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    const poll = pair.client.pollTransmit.bind(pair.client);
    pair.client.pollTransmit = (now: number) => {
      const d = poll(now);
      if (d) {
        held.push(d);
        copies.push(d.slice());
      }
      return d;
    };
    const id = pair.client.openStream(true)!;
    const size = 200_000;
    pair.client.streamWrite(
      id,
      new Uint8Array(size).map((_, i) => i * 7),
      true,
    );
    let received = 0;
    pair.run(() => {
      if (pair.server!.streams.stream(id) === undefined) return false;
      for (let r = pair.server!.streamRead(id, 65536, pair.now); r; ) {
        if ('resetCode' in r || r.data.length === 0) break;
        received += r.data.length;
        r = pair.server!.streamRead(id, 65536, pair.now);
      }
      return received === size;
    });
    expect(received).toBe(size);
    expect(held.length).toBeGreaterThan(100); // several slabs' worth
    held.forEach((d, i) => {
      expect(Buffer.compare(d, copies[i]!), `datagram ${i}`).toBe(0);
    });
  });
});
