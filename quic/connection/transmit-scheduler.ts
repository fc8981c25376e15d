// Decides what goes into the next datagram and builds it: per packet number
// space, an ACK when one is due, then (when congestion control and pacing
// allow) control frames, CRYPTO data, DATAGRAM frames and STREAM data, and a
// PING when a probe is due with nothing else ack-eliciting to send.
// Packets of several spaces coalesce into one datagram (RFC 9000 §12.2).
import { varintLength } from '../coding/varint.js';
import { encodeFrame, encodeStreamFrame, frameSize } from '../frame/encode-frame.js';
import type { AckFrame, Frame } from '../frame/frame.js';
import { encodePacketNumberLength } from '../packet/packet-number.js';
import { PacketType } from '../packet/packet-type.js';
import { PacketNumberSpace } from '../recovery/index.js';
import type { StreamControlFrame } from '../streams/types.js';
import type { Connection } from './connection.js';
import { DatagramBuilder, type PacketHeaderPlan } from './datagram-builder.js';
import type { PacketSpace } from './packet-space.js';
import type { SentFrame } from './sent-frame.js';

interface BuiltPacket {
  space: PacketNumberSpace;
  packetNumber: number;
  ackEliciting: boolean;
  frames: SentFrame[];
}

/** Below this many bytes of room a packet is not worth starting. */
const MIN_PACKET_ROOM = 24;
/** Room kept for one control frame (the largest, RESET_STREAM, is 25 bytes). */
const CONTROL_FRAME_ROOM = 32;
const NEW_CONNECTION_ID_ROOM = 1 + 8 + 8 + 1 + 20 + 16;
const MIN_INITIAL_DATAGRAM = 1200;
/** Room for a CONNECTION_CLOSE packet with a short reason. */
const MIN_CLOSE_DATAGRAM = 128;

// Packets are built in a scratch buffer shared by every connection, with one
// builder (building is synchronous and never re-entered); only a datagram
// that is actually sent is copied out (most polls on a receiving endpoint
// send nothing).
const EMPTY = new Uint8Array(0);
let scratch = new Uint8Array(0);
let sharedBuilder: DatagramBuilder | undefined;

// Sent datagrams are copied into slices of a shared slab rather than each
// into its own ArrayBuffer: one allocation per ~27 full-size datagrams
// instead of one per datagram (each ArrayBuffer is a malloc, a zero fill and
// work for the garbage collector). A slice keeps its slab alive only while
// the datagram itself is held, which is until it is sent.
const SLAB_SIZE = 32 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** See TransmitScheduler.plan. */
const sharedPlan = {
  type: PacketType.OneRtt,
  version: 0,
  dcid: EMPTY,
  scid: EMPTY,
  token: undefined,
  packetNumber: 0,
  pnLength: 1,
  keys: undefined,
  keyPhase: 0,
} as Omit<PacketHeaderPlan, 'keys'> & { keys: PacketHeaderPlan['keys'] | undefined };

/** Forgets the last connection's keys and IDs once its datagram is built. */
function releasePlan(): void {
  sharedPlan.keys = undefined;
  sharedPlan.dcid = EMPTY;
  sharedPlan.scid = EMPTY;
  sharedPlan.token = undefined;
}

function builderFor(maxSize: number): DatagramBuilder {
  if (scratch.length < maxSize) {
    scratch = new Uint8Array(maxSize);
    sharedBuilder = undefined;
  }
  if (sharedBuilder === undefined) sharedBuilder = new DatagramBuilder(scratch, maxSize);
  else sharedBuilder.reset(scratch, maxSize);
  return sharedBuilder;
}

/** The finished datagram, copied out of the scratch buffer. */
function copyOut(builder: DatagramBuilder): Uint8Array {
  const bytes = builder.finish();
  const length = bytes.length;
  if (length > SLAB_SIZE) return bytes.slice();
  if (slabUsed + length > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const datagram = slab.subarray(slabUsed, slabUsed + length);
  datagram.set(bytes);
  slabUsed += length;
  return datagram;
}

export class TransmitScheduler {
  /** When pacing holds back data that is ready: the connection's timer. */
  pacedUntil: number | undefined;

  constructor(private readonly c: Connection) {}

  buildDatagram(now: number): Uint8Array | undefined {
    try {
      return this.build(now);
    } finally {
      releasePlan();
    }
  }

  private build(now: number): Uint8Array | undefined {
    const c = this.c;
    this.pacedUntil = undefined;
    const budget = c.amplificationBudget();
    // RFC 9000 §8.1: an unvalidated server sends at most 3x what it received.
    // A CONNECTION_CLOSE is small and may use what is left; anything else
    // needs room for a full Initial datagram.
    const closing = c.state === 'closing';
    if (budget < (closing ? MIN_CLOSE_DATAGRAM : MIN_INITIAL_DATAGRAM)) return undefined;
    const maxSize = Math.min(c.maxDatagramSize, budget);
    const builder = builderFor(maxSize);
    if (closing) return this.buildClose(now, builder);
    const cwndOpen = c.recovery.canSend(maxSize);
    const sendAt = c.recovery.nextSendTime(now, maxSize);
    const allowData = cwndOpen && sendAt <= now;
    const packets: BuiltPacket[] = [];
    for (const space of c.spaces) {
      const packet = this.writePacket(now, builder, space, allowData);
      if (packet) packets.push(packet);
    }
    if (packets.length === 0) {
      if (cwndOpen && sendAt > now && this.hasData()) this.pacedUntil = sendAt;
      return undefined;
    }
    // RFC 9000 §14.1: a client pads every datagram carrying an Initial packet,
    // a server every one carrying an ack-eliciting Initial, to 1200 bytes.
    let padded = false;
    for (const p of packets) {
      if (p.space === PacketNumberSpace.Initial) padded = c.role === 'client' || p.ackEliciting;
    }
    if (padded) builder.padDatagramTo(MIN_INITIAL_DATAGRAM);
    const datagram = copyOut(builder);
    this.recordSent(now, packets, builder.packetSizes, padded);
    // RFC 9001 §4.9.1: a client discards Initial keys when it first sends a Handshake packet.
    if (c.role === 'client' && builder.contains(PacketType.Handshake)) {
      c.discardSpace(now, PacketNumberSpace.Initial);
    }
    return datagram;
  }

  private recordSent(now: number, packets: BuiltPacket[], sizes: number[], padded: boolean): void {
    const c = this.c;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      const isLast = i === packets.length - 1;
      c.recovery.onPacketSent(now, {
        space: p.space,
        packetNumber: p.packetNumber,
        size: sizes[i]!,
        ackEliciting: p.ackEliciting,
        // RFC 9002 §2: in flight = ack-eliciting or carrying PADDING.
        inFlight: p.ackEliciting || (padded && isLast),
        payload: p.frames,
      });
      c.stats.packetsSent++;
      if (p.ackEliciting) c.onAckElicitingSent(now);
    }
  }

  private hasData(): boolean {
    const c = this.c;
    if (c.spaces.some((s) => !s.discarded && s.crypto.hasData)) return true;
    return c.oneRtt !== undefined && this.hasApplicationData();
  }

  private hasApplicationData(): boolean {
    const p = this.c.pending;
    return (
      p.handshakeDone ||
      p.ping ||
      p.pathResponses.length > 0 ||
      p.newTokens.length > 0 ||
      p.datagrams.length > 0 ||
      this.c.localCids.hasPending() ||
      this.c.peerCids.hasPending() ||
      this.c.streams.wantsToSend
    );
  }

  /**
   * The header of the next packet in `space`, or undefined without keys. The
   * object is shared (one fewer allocation per packet, and none kept per
   * connection): valid until the next call.
   */
  private plan(space: PacketSpace): PacketHeaderPlan | undefined {
    const c = this.c;
    if (space.discarded) return undefined;
    const isApp = space.space === PacketNumberSpace.ApplicationData;
    const keys = isApp ? c.oneRtt?.write : space.writeKeys;
    if (keys === undefined) return undefined;
    const packetNumber = c.recovery.nextPacketNumber(space.space);
    const plan = sharedPlan;
    plan.type = space.packetType;
    plan.version = space.packetType === PacketType.Initial ? c.wireVersion : c.version;
    plan.dcid = c.peerCids.current.cid;
    plan.scid = c.scid;
    plan.token = c.role === 'client' ? c.token : undefined;
    plan.packetNumber = packetNumber;
    plan.pnLength = encodePacketNumberLength(packetNumber, c.recovery.largestAcked(space.space));
    plan.keys = keys;
    plan.keyPhase = isApp ? c.oneRtt!.keyPhase : 0;
    return plan as PacketHeaderPlan;
  }

  private writePacket(
    now: number,
    builder: DatagramBuilder,
    space: PacketSpace,
    allowData: boolean,
  ): BuiltPacket | undefined {
    const plan = this.plan(space);
    if (plan === undefined) return undefined;
    const probe = space.probesDue > 0;
    const ackDue = space.received.ackDue(now);
    const sendData = allowData || probe;
    const isApp = space.space === PacketNumberSpace.ApplicationData;
    const mayHaveData = sendData && (space.crypto.hasData || (isApp && this.hasApplicationData()));
    if (!ackDue && !probe && !mayHaveData) return undefined;
    if (builder.roomForPacket(plan) < MIN_PACKET_ROOM) return undefined;
    builder.startPacket(plan);
    const frames: SentFrame[] = [];
    let ackEliciting = false;
    // An ACK that is due goes first. One that is not due only rides along
    // in a packet that carries ack-eliciting frames anyway, written last in
    // room held back for it: otherwise a sender whose data is blocked (flow
    // control) answered the peer's ACK-only packets with ACK-only packets,
    // about one per two received. RFC 9000 §13.2.1: An endpoint MUST NOT
    // send a non-ack-eliciting packet in response to a non-ack-eliciting
    // packet, even if there are packet gaps that precede the received packet.
    let piggyback: AckFrame | undefined;
    if (ackDue) this.writeAck(now, builder, space, frames);
    else if (mayHaveData && space.received.hasUnreportedPackets) {
      piggyback = this.ackFrame(now, builder, space);
      if (piggyback !== undefined) builder.holdBack(frameSize(piggyback));
    }
    if (sendData) {
      if (isApp) ackEliciting = this.writeControlFrames(builder, frames) || ackEliciting;
      ackEliciting = this.writeCrypto(builder, space, frames) || ackEliciting;
      if (isApp) ackEliciting = this.writeStreamData(builder, frames) || ackEliciting;
    }
    if (probe && !ackEliciting) {
      encodeFrame(builder.writer, { type: 'ping' });
      frames.push({ kind: 'none' });
      ackEliciting = true;
    }
    if (piggyback !== undefined) {
      builder.holdBack(0);
      if (ackEliciting) this.encodeAck(builder, space, piggyback, frames);
    }
    if (frames.length === 0) {
      builder.abandonPacket();
      return undefined;
    }
    if (probe) space.probesDue--;
    return { space: space.space, packetNumber: plan.packetNumber, ackEliciting, frames };
  }

  private writeAck(
    now: number,
    builder: DatagramBuilder,
    space: PacketSpace,
    frames: SentFrame[],
  ): void {
    const frame = this.ackFrame(now, builder, space);
    if (frame !== undefined) this.encodeAck(builder, space, frame, frames);
  }

  /** The ACK frame for `space` that fits the room left, or undefined (none to send, no room). */
  private ackFrame(
    now: number,
    builder: DatagramBuilder,
    space: PacketSpace,
  ): AckFrame | undefined {
    const ack = space.received.buildAck(now);
    if (ack === undefined) return undefined;
    const frame: AckFrame = {
      type: 'ack',
      largest: ack.largest,
      ackDelay: ack.ackDelayEncoded,
      ranges: ack.ranges,
      ecn: ack.ecn,
    };
    // Drop the oldest ranges until the frame fits the room left.
    while (frame.ranges.length > 1 && frameSize(frame) > builder.remaining) frame.ranges.pop();
    return frameSize(frame) > builder.remaining ? undefined : frame;
  }

  private encodeAck(
    builder: DatagramBuilder,
    space: PacketSpace,
    frame: AckFrame,
    frames: SentFrame[],
  ): void {
    encodeFrame(builder.writer, frame);
    space.received.onAckSent();
    frames.push({ kind: 'ack', largest: frame.largest });
  }

  private writeCrypto(builder: DatagramBuilder, space: PacketSpace, frames: SentFrame[]): boolean {
    let wrote = false;
    while (space.crypto.hasData) {
      // CRYPTO: type, offset (up to 8 bytes), length (up to 2 bytes here).
      const room = builder.remaining - 1 - 8 - 2;
      if (room < 16) break;
      const next = space.crypto.nextFrame(room);
      if (next === null) break;
      encodeFrame(builder.writer, { type: 'crypto', offset: next.offset, data: next.data });
      frames.push({
        kind: 'crypto',
        level: space.level,
        offset: next.offset,
        length: next.data.length,
      });
      wrote = true;
    }
    return wrote;
  }

  /** HANDSHAKE_DONE, PATH_RESPONSE, CID management, stream control and NEW_TOKEN frames. */
  private writeControlFrames(builder: DatagramBuilder, frames: SentFrame[]): boolean {
    const c = this.c;
    const p = c.pending;
    const before = frames.length;
    if (p.handshakeDone && builder.remaining >= 1) {
      p.handshakeDone = false;
      encodeFrame(builder.writer, { type: 'handshakeDone' });
      frames.push({ kind: 'handshake-done' });
    }
    while (p.pathResponses.length > 0 && builder.remaining >= 9) {
      encodeFrame(builder.writer, { type: 'pathResponse', data: p.pathResponses.shift()! });
      frames.push({ kind: 'none' });
    }
    while (c.localCids.hasPending() && builder.remaining >= NEW_CONNECTION_ID_ROOM) {
      const id = c.localCids.pollNewConnectionId()!;
      encodeFrame(builder.writer, {
        type: 'newConnectionId',
        sequence: id.sequence,
        retirePriorTo: 0,
        connectionId: id.cid,
        statelessResetToken: id.resetToken,
      });
      frames.push({ kind: 'new-connection-id', sequence: id.sequence });
    }
    while (c.peerCids.hasPending() && builder.remaining >= 9) {
      const sequence = c.peerCids.pollRetireConnectionId()!;
      encodeFrame(builder.writer, { type: 'retireConnectionId', sequence });
      frames.push({ kind: 'retire-connection-id', sequence });
    }
    while (builder.remaining >= CONTROL_FRAME_ROOM) {
      const control = c.streams.pollControlFrame();
      if (control === null) break;
      encodeFrame(builder.writer, controlFrame(control));
      frames.push({ kind: 'stream-control', frame: control });
    }
    while (p.newTokens.length > 0) {
      const token = p.newTokens[0]!;
      if (builder.remaining < 1 + varintLength(token.length) + token.length) break;
      p.newTokens.shift();
      // Drained: drop the grown backing store (17 slots after the first
      // push), which `pending` would otherwise keep for the connection's life.
      if (p.newTokens.length === 0) p.newTokens = [];
      encodeFrame(builder.writer, { type: 'newToken', token });
      frames.push({ kind: 'new-token', token });
    }
    if (p.ping && builder.remaining >= 1) {
      p.ping = false;
      encodeFrame(builder.writer, { type: 'ping' });
      frames.push({ kind: 'none' });
    }
    return frames.length > before;
  }

  /** DATAGRAM frames first (they are time-sensitive), then STREAM frames. */
  private writeStreamData(builder: DatagramBuilder, frames: SentFrame[]): boolean {
    const c = this.c;
    const before = frames.length;
    const queue = c.pending.datagrams;
    while (queue.length > 0) {
      const data = queue[0]!;
      const size = 1 + varintLength(data.length) + data.length;
      if (size > builder.remaining) break;
      queue.shift();
      encodeFrame(builder.writer, { type: 'datagram', data, explicitLength: true });
      frames.push({ kind: 'none' });
    }
    while (builder.remaining >= MIN_PACKET_ROOM) {
      const next = c.streams.pollStreamFrame(builder.remaining);
      if (next === null) break;
      encodeStreamFrame(builder.writer, next.streamId, next.offset, next.data, next.fin, true);
      frames.push({
        kind: 'stream',
        streamId: next.streamId,
        offset: next.offset,
        length: next.data.length,
        fin: next.fin,
      });
    }
    return frames.length > before;
  }

  /**
   * RFC 9000 §10.2.1: while closing, send CONNECTION_CLOSE in response to
   * incoming packets. RFC 9000 §10.2.3: before the handshake is confirmed it
   * goes in every space the peer may have keys for, and an application close
   * becomes a transport APPLICATION_ERROR in Initial and Handshake packets.
   */
  private buildClose(now: number, builder: DatagramBuilder): Uint8Array | undefined {
    const c = this.c;
    if (!c.closeFrameDue || c.closeFrame === undefined) return undefined;
    c.closeFrameDue = false;
    const close = c.closeFrame as Frame & { type: 'connectionClose' };
    const packets: BuiltPacket[] = [];
    for (const space of c.spaces) {
      const plan = this.plan(space);
      if (plan === undefined) continue;
      const frame: Frame =
        close.application && space.space !== PacketNumberSpace.ApplicationData
          ? {
              ...close,
              application: false,
              errorCode: 0x0cn,
              frameType: 0,
              reason: new Uint8Array(0),
            }
          : close;
      if (builder.roomForPacket(plan) < frameSize(frame)) continue;
      builder.startPacket(plan);
      encodeFrame(builder.writer, frame);
      packets.push({
        space: space.space,
        packetNumber: plan.packetNumber,
        ackEliciting: false,
        frames: [],
      });
    }
    if (packets.length === 0) return undefined;
    if (builder.contains(PacketType.Initial) && c.role === 'client') {
      builder.padDatagramTo(MIN_INITIAL_DATAGRAM);
    }
    const datagram = copyOut(builder);
    // Recorded (not in flight) so that packet numbers keep advancing.
    this.recordSent(now, packets, builder.packetSizes, false);
    return datagram;
  }
}

function controlFrame(frame: StreamControlFrame): Frame {
  switch (frame.type) {
    case 'max_data':
      return { type: 'maxData', maximum: frame.maximum };
    case 'max_stream_data':
      return { type: 'maxStreamData', streamId: frame.streamId, maximum: frame.maximum };
    case 'max_streams':
      return { type: 'maxStreams', bidi: frame.bidi, maximum: frame.maximum };
    case 'data_blocked':
      return { type: 'dataBlocked', limit: frame.limit };
    case 'stream_data_blocked':
      return { type: 'streamDataBlocked', streamId: frame.streamId, limit: frame.limit };
    case 'streams_blocked':
      return { type: 'streamsBlocked', bidi: frame.bidi, limit: frame.limit };
    case 'reset_stream':
      return {
        type: 'resetStream',
        streamId: frame.streamId,
        errorCode: BigInt(frame.errorCode),
        finalSize: frame.finalSize,
      };
    case 'stop_sending':
      return { type: 'stopSending', streamId: frame.streamId, errorCode: BigInt(frame.errorCode) };
  }
}
