// Crafting packets as one side of a ConnectionPair would send them, with its
// keys and the other side's connection ID, to feed the other side frames a
// well-behaved peer never sends.
import type { Connection } from '../../../quic/connection/connection.js';
import { DatagramBuilder } from '../../../quic/connection/datagram-builder.js';
import { encodeFrame } from '../../../quic/frame/encode-frame.js';
import type { Frame } from '../../../quic/frame/frame.js';
import { PacketType } from '../../../quic/packet/packet-type.js';

/** A 1-RTT datagram from `from` carrying `frames` (or raw payload bytes). */
export function oneRttPacket(from: Connection, frames: Frame[] | Uint8Array): Uint8Array {
  const keys = from.oneRtt!.write;
  const packetNumber = from.recovery.nextPacketNumber(2);
  const builder = new DatagramBuilder(new Uint8Array(1500), 1500);
  builder.startPacket({
    type: PacketType.OneRtt,
    version: from.version,
    dcid: from.peerCids.current.cid,
    scid: from.scid,
    packetNumber,
    pnLength: 4,
    keys,
    keyPhase: from.oneRtt!.keyPhase,
  });
  if (frames instanceof Uint8Array) builder.writer.writeBytes(frames);
  else for (const frame of frames) encodeFrame(builder.writer, frame);
  // Burn the packet number so the sender's own packets do not reuse it.
  from.recovery.onPacketSent(0, {
    space: 2,
    packetNumber,
    size: 0,
    ackEliciting: false,
    inFlight: false,
    payload: [],
  });
  return builder.finish().slice();
}
