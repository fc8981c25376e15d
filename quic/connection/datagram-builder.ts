// Builds one UDP datagram of coalesced QUIC packets (RFC 9000 §12.2) in
// place: header, frames, then AEAD sealing and header protection, without
// copying the payload. The last packet stays unsealed until the datagram is
// finished, so it can still be padded: a client MUST expand datagrams
// carrying Initial packets to at least 1200 bytes (RFC 9000 §14.1), and
// every packet must be long enough for the header-protection sample
// (RFC 9001 §5.4.2).
import { AEAD_TAG_LENGTH } from '../../crypto/crypto-provider.js';
import { protectHeader } from '../../crypto/header-protection.js';
import type { PacketKeys } from '../../crypto/packet-keys.js';
import { varintLength } from '../coding/varint.js';
import { BufferWriter } from '../coding/writer.js';
import { writeLongHeader, writeShortHeaderFields } from '../packet/header-writer.js';
import { PacketType } from '../packet/packet-type.js';

export interface PacketHeaderPlan {
  type: PacketType;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial packets only. */
  token?: Uint8Array;
  packetNumber: number;
  pnLength: 1 | 2 | 3 | 4;
  keys: PacketKeys;
  /** Short header only: RFC 9001 §6 Key Phase bit. */
  keyPhase?: number;
}

/** RFC 9001 §5.4.2: the sample needs 4 bytes after the start of the packet number plus 16. */
const MIN_PN_AND_PAYLOAD = 4;

export class DatagramBuilder {
  readonly writer: BufferWriter;
  private maxSize: number;
  /** The buffer the writer's view was made for (reset keeps the view when it is the same). */
  private base: Uint8Array;
  // The open (not yet sealed) packet, in fields rather than an object per
  // packet: this runs once per datagram on a bulk sender. openStart < 0: no
  // packet is open.
  private openStart = -1;
  private openType: PacketType = PacketType.OneRtt;
  private openLengthOffset = -1;
  private openLengthFieldSize = 0;
  private openPnOffset = 0;
  private openPnLength = 1;
  private openPacketNumber = 0;
  private openKeys: PacketKeys | undefined;
  private payloadStart = 0;
  /** Packet types in this datagram, as a bit set over PacketType. */
  private types = 0;
  /** Bytes of the open packet kept free for a frame written last (see holdBack). */
  private heldBack = 0;
  /** Sizes of the packets sealed so far, in order (for recovery's bytes in flight). */
  readonly packetSizes: number[] = [];

  constructor(buffer: Uint8Array, maxSize: number) {
    this.base = buffer;
    this.maxSize = maxSize;
    this.writer = new BufferWriter(buffer.subarray(0, maxSize));
  }

  /** Starts a new, empty datagram of at most `maxSize` bytes in `buffer` (this builder, reused). */
  reset(buffer: Uint8Array, maxSize: number): void {
    if (buffer !== this.base || maxSize !== this.maxSize) {
      this.base = buffer;
      this.maxSize = maxSize;
      this.writer.buffer = buffer.subarray(0, maxSize);
    }
    this.writer.offset = 0;
    this.openStart = -1;
    this.openKeys = undefined;
    this.types = 0;
    this.heldBack = 0;
    this.packetSizes.length = 0;
  }

  /**
   * Keeps `bytes` of the open packet out of `remaining`, for a frame that
   * is written last (an ACK that rides along only if other frames are
   * written); holdBack(0) releases it.
   */
  holdBack(bytes: number): void {
    this.heldBack = bytes;
  }

  get size(): number {
    return this.writer.offset + (this.openStart >= 0 ? AEAD_TAG_LENGTH : 0);
  }

  get isEmpty(): boolean {
    return this.writer.offset === 0;
  }

  contains(type: PacketType): boolean {
    return (this.types & (1 << type)) !== 0;
  }

  /** Bytes a new packet of this header could still carry as frames (0 if none). */
  roomForPacket(plan: PacketHeaderPlan): number {
    const used = this.size + headerLength(plan) + AEAD_TAG_LENGTH;
    return Math.max(0, this.maxSize - used);
  }

  /** Frame bytes the open packet can still take. */
  get remaining(): number {
    return Math.max(0, this.maxSize - this.writer.offset - AEAD_TAG_LENGTH - this.heldBack);
  }

  /** Bytes of frames written into the open packet. */
  get payloadLength(): number {
    return this.openStart >= 0 ? this.writer.offset - this.payloadStart : 0;
  }

  /** Seals any open packet and writes the header of a new one. */
  startPacket(plan: PacketHeaderPlan): void {
    this.sealOpen();
    this.heldBack = 0;
    const w = this.writer;
    this.openStart = w.offset;
    if (plan.type === PacketType.OneRtt) {
      this.openPnOffset = writeShortHeaderFields(
        w,
        plan.dcid,
        plan.packetNumber,
        plan.pnLength,
        plan.keyPhase === 1,
      );
      this.openLengthOffset = -1;
      this.openLengthFieldSize = 0;
    } else {
      const header = writeLongHeader(w, {
        packetType: plan.type,
        version: plan.version,
        dcid: plan.dcid,
        scid: plan.scid,
        token: plan.type === PacketType.Initial ? plan.token : undefined,
        packetNumber: plan.packetNumber,
        pnLength: plan.pnLength,
      });
      this.openPnOffset = header.pnOffset;
      this.openLengthOffset = header.lengthOffset;
      this.openLengthFieldSize = header.lengthFieldSize;
    }
    this.payloadStart = w.offset;
    this.openType = plan.type;
    this.openPnLength = plan.pnLength;
    this.openPacketNumber = plan.packetNumber;
    this.openKeys = plan.keys;
    this.types |= 1 << plan.type;
  }

  /** Drops the open packet (it turned out to have nothing to carry). */
  abandonPacket(): void {
    if (this.openStart < 0) return;
    this.writer.offset = this.openStart;
    this.types &= ~(1 << this.openType);
    this.openStart = -1;
    this.openKeys = undefined;
  }

  /** Adds PADDING to the open packet so the datagram is at least `size` bytes. */
  padDatagramTo(size: number): void {
    if (this.openStart < 0) return;
    const target = Math.min(size, this.maxSize);
    const missing = target - this.size;
    if (missing > 0) this.writer.writeZeros(missing);
  }

  /** Seals the open packet and returns the datagram (a view of the buffer). */
  finish(): Uint8Array {
    this.sealOpen();
    return this.writer.bytes();
  }

  private sealOpen(): void {
    const start = this.openStart;
    const keys = this.openKeys;
    if (start < 0 || keys === undefined) return;
    this.openStart = -1;
    this.openKeys = undefined;
    const w = this.writer;
    // RFC 9001 §5.4.2: pad so the sample is inside the packet.
    const short = this.openPnLength + (w.offset - this.payloadStart);
    if (short < MIN_PN_AND_PAYLOAD) w.writeZeros(MIN_PN_AND_PAYLOAD - short);
    const payloadEnd = w.offset;
    // RFC 9000 §17.2: Length covers the packet number and the payload (with the tag).
    if (this.openLengthOffset >= 0) {
      w.fillVarint(
        this.openLengthOffset,
        payloadEnd + AEAD_TAG_LENGTH - this.openPnOffset,
        this.openLengthFieldSize,
      );
    }
    const end = keys.aead.seal(
      this.openPacketNumber,
      w.buffer,
      start,
      this.payloadStart,
      payloadEnd,
    );
    w.offset = end;
    this.packetSizes.push(end - start);
    protectHeader(keys.headerProtection, w.buffer, start, this.openPnOffset, end);
  }
}

/** Header bytes of a packet with this plan (Length field counted as 2 bytes). */
export function headerLength(plan: PacketHeaderPlan): number {
  if (plan.type === PacketType.OneRtt) return 1 + plan.dcid.length + plan.pnLength;
  let n = 1 + 4 + 1 + plan.dcid.length + 1 + plan.scid.length + 2 + plan.pnLength;
  if (plan.type === PacketType.Initial) {
    const tokenLength = plan.token?.length ?? 0;
    n += varintLength(tokenLength) + tokenLength;
  }
  return n;
}
