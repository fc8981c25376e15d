// All streams of one connection (RFC 9000 §2-§4): opening and accepting
// streams within limits, routing peer frames to the send and receive parts,
// connection-level flow control, STREAM frame scheduling, the control frames
// the stream layer needs sent, and events for the application.
//
// Sans-IO and frame-codec independent: the connection decodes frames and
// calls the on* inputs with plain values, takes STREAM frames from
// pollStreamFrame() and control frames from pollControlFrame(), tells us
// which of those were acked or lost, and drains pollEvent().
//
//   const streams = new StreamManager({ role: 'client', initialMaxData: ..., ... });
//   streams.setPeerLimits(peerTransportParameters);
//   const id = streams.openStream(true);          // null at the peer's limit
//   streams.write(id, bytes, fin);                // -> bytes accepted
//   streams.pollStreamFrame(spaceInPacket);       // -> { streamId, offset, data, fin } | null
//   streams.onStreamFrame(id, offset, data, fin, now);
//   streams.read(id, max, now);                   // -> { data, fin } | { resetCode } | null
//
// Events (pollEvent): 'opened' (peer stream, implicit ones included, in ID
// order), 'readable' (queued once until polled: read until null),
// 'writable' (a short write may be retried), 'finished' (all sent data and
// FIN acked), 'reset' (the peer's RESET_STREAM; it counts as read, so read()
// returns null afterwards), 'stopped' (peer STOP_SENDING; we already reset
// with its code and writes now throw), 'streams-available', 'closed' (state
// freed; a peer stream's slot is returned through MAX_STREAMS).
// wantsToSend tells whether a poll can return anything; updateRtt feeds the
// window auto-tuning.
//
// Peer violations throw TransportError (the connection closes with it).
// Misuse by the application (unknown stream, wrong direction, write after
// FIN or reset) throws TypeError. A closed stream's state is freed; late
// frames for it are recognised by ID (below the next expected index) and
// ignored.

import { TransportError, TransportErrorCode } from '../errors.js';
import { ConnectionReceiveFlow, SendCredit } from './flow-control.js';
import { RecvStream } from './recv-stream.js';
import { SendStream } from './send-stream.js';
import {
  canReceive,
  canSend,
  isBidirectional,
  isLocallyInitiated,
  isValidStreamId,
  MAX_STREAMS_LIMIT,
  type Role,
  streamIdFor,
  streamIndex,
} from './stream-id.js';
import { LocalStreamLimit, PeerStreamLimit } from './stream-limits.js';
import {
  type AppErrorCode,
  type OutgoingStreamFrame,
  type ReadResult,
  type StreamControlFrame,
  type StreamEvent,
  StreamFrameType,
} from './types.js';

/** Our side's transport parameters and local policy. */
export interface StreamManagerConfig {
  role: Role;
  /** initial_max_data we advertise (RFC 9000 §18.2). */
  initialMaxData: number;
  /** initial_max_stream_data_bidi_local: window for bidi streams we open. */
  initialMaxStreamDataBidiLocal: number;
  /** initial_max_stream_data_bidi_remote: window for bidi streams the peer opens. */
  initialMaxStreamDataBidiRemote: number;
  /** initial_max_stream_data_uni: window for uni streams the peer opens. */
  initialMaxStreamDataUni: number;
  /** initial_max_streams_bidi: concurrent bidi streams the peer may open. */
  initialMaxStreamsBidi: number;
  /** initial_max_streams_uni: concurrent uni streams the peer may open. */
  initialMaxStreamsUni: number;
  /** Auto-tuning cap for a stream window. Default 16 MiB (at least the initial windows). */
  maxStreamWindow?: number;
  /** Auto-tuning cap for the connection window. Default 1.5 x maxStreamWindow. */
  maxConnectionWindow?: number;
  /** Bytes a stream buffers (written, not yet acked) before write() pushes back. Default 1 MiB. */
  sendBufferSize?: number;
  /** Bound on out-of-order gaps per stream (RFC 9000 §21.7). Default 4096. */
  maxGaps?: number;
}

/** The peer's transport parameters that concern streams (RFC 9000 §18.2). */
export interface PeerStreamLimits {
  initialMaxData: number;
  initialMaxStreamDataBidiLocal: number;
  initialMaxStreamDataBidiRemote: number;
  initialMaxStreamDataUni: number;
  initialMaxStreamsBidi: number;
  initialMaxStreamsUni: number;
}

interface StreamEntry {
  readonly id: number;
  readonly send: SendStream | undefined;
  readonly recv: RecvStream | undefined;
}

const DEFAULT_MAX_STREAM_WINDOW = 16 * 1024 * 1024;
const DEFAULT_SEND_BUFFER = 1024 * 1024;
/** RFC 9000 §4.1 / quic-go: keep the connection window ahead of any stream window. */
const CONNECTION_WINDOW_FACTOR = 1.5;

// Shared empty collections, never written: a manager allocates its own on the
// first add, so an idle connection (most of a server's) carries none of them.
const NO_STREAMS: ReadonlySet<number> = new Set();
const NO_STOPS: ReadonlyMap<number, AppErrorCode> = new Map();
const NO_ENTRIES: ReadonlyMap<number, StreamEntry> = new Map();

type StreamIdSet =
  | 'sendQueue'
  | 'blockedCheck'
  | 'resetDue'
  | 'maxStreamDataDue'
  | 'readableQueued';

const NO_PEER_LIMITS: PeerStreamLimits = {
  initialMaxData: 0,
  initialMaxStreamDataBidiLocal: 0,
  initialMaxStreamDataBidiRemote: 0,
  initialMaxStreamDataUni: 0,
  initialMaxStreamsBidi: 0,
  initialMaxStreamsUni: 0,
};

export class StreamManager {
  private readonly config: Required<StreamManagerConfig>;
  private readonly role: Role;
  private peer: PeerStreamLimits = NO_PEER_LIMITS;
  private streams = NO_ENTRIES as Map<number, StreamEntry>;
  private readonly local = { bidi: new LocalStreamLimit(), uni: new LocalStreamLimit() };
  private readonly remote: { bidi: PeerStreamLimit; uni: PeerStreamLimit };
  private readonly connectionSend = new SendCredit(0);
  private readonly connectionRecv: ConnectionReceiveFlow;
  private rtt = 0;

  /** Streams that may have STREAM data to send, in round-robin order. */
  private sendQueue = NO_STREAMS as Set<number>;
  /** Streams to check for STREAM_DATA_BLOCKED. */
  private blockedCheck = NO_STREAMS as Set<number>;
  private connectionBlocked = false;
  private maxDataDue = false;
  private resetDue = NO_STREAMS as Set<number>;
  private stopDue = NO_STOPS as Map<number, AppErrorCode>;
  private maxStreamDataDue = NO_STREAMS as Set<number>;
  private events: StreamEvent[] = [];
  private eventHead = 0;
  private readableQueued = NO_STREAMS as Set<number>;

  constructor(config: StreamManagerConfig) {
    for (const key of [
      'initialMaxData',
      'initialMaxStreamDataBidiLocal',
      'initialMaxStreamDataBidiRemote',
      'initialMaxStreamDataUni',
      'initialMaxStreamsBidi',
      'initialMaxStreamsUni',
    ] as const) {
      const value = config[key];
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new TypeError(`${key} must be a non-negative integer, got ${value}`);
      }
    }
    const largestInitial = Math.max(
      config.initialMaxStreamDataBidiLocal,
      config.initialMaxStreamDataBidiRemote,
      config.initialMaxStreamDataUni,
    );
    const maxStreamWindow = Math.max(
      config.maxStreamWindow ?? DEFAULT_MAX_STREAM_WINDOW,
      largestInitial,
    );
    const maxConnectionWindow = Math.max(
      config.maxConnectionWindow ?? Math.ceil(maxStreamWindow * CONNECTION_WINDOW_FACTOR),
      config.initialMaxData,
    );
    // Field by field, not a spread: every manager's config then shares one
    // hidden class (a spread copy cost ~0.5 KiB per connection).
    this.config = {
      role: config.role,
      initialMaxData: config.initialMaxData,
      initialMaxStreamDataBidiLocal: config.initialMaxStreamDataBidiLocal,
      initialMaxStreamDataBidiRemote: config.initialMaxStreamDataBidiRemote,
      initialMaxStreamDataUni: config.initialMaxStreamDataUni,
      initialMaxStreamsBidi: config.initialMaxStreamsBidi,
      initialMaxStreamsUni: config.initialMaxStreamsUni,
      maxStreamWindow,
      maxConnectionWindow,
      sendBufferSize: config.sendBufferSize ?? DEFAULT_SEND_BUFFER,
      maxGaps: config.maxGaps ?? 4096,
    };
    this.role = config.role;
    this.remote = {
      bidi: new PeerStreamLimit(config.initialMaxStreamsBidi),
      uni: new PeerStreamLimit(config.initialMaxStreamsUni),
    };
    this.connectionRecv = new ConnectionReceiveFlow(config.initialMaxData, maxConnectionWindow);
  }

  /** Adds a stream to one of the work sets, allocating the set on first use. */
  private mark(which: StreamIdSet, id: number): void {
    if (this[which] === NO_STREAMS) this[which] = new Set();
    this[which].add(id);
  }

  private markStop(id: number, errorCode: AppErrorCode): void {
    if (this.stopDue === NO_STOPS) this.stopDue = new Map();
    this.stopDue.set(id, errorCode);
  }

  // ---- configuration -------------------------------------------------------

  /** The peer's transport parameters (or remembered ones for 0-RTT). Limits only grow. */
  setPeerLimits(limits: PeerStreamLimits): void {
    this.local.bidi.raise(limits.initialMaxStreamsBidi);
    this.local.uni.raise(limits.initialMaxStreamsUni);
    this.connectionSend.raise(limits.initialMaxData);
    // A copy of the six numbers: the caller's object (the decoded transport
    // parameters) need not live as long as the connection.
    this.peer = {
      initialMaxData: limits.initialMaxData,
      initialMaxStreamDataBidiLocal: limits.initialMaxStreamDataBidiLocal,
      initialMaxStreamDataBidiRemote: limits.initialMaxStreamDataBidiRemote,
      initialMaxStreamDataUni: limits.initialMaxStreamDataUni,
      initialMaxStreamsBidi: limits.initialMaxStreamsBidi,
      initialMaxStreamsUni: limits.initialMaxStreamsUni,
    };
    for (const entry of this.streams.values()) {
      if (entry.send?.onMaxStreamData(this.peerStreamCredit(entry.id)))
        this.mark('sendQueue', entry.id);
    }
  }

  /** The latest smoothed RTT in ms, used to auto-tune receive windows. */
  updateRtt(smoothedRtt: number): void {
    this.rtt = smoothedRtt;
  }

  // ---- application verbs ---------------------------------------------------

  /** Opens a local stream, or returns null at the peer's limit (STREAMS_BLOCKED follows). */
  openStream(bidi: boolean): number | null {
    const index = (bidi ? this.local.bidi : this.local.uni).open();
    if (index === null) return null;
    const id = streamIdFor(this.role, bidi, index);
    this.createStream(id);
    return id;
  }

  /** Queues bytes on a stream; returns how many were accepted (backpressure). */
  write(id: number, bytes: Uint8Array, fin = false): number {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(
        `write: bytes must be a Uint8Array, got ${Object.prototype.toString.call(bytes)}`,
      );
    }
    const send = this.appStream(id, 'write').send;
    if (send === undefined) throw new TypeError(`write: stream ${id} is receive-only`);
    if (!send.writable) {
      throw new TypeError(`write: stream ${id} is no longer writable (send state ${send.state})`);
    }
    const accepted = send.write(bytes, fin);
    this.mark('sendQueue', id);
    this.noteBlocked(id, send);
    return accepted;
  }

  /** True when write() would accept bytes now or later (not finished, not reset). */
  isWritable(id: number): boolean {
    return this.streams.get(id)?.send?.writable ?? false;
  }

  /**
   * Reads in-order bytes. Returns null when nothing is available (or the
   * stream was closed and forgotten). Reading releases flow-control credit.
   */
  read(id: number, max: number, now: number): ReadResult | null {
    if (!(max >= 0)) throw new TypeError(`read: max must be a non-negative number, got ${max}`);
    const entry = this.appStreamOrClosed(id, 'read');
    if (entry === undefined) return null;
    const recv = entry.recv;
    if (recv === undefined) throw new TypeError(`stream ${id} is send-only`);
    const result = recv.read(max);
    this.afterReceive(entry, now);
    return result;
  }

  /** Abandons sending with an application error code (RESET_STREAM). */
  resetStream(id: number, errorCode: AppErrorCode): void {
    checkErrorCode('resetStream', errorCode);
    const entry = this.appStreamOrClosed(id, 'reset');
    if (entry === undefined) return;
    if (entry.send === undefined) throw new TypeError(`stream ${id} is receive-only`);
    if (entry.send.resetStream(errorCode)) this.onSendReset(entry);
  }

  /** Stops reading with an application error code (STOP_SENDING); buffered data is dropped. */
  stopSending(id: number, errorCode: AppErrorCode, now: number): void {
    checkErrorCode('stopSending', errorCode);
    const entry = this.appStreamOrClosed(id, 'stopSending');
    if (entry === undefined) return;
    if (entry.recv === undefined) throw new TypeError(`stream ${id} is send-only`);
    if (entry.recv.stopSending()) this.markStop(id, errorCode);
    this.maxStreamDataDue.delete(id);
    this.afterReceive(entry, now);
  }

  // ---- frames from the peer ------------------------------------------------

  /** A STREAM frame (RFC 9000 §19.8). */
  onStreamFrame(id: number, offset: number, data: Uint8Array, fin: boolean, now: number): void {
    const entry = this.peerFrameStream(id, StreamFrameType.STREAM, 'receive');
    if (entry === undefined) return;
    if (entry.recv!.onData(offset, data, fin, now)) this.queueReadable(id);
    this.afterReceive(entry, now);
  }

  /** A RESET_STREAM frame (RFC 9000 §19.4). */
  onResetStream(id: number, errorCode: AppErrorCode, finalSize: number, now: number): void {
    const entry = this.peerFrameStream(id, StreamFrameType.RESET_STREAM, 'receive');
    if (entry === undefined) return;
    const recv = entry.recv!;
    if (recv.onReset(errorCode, finalSize, now)) {
      // The event informs the application: RFC 9000 §3.2 "Reset Read".
      recv.read(0);
      this.readableQueued.delete(id);
      this.pushEvent({ type: 'reset', streamId: id, errorCode, finalSize });
    }
    this.stopDue.delete(id);
    this.maxStreamDataDue.delete(id);
    this.afterReceive(entry, now);
  }

  /** A STOP_SENDING frame (RFC 9000 §19.5). */
  onStopSending(id: number, errorCode: AppErrorCode): void {
    const entry = this.peerFrameStream(id, StreamFrameType.STOP_SENDING, 'send');
    if (entry === undefined) return;
    if (entry.send!.onStopSending(errorCode)) {
      this.pushEvent({ type: 'stopped', streamId: id, errorCode });
      this.onSendReset(entry);
    }
  }

  /** A MAX_DATA frame (RFC 9000 §19.9). */
  onMaxData(maximum: number): void {
    this.connectionSend.raise(maximum);
  }

  /** A MAX_STREAM_DATA frame (RFC 9000 §19.10). */
  onMaxStreamData(id: number, maximum: number): void {
    const entry = this.peerFrameStream(id, StreamFrameType.MAX_STREAM_DATA, 'send');
    if (entry === undefined) return;
    if (entry.send!.onMaxStreamData(maximum)) {
      this.mark('sendQueue', id);
      this.blockedCheck.delete(id);
    }
  }

  /** A MAX_STREAMS frame (RFC 9000 §19.11). */
  onMaxStreams(bidi: boolean, maximum: number): void {
    const frameType = bidi ? StreamFrameType.MAX_STREAMS_BIDI : StreamFrameType.MAX_STREAMS_UNI;
    const limit = bidi ? this.local.bidi : this.local.uni;
    const wasBlocked = limit.opened >= limit.limit;
    // One event per exhaustion: a peer raising the limit one by one cannot flood the queue.
    if (limit.raise(maximum, frameType) && wasBlocked) {
      this.pushEvent({ type: 'streams-available', bidi });
    }
  }

  /** A DATA_BLOCKED frame (RFC 9000 §19.12): resend MAX_DATA if ours is higher. */
  onDataBlocked(limit: number): void {
    if (this.connectionRecv.window.limit > limit) this.maxDataDue = true;
  }

  /** A STREAM_DATA_BLOCKED frame (RFC 9000 §19.13). */
  onStreamDataBlocked(id: number, limit: number): void {
    const entry = this.peerFrameStream(id, StreamFrameType.STREAM_DATA_BLOCKED, 'receive');
    if (entry === undefined) return;
    const current = entry.recv!.currentLimitIfUseful();
    if (current !== undefined && current > limit) this.mark('maxStreamDataDue', id);
  }

  /** A STREAMS_BLOCKED frame (RFC 9000 §19.14). */
  onStreamsBlocked(bidi: boolean, limit: number): void {
    // RFC 9000 §19.14: This value cannot exceed 2^60 ... Receipt of a frame
    // that encodes a larger stream ID MUST be treated as a connection error
    // of type STREAM_LIMIT_ERROR or FRAME_ENCODING_ERROR.
    if (limit > MAX_STREAMS_LIMIT) {
      throw new TransportError(
        TransportErrorCode.FRAME_ENCODING_ERROR,
        `STREAMS_BLOCKED limit ${limit} exceeds 2^60`,
        bidi ? StreamFrameType.STREAMS_BLOCKED_BIDI : StreamFrameType.STREAMS_BLOCKED_UNI,
      );
    }
    (bidi ? this.remote.bidi : this.remote.uni).onPeerBlocked(limit);
  }

  // ---- fate of what we sent ------------------------------------------------

  /** A STREAM frame we sent was acknowledged. */
  onStreamFrameAcked(id: number, offset: number, length: number, fin: boolean): void {
    const entry = this.streams.get(id);
    const send = entry?.send;
    if (entry === undefined || send === undefined) return;
    const wasDone = send.isTerminal;
    if (send.onAcked(offset, length, fin)) this.pushEvent({ type: 'writable', streamId: id });
    if (!wasDone && send.state === 'data-recvd') this.pushEvent({ type: 'finished', streamId: id });
    this.maybeClose(entry);
  }

  /** A STREAM frame we sent was declared lost: its unacknowledged ranges are resent. */
  onStreamFrameLost(id: number, offset: number, length: number, fin: boolean): void {
    const send = this.streams.get(id)?.send;
    if (send === undefined) return;
    send.onLost(offset, length, fin);
    if (send.hasSendable(this.connectionSend.available)) this.mark('sendQueue', id);
  }

  /** A control frame from pollControlFrame() was acknowledged. */
  onControlFrameAcked(frame: StreamControlFrame): void {
    if (frame.type !== 'reset_stream') return;
    const entry = this.streams.get(frame.streamId);
    if (entry?.send === undefined) return;
    entry.send.onResetAcked();
    this.maybeClose(entry);
  }

  /** A control frame from pollControlFrame() was lost: resend what is still useful (latest values only). */
  onControlFrameLost(frame: StreamControlFrame): void {
    switch (frame.type) {
      case 'max_data':
        this.maxDataDue = true;
        return;
      case 'max_streams':
        (frame.bidi ? this.remote.bidi : this.remote.uni).onUpdateLost();
        return;
      case 'data_blocked':
        if (this.connectionSend.blockedLost(frame.limit)) this.connectionBlocked = true;
        return;
      case 'streams_blocked':
        (frame.bidi ? this.local.bidi : this.local.uni).onBlockedLost(frame.limit);
        return;
      default:
        this.onStreamControlFrameLost(frame);
    }
  }

  // ---- outputs -------------------------------------------------------------

  /**
   * The next STREAM frame that fits in `maxFrameBytes` (type, stream ID,
   * offset and length fields included), round-robin across streams, each
   * stream preferring retransmissions. Null when nothing can be sent. The
   * returned `data` may be a view into a send buffer: encode it at once.
   */
  pollStreamFrame(maxFrameBytes: number): OutgoingStreamFrame | null {
    for (const id of this.sendQueue) {
      const send = this.streams.get(id)?.send;
      if (send === undefined) {
        this.sendQueue.delete(id);
        continue;
      }
      const overhead =
        1 +
        varintLength(id) +
        varintLength(send.maxOffset) +
        varintLength(Math.max(0, maxFrameBytes));
      // Not even an empty frame fits; another stream's smaller header might.
      if (maxFrameBytes < overhead) continue;
      const frame = send.nextFrame(maxFrameBytes - overhead, this.connectionSend.available);
      if (frame !== null) {
        this.connectionSend.use(frame.newBytes);
        // Round robin: back to the tail while it has more to send, or while
        // it waits for MAX_DATA (which does not name streams).
        this.sendQueue.delete(id);
        if (send.hasSendable(this.connectionSend.available)) this.mark('sendQueue', id);
        else if (send.hasCreditedData) {
          this.mark('sendQueue', id);
          this.connectionBlocked = true;
        } else if (send.isBlockedByPeer) this.mark('blockedCheck', id);
        return { streamId: id, offset: frame.offset, data: frame.data, fin: frame.fin };
      }
      if (send.isBlockedByPeer) this.mark('blockedCheck', id);
      if (send.hasCreditedData && this.connectionSend.available === 0) {
        this.connectionBlocked = true;
      } else if (!send.hasSendable(this.connectionSend.available)) {
        this.sendQueue.delete(id);
      }
    }
    return null;
  }

  /** The next control frame to send (RESET_STREAM, STOP_SENDING, MAX_*, *_BLOCKED), or null. */
  pollControlFrame(): StreamControlFrame | null {
    for (const id of this.resetDue) {
      this.resetDue.delete(id);
      const reset = this.streams.get(id)?.send?.reset;
      if (reset !== undefined) return { type: 'reset_stream', streamId: id, ...reset };
    }
    for (const [id, errorCode] of this.stopDue) {
      this.stopDue.delete(id);
      return { type: 'stop_sending', streamId: id, errorCode };
    }
    if (this.maxDataDue) {
      this.maxDataDue = false;
      return { type: 'max_data', maximum: this.connectionRecv.window.limit };
    }
    for (const bidi of [true, false]) {
      const maximum = (bidi ? this.remote.bidi : this.remote.uni).takeUpdate();
      if (maximum !== undefined) return { type: 'max_streams', bidi, maximum };
    }
    for (const id of this.maxStreamDataDue) {
      this.maxStreamDataDue.delete(id);
      const maximum = this.streams.get(id)?.recv?.currentLimitIfUseful();
      if (maximum !== undefined) return { type: 'max_stream_data', streamId: id, maximum };
    }
    return this.pollBlockedFrame();
  }

  /** The next event for the connection, or null. */
  pollEvent(): StreamEvent | null {
    if (this.eventHead >= this.events.length) return null;
    const event = this.events[this.eventHead++]!;
    if (this.eventHead === this.events.length) {
      this.events = [];
      this.eventHead = 0;
    }
    if (event.type === 'readable') this.readableQueued.delete(event.streamId);
    return event;
  }

  // ---- introspection -------------------------------------------------------

  /**
   * Whether pollStreamFrame/pollControlFrame may return something: lets the
   * connection skip building a packet (and arming a pacing timer) for
   * nothing. False while every stream with data waits for flow-control
   * credit (the *_BLOCKED frames for that are counted until sent).
   */
  get wantsToSend(): boolean {
    if (
      this.resetDue.size > 0 ||
      this.stopDue.size > 0 ||
      this.maxDataDue ||
      this.maxStreamDataDue.size > 0 ||
      this.blockedCheck.size > 0 ||
      this.connectionBlocked ||
      this.remote.bidi.hasUpdateDue ||
      this.remote.uni.hasUpdateDue ||
      this.local.bidi.hasBlockedDue ||
      this.local.uni.hasBlockedDue
    ) {
      return true;
    }
    const credit = this.connectionSend.available;
    for (const id of this.sendQueue) {
      if (this.streams.get(id)?.send?.hasSendable(credit)) return true;
    }
    return false;
  }

  /** Streams currently held in memory (open, or closing). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** The send and receive parts of a live stream, for stats and tests. */
  stream(id: number): { send: SendStream | undefined; recv: RecvStream | undefined } | undefined {
    return this.streams.get(id);
  }

  /** Connection-level receive state: bytes received, limit advertised, window. */
  get connectionReceive(): { received: number; limit: number; window: number; consumed: number } {
    const w = this.connectionRecv.window;
    return {
      received: this.connectionRecv.received,
      limit: w.limit,
      window: w.window,
      consumed: w.consumed,
    };
  }

  /** Connection-level send credit: the peer's MAX_DATA and what we used of it. */
  get connectionSendCredit(): { limit: number; used: number } {
    return { limit: this.connectionSend.limit, used: this.connectionSend.used };
  }

  /** The MAX_STREAMS we currently allow the peer, per direction. */
  get peerStreamAllowance(): { bidi: number; uni: number } {
    return { bidi: this.remote.bidi.limit, uni: this.remote.uni.limit };
  }

  // ---- internals -----------------------------------------------------------

  private createStream(id: number): StreamEntry {
    const local = isLocallyInitiated(id, this.role);
    const send = canSend(id, this.role)
      ? new SendStream(this.peerStreamCredit(id), this.config.sendBufferSize)
      : undefined;
    let recv: RecvStream | undefined;
    if (canReceive(id, this.role)) {
      const initialWindow = !isBidirectional(id)
        ? this.config.initialMaxStreamDataUni
        : local
          ? this.config.initialMaxStreamDataBidiLocal
          : this.config.initialMaxStreamDataBidiRemote;
      recv = new RecvStream(
        { initialWindow, maxWindow: this.config.maxStreamWindow, maxGaps: this.config.maxGaps },
        this.connectionRecv,
      );
    }
    const entry: StreamEntry = { id, send, recv };
    if (this.streams === NO_ENTRIES) this.streams = new Map();
    this.streams.set(id, entry);
    return entry;
  }

  /** The peer's initial MAX_STREAM_DATA for stream `id`, seen from our side. */
  private peerStreamCredit(id: number): number {
    if (!isBidirectional(id)) return this.peer.initialMaxStreamDataUni;
    // RFC 9000 §18.2: bidi_local applies to streams the peer initiates,
    // bidi_remote to streams we initiate (local/remote from the peer's view).
    return isLocallyInitiated(id, this.role)
      ? this.peer.initialMaxStreamDataBidiRemote
      : this.peer.initialMaxStreamDataBidiLocal;
  }

  /**
   * The stream a peer frame refers to, opening peer streams implicitly.
   * Undefined when the stream was closed and forgotten (the frame is
   * ignored). `needs` is the part of the stream the frame acts on.
   */
  private peerFrameStream(
    id: number,
    frameType: number,
    needs: 'send' | 'receive',
  ): StreamEntry | undefined {
    if (!isValidStreamId(id)) {
      throw new TransportError(
        TransportErrorCode.FRAME_ENCODING_ERROR,
        `invalid stream ID ${id}`,
        frameType,
      );
    }
    // RFC 9000 §19.8, §19.4, §19.13: frames that carry data or its end on a
    // send-only stream, and RFC 9000 §19.5, §19.10: STOP_SENDING or
    // MAX_STREAM_DATA for a receive-only stream, are STREAM_STATE_ERROR.
    const allowed = needs === 'send' ? canSend(id, this.role) : canReceive(id, this.role);
    if (!allowed) {
      throw new TransportError(
        TransportErrorCode.STREAM_STATE_ERROR,
        `stream ${id} is ${needs === 'send' ? 'receive' : 'send'}-only for us`,
        frameType,
      );
    }
    const index = streamIndex(id);
    const bidi = isBidirectional(id);
    if (isLocallyInitiated(id, this.role)) {
      // RFC 9000 §19.8: ... a STREAM frame for a locally initiated stream
      // that has not yet been created ... STREAM_STATE_ERROR.
      if (index >= (bidi ? this.local.bidi : this.local.uni).opened) {
        throw new TransportError(
          TransportErrorCode.STREAM_STATE_ERROR,
          `stream ${id} was not opened by us`,
          frameType,
        );
      }
      return this.streams.get(id);
    }
    const first = (bidi ? this.remote.bidi : this.remote.uni).accept(index, frameType);
    if (first === undefined) return this.streams.get(id);
    // RFC 9000 §3.2: A stream ID that is used out of order results in all
    // streams of that type with lower-numbered stream IDs also being opened.
    for (let i = first; i <= index; i++) {
      const opened = streamIdFor(this.role === 'client' ? 'server' : 'client', bidi, i);
      this.createStream(opened);
      this.pushEvent({ type: 'opened', streamId: opened, bidi });
    }
    return this.streams.get(id);
  }

  /** A stream named by the application: live, or a TypeError. */
  private appStream(id: number, verb: string): StreamEntry {
    const entry = this.appStreamOrClosed(id, verb);
    if (entry === undefined) throw new TypeError(`${verb}: stream ${id} is closed`);
    return entry;
  }

  /** Live stream, undefined when it existed and was closed, TypeError when it never existed. */
  private appStreamOrClosed(id: number, verb: string): StreamEntry | undefined {
    const entry = this.streams.get(id);
    if (entry !== undefined) return entry;
    if (!isValidStreamId(id)) throw new TypeError(`${verb}: invalid stream ID ${id}`);
    const bidi = isBidirectional(id);
    const opened = isLocallyInitiated(id, this.role)
      ? (bidi ? this.local.bidi : this.local.uni).opened
      : (bidi ? this.remote.bidi : this.remote.uni).opened;
    if (streamIndex(id) >= opened) throw new TypeError(`${verb}: stream ${id} does not exist`);
    return undefined;
  }

  /** Queues STREAM_DATA_BLOCKED / DATA_BLOCKED checks for a stream whose data waits for credit. */
  private noteBlocked(id: number, send: SendStream): void {
    if (send.isBlockedByPeer) this.mark('blockedCheck', id);
    else if (send.hasCreditedData && this.connectionSend.available === 0)
      this.connectionBlocked = true;
  }

  private onSendReset(entry: StreamEntry): void {
    this.mark('resetDue', entry.id);
    this.sendQueue.delete(entry.id);
    this.blockedCheck.delete(entry.id);
  }

  /** After receive-side changes: window updates, then closing. */
  private afterReceive(entry: StreamEntry, now: number): void {
    const recv = entry.recv;
    if (recv !== undefined) {
      const before = recv.window.window;
      if (recv.takeWindowUpdate(now, this.rtt) !== undefined)
        this.mark('maxStreamDataDue', entry.id);
      // quic-go: when a stream window grows, the connection window follows.
      if (recv.window.window > before) {
        this.connectionRecv.window.ensureWindow(recv.window.window * CONNECTION_WINDOW_FACTOR, now);
      }
    }
    const connection = this.connectionRecv.window;
    if (connection.shouldUpdate()) {
      connection.update(now, this.rtt);
      this.maxDataDue = true;
    }
    this.maybeClose(entry);
  }

  /** Frees a stream whose both parts are terminal (RFC 9000 §3.1, §3.2). */
  private maybeClose(entry: StreamEntry): void {
    if (!(entry.send?.isTerminal ?? true) || !(entry.recv?.isTerminal ?? true)) return;
    const id = entry.id;
    if (!this.streams.delete(id)) return;
    this.sendQueue.delete(id);
    this.blockedCheck.delete(id);
    this.resetDue.delete(id);
    this.stopDue.delete(id);
    this.maxStreamDataDue.delete(id);
    if (!isLocallyInitiated(id, this.role)) {
      (isBidirectional(id) ? this.remote.bidi : this.remote.uni).onStreamClosed();
    }
    this.pushEvent({ type: 'closed', streamId: id });
  }

  private onStreamControlFrameLost(frame: StreamControlFrame): void {
    if (frame.type === 'max_data' || frame.type === 'max_streams') return;
    if (frame.type === 'data_blocked' || frame.type === 'streams_blocked') return;
    const entry = this.streams.get(frame.streamId);
    if (entry === undefined) return;
    switch (frame.type) {
      case 'reset_stream':
        if (entry.send?.onResetLost()) this.mark('resetDue', frame.streamId);
        return;
      case 'stop_sending':
        // RFC 9000 §3.5: An endpoint is expected to send another STOP_SENDING
        // frame if a packet containing a previous STOP_SENDING is lost.
        if (entry.recv?.onStopSendingLost()) this.markStop(frame.streamId, frame.errorCode);
        return;
      case 'max_stream_data':
        if (entry.recv?.currentLimitIfUseful() !== undefined)
          this.mark('maxStreamDataDue', frame.streamId);
        return;
      case 'stream_data_blocked':
        if (entry.send?.onBlockedLost(frame.limit)) this.mark('blockedCheck', frame.streamId);
        return;
    }
  }

  private pollBlockedFrame(): StreamControlFrame | null {
    if (this.connectionBlocked) {
      this.connectionBlocked = false;
      // RFC 9000 §19.12: A sender SHOULD send a DATA_BLOCKED frame when it
      // wishes to send data but is unable to do so due to connection-level
      // flow control.
      const limit = this.connectionSend.takeBlocked();
      if (limit !== undefined) return { type: 'data_blocked', limit };
    }
    for (const id of this.blockedCheck) {
      this.blockedCheck.delete(id);
      const limit = this.streams.get(id)?.send?.takeBlocked();
      if (limit !== undefined) return { type: 'stream_data_blocked', streamId: id, limit };
    }
    for (const bidi of [true, false]) {
      const limit = (bidi ? this.local.bidi : this.local.uni).takeBlocked();
      if (limit !== undefined) return { type: 'streams_blocked', bidi, limit };
    }
    return null;
  }

  private queueReadable(id: number): void {
    if (this.readableQueued.has(id)) return;
    this.mark('readableQueued', id);
    this.pushEvent({ type: 'readable', streamId: id });
  }

  private pushEvent(event: StreamEvent): void {
    this.events.push(event);
  }
}

/** RFC 9000 §20.2: application error codes are varints, 0 to 2^62-1. */
function checkErrorCode(verb: string, code: AppErrorCode): void {
  const ok =
    typeof code === 'bigint'
      ? code >= 0n && code < 1n << 62n
      : Number.isSafeInteger(code) && code >= 0;
  if (!ok)
    throw new TypeError(`${verb}: errorCode must be an integer in [0, 2^62), got ${String(code)}`);
}

/** RFC 9000 §16: the encoded length of a variable-length integer. */
function varintLength(value: number): number {
  if (value < 64) return 1;
  if (value < 16384) return 2;
  if (value < 1073741824) return 4;
  return 8;
}
