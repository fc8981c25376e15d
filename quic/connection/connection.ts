// One QUIC connection, sans-IO (RFC 9000, 9001, 9002). This class
// orchestrates: packets in (receive), packets out (pollTransmit), timers
// (nextTimeout/handleTimeout), application verbs (streams, datagrams,
// close) and events out (pollEvent). The pieces it delegates to:
//   PacketSpace      keys, CRYPTO stream and received packets per space
//   OneRttKeys       1-RTT keys and key update (RFC 9001 §6)
//   TlsClient/Server the handshake (crypto/tls/)
//   LossRecovery     RTT, loss detection, PTO, congestion control, pacing
//   StreamManager    streams and flow control
//   Local/PeerConnectionIds   connection IDs
//   DatagramBuilder  coalescing, padding and protection of outgoing packets
//   receive-path.ts  header protection removal and decryption of incoming packets
// Nothing here reads a clock or calls Math.random: `now` and `random` are passed in.

import { constantTimeEqual, equalBytes } from '../../crypto/bytes.js';
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import { deriveInitialKeys } from '../../crypto/initial-secrets.js';
import { derivePacketKeys } from '../../crypto/packet-keys.js';
import { getCryptoProvider } from '../../crypto/providers.js';
import { verifyRetryIntegrity } from '../../crypto/retry-integrity.js';
import { TlsAlert } from '../../crypto/tls/alert.js';
import { TlsClient } from '../../crypto/tls/client.js';
import {
  CryptoBufferExceeded,
  type EncryptionLevel,
  type TlsOutput,
} from '../../crypto/tls/handshake-common.js';
import { TlsServer } from '../../crypto/tls/server.js';
import { LocalConnectionIds } from '../cid/local-connection-ids.js';
import { PeerConnectionIds } from '../cid/peer-connection-ids.js';
import { BufferReader } from '../coding/reader.js';
import { TransportError, TransportErrorCode } from '../errors.js';
import { decodeFrame } from '../frame/decode-frame.js';
import type { Frame } from '../frame/frame.js';
import { type PacketHeader, parsePacketHeader } from '../packet/packet-header.js';
import { PacketType } from '../packet/packet-type.js';
import { decodeVersionNegotiation } from '../packet/version-negotiation.js';
import {
  decodeAckDelay,
  LossRecovery,
  PacketNumberSpace,
  type SentPacket,
  type TimeoutOutcome,
} from '../recovery/index.js';
import { StreamManager } from '../streams/stream-manager.js';
import type { AppErrorCode, ReadResult } from '../streams/types.js';
import {
  checkConnectionIdParameters,
  decodeTransportParameters,
  defaultTransportParameters,
  encodeTransportParameters,
  type TransportParameters,
} from '../transport-parameters.js';
import { QUIC_V1, SUPPORTED_VERSIONS } from '../version.js';
import type { ConnectionCloseInfo, ConnectionEvent } from './connection-events.js';
import {
  type ConnectionOptions,
  DEFAULT_TRANSPORT_SETTINGS,
  type TransportSettings,
  transportParametersFor,
} from './connection-options.js';
import { OneRttKeys } from './one-rtt-keys.js';
import { createPacketSpaces, discardedSpace, type PacketSpace } from './packet-space.js';
import { openPacket, type UndecryptablePacket } from './receive-path.js';
import type { SentFrame, SentPayload } from './sent-frame.js';
import { TransmitScheduler } from './transmit-scheduler.js';

export type ConnectionState = 'handshake' | 'established' | 'closing' | 'draining' | 'closed';

export interface ConnectionStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  packetsLost: number;
  packetsDropped: number;
  /** Stream bytes sent again after loss. */
  bytesRetransmitted: number;
  keyUpdates: number;
}

/**
 * RFC 9000 §10.2: the closing and draining states last three times the
 * current PTO interval, without the backoff (as quinn and quic-go do): after
 * a lossy handshake the backed-off PTO made a close take seconds.
 */
const CLOSE_PTO_MULTIPLIER = 3;
/** Packets that arrive before their keys and are kept to try again (RFC 9001 §5.7). */
const MAX_UNDECRYPTABLE = 16;
/** Datagrams received from the peer and not yet read by the application (RFC 9221 §5). */
const MAX_QUEUED_DATAGRAMS = 256;
const MIN_INITIAL_DATAGRAM = 1200;
/** See ConnectionOptions.pacingBurstIntervalMs. */
const DEFAULT_PACING_BURST_MS = 2;
/**
 * RFC 9002 §6.2.3: an endpoint MAY, for a limited number of times per
 * connection, send unacknowledged CRYPTO data earlier than the PTO expiry.
 * More than once, so that a handshake survives the heavy loss of the
 * interop runner's handshakeloss scenario without exponential PTO waits.
 */
const HANDSHAKE_SPEEDUPS = 4;

const LEVEL_SPACE: Record<EncryptionLevel, PacketNumberSpace> = {
  initial: PacketNumberSpace.Initial,
  early: PacketNumberSpace.ApplicationData,
  handshake: PacketNumberSpace.Handshake,
  application: PacketNumberSpace.ApplicationData,
};

/** The peer's transport parameters that matter after the handshake. */
export interface PeerParameters {
  readonly maxDatagramFrameSize: number;
  readonly ackDelayExponent: number;
  readonly maxAckDelay: number;
}

export class Connection {
  readonly role: 'client' | 'server';
  version: number;
  state: ConnectionState = 'handshake';
  readonly stats: ConnectionStats = {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    packetsLost: 0,
    packetsDropped: 0,
    bytesRetransmitted: 0,
    keyUpdates: 0,
  };
  /** Negotiated ALPN protocol, once known. */
  alpn: string | undefined;
  /** Negotiated cipher suite code, once known. */
  cipherSuite: number | undefined;
  /** Why the connection ended, once it has. */
  closeInfo: ConnectionCloseInfo | undefined;
  /**
   * The peer's transport parameters still consulted after they arrived (the
   * rest was applied then): a few numbers, not the decoded object with its
   * connection IDs, kept for the connection's life.
   */
  peerParams: PeerParameters | undefined;

  readonly spaces: PacketSpace[];
  oneRtt: OneRttKeys | undefined;
  readonly recovery: LossRecovery<SentPayload>;
  readonly streams: StreamManager;
  readonly localCids: LocalConnectionIds;
  readonly peerCids: PeerConnectionIds;
  readonly settings: TransportSettings;
  readonly provider: CryptoProvider;
  readonly random: (n: number) => Uint8Array;
  /** The SCID of our long-header packets (sequence 0 of our CIDs). */
  readonly scid: Uint8Array;
  /** Client: Initial token (from Retry or NEW_TOKEN). */
  token: Uint8Array = EMPTY;
  handshakeComplete = false;
  handshakeConfirmed = false;
  /** Server: anti-amplification accounting until the address is validated (RFC 9000 §8.1). */
  addressValidated: boolean;
  amplificationReceived = 0;
  amplificationSent = 0;
  /** Frames waiting for the next 1-RTT packet. */
  readonly pending = {
    handshakeDone: false,
    ping: false,
    pathResponses: [] as Uint8Array[],
    newTokens: [] as Uint8Array[],
    datagrams: [] as Uint8Array[],
  };
  /** The CONNECTION_CLOSE frame we send while closing. */
  closeFrame: Frame | undefined;
  closeFrameDue = false;
  readonly maxDatagramSize: number;

  /** Dropped by a server once the handshake is confirmed (memory per idle connection). */
  private tls: TlsClient | TlsServer | undefined;
  private events: ConnectionEvent[] = [];
  private readonly scheduler: TransmitScheduler;
  private readonly originalDcid: Uint8Array;
  private firstFlightVersion: number | undefined;
  private retrySourceCid: Uint8Array | undefined;
  private peerInitialScid: Uint8Array | undefined;
  private readonly undecryptable: UndecryptablePacket[] = [];
  private appReadSecret: Uint8Array | undefined;
  private appWriteSecret: Uint8Array | undefined;
  private idleTimeoutMs: number;
  private lastActivity: number;
  /** Set on our first ack-eliciting packet after receiving one (RFC 9000 §10.1). */
  private ackElicitingSentSinceReceive = false;
  private closeDeadline: number | undefined;
  private previousKeysDeadline: number | undefined;
  private receivedFromPeer = false;
  /** 'datagram' events waiting in `events` (bounded by MAX_QUEUED_DATAGRAMS). */
  private queuedDatagrams = 0;
  /** Early resends of handshake CRYPTO data left (RFC 9002 §6.2.3). */
  private handshakeSpeedupsLeft = HANDSHAKE_SPEEDUPS;
  /** Probe datagrams after the first that repeat the outstanding CRYPTO data. */
  private cryptoProbeRepeats = 0;

  constructor(options: ConnectionOptions, now: number) {
    this.role = options.role;
    this.random = options.random;
    this.provider = options.cryptoProvider ?? getCryptoProvider();
    this.settings = { ...DEFAULT_TRANSPORT_SETTINGS, ...options.transport };
    this.maxDatagramSize = options.maxDatagramSize ?? MIN_INITIAL_DATAGRAM;
    this.lastActivity = now;
    this.idleTimeoutMs = this.settings.maxIdleTimeout;
    const cidLength = options.cidLength ?? 8;
    this.scid = this.random(cidLength);
    const resetTokenFor = options.resetTokenFor ?? (() => this.random(16));
    this.localCids = new LocalConnectionIds({
      initial: this.scid,
      cidLength,
      random: this.random,
      resetTokenFor,
    });
    this.spaces = createPacketSpaces(this.settings.maxAckDelay);
    this.recovery = new LossRecovery<SentPayload>({
      isServer: this.role === 'server',
      random: this.random,
      congestionControl: options.congestionControl ?? 'cubic',
      maxDatagramSize: this.maxDatagramSize,
      pacingBurstIntervalMs: options.pacingBurstIntervalMs ?? DEFAULT_PACING_BURST_MS,
    });
    this.streams = new StreamManager({
      role: this.role,
      initialMaxData: this.settings.initialMaxData,
      initialMaxStreamDataBidiLocal: this.settings.initialMaxStreamDataBidiLocal,
      initialMaxStreamDataBidiRemote: this.settings.initialMaxStreamDataBidiRemote,
      initialMaxStreamDataUni: this.settings.initialMaxStreamDataUni,
      initialMaxStreamsBidi: this.settings.initialMaxStreamsBidi,
      initialMaxStreamsUni: this.settings.initialMaxStreamsUni,
      maxStreamWindow: this.settings.maxStreamWindow,
      maxConnectionWindow: this.settings.maxConnectionWindow,
    });
    this.scheduler = new TransmitScheduler(this);
    if (options.role === 'client') {
      this.version = options.version ?? QUIC_V1;
      this.firstFlightVersion = options.firstFlightVersion;
      this.token = options.token ?? EMPTY;
      // RFC 9000 §7.2: the first DCID is unpredictable and at least 8 bytes.
      this.originalDcid = this.random(8);
      this.peerCids = new PeerConnectionIds(
        this.originalDcid,
        this.settings.activeConnectionIdLimit,
      );
      this.addressValidated = true;
      this.installInitialKeys(this.originalDcid);
      const params = this.localTransportParameters({ initialSourceConnectionId: this.scid });
      this.tls = new TlsClient({
        ...options.tls,
        transportParameters: encodeTransportParameters(params),
        random: this.random,
        currentTimeMs: options.currentTimeMs,
      });
    } else {
      this.version = options.version;
      this.firstFlightVersion = undefined;
      // Only a client checks Version Negotiation and Retry against its
      // original DCID; the server sends it once, in its transport parameters.
      this.originalDcid = EMPTY;
      this.retrySourceCid = options.retrySourceCid;
      this.peerInitialScid = options.clientScid;
      this.peerCids = new PeerConnectionIds(
        options.clientScid,
        this.settings.activeConnectionIdLimit,
      );
      this.addressValidated = options.addressValidated ?? false;
      this.installInitialKeys(options.clientDcid);
      const params = this.localTransportParameters({
        initialSourceConnectionId: this.scid,
        originalDestinationConnectionId: options.originalDcid,
        retrySourceConnectionId: options.retrySourceCid,
        statelessResetToken: resetTokenFor(this.scid),
      });
      this.tls = new TlsServer({
        ...options.tls,
        transportParameters: encodeTransportParameters(params),
        random: this.random,
        currentTimeMs: options.currentTimeMs,
      });
    }
    this.drainTls(now);
  }

  // ---- inputs ----------------------------------------------------------------

  /** A UDP datagram from the peer. */
  receive(now: number, datagram: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'draining') return;
    this.stats.bytesReceived += datagram.length;
    // RFC 9000 §10.2.1: in the closing state, answer incoming packets with
    // CONNECTION_CLOSE (one per datagram received) and process nothing.
    if (this.state === 'closing') {
      this.closeFrameDue = true;
      return;
    }
    if (!this.addressValidated) this.amplificationReceived += datagram.length;
    let offset = 0;
    let firstDcid: Uint8Array | undefined;
    while (offset < datagram.length) {
      const header = parsePacketHeader(datagram, offset, this.scid.length);
      if (header === undefined) {
        this.stats.packetsDropped++;
        break;
      }
      offset = header.end;
      // RFC 9000 §12.2: receivers SHOULD ignore coalesced packets with a
      // different Destination Connection ID than the first packet.
      if (firstDcid && !equalBytes(firstDcid, header.dcid)) {
        this.stats.packetsDropped++;
        continue;
      }
      firstDcid ??= header.dcid;
      if (!this.guard(now, () => this.receivePacket(now, datagram, header))) return;
    }
    this.retryUndecryptable(now);
    this.recovery.setAmplificationBlocked(now, this.amplificationBlocked());
  }

  /** Timers: call at (or after) nextTimeout(). */
  handleTimeout(now: number): void {
    if (this.state === 'closed') return;
    if (this.closeDeadline !== undefined) {
      if (now >= this.closeDeadline) this.terminate();
      return;
    }
    if (this.idleDeadline() <= now) {
      // RFC 9000 §10.1: the connection is silently closed and its state discarded.
      this.enterClosed(now, {
        code: 0n,
        application: false,
        reason: `no packets received for ${this.effectiveIdleTimeout()} ms (idle timeout)`,
        initiator: 'idle-timeout',
      });
      this.terminate();
      return;
    }
    if (this.previousKeysDeadline !== undefined && now >= this.previousKeysDeadline) {
      this.oneRtt?.discardPrevious();
      this.previousKeysDeadline = undefined;
    }
    this.guard(now, () => this.onRecoveryTimeout(this.recovery.onLossDetectionTimeout(now)));
  }

  /** The next absolute time handleTimeout() must run, or undefined. */
  nextTimeout(): number | undefined {
    if (this.state === 'closed') return undefined;
    if (this.closeDeadline !== undefined) return this.closeDeadline;
    let next = this.idleDeadline();
    const loss = this.recovery.lossDetectionTimer;
    if (loss !== undefined && loss < next) next = loss;
    for (const space of this.spaces) {
      const ack = space.received.ackDeadline;
      if (ack !== undefined && !space.discarded && ack < next) next = ack;
    }
    const paced = this.scheduler.pacedUntil;
    if (paced !== undefined && paced < next) next = paced;
    if (this.previousKeysDeadline !== undefined && this.previousKeysDeadline < next) {
      next = this.previousKeysDeadline;
    }
    return Number.isFinite(next) ? next : undefined;
  }

  /** The next datagram to send, or undefined. */
  pollTransmit(now: number): Uint8Array | undefined {
    if (this.state === 'closed' || this.state === 'draining') return undefined;
    let datagram: Uint8Array | undefined;
    // A bug on the send path must end this connection, not the process.
    this.guard(now, () => {
      datagram = this.scheduler.buildDatagram(now);
    });
    if (datagram === undefined) return undefined;
    this.stats.bytesSent += datagram.length;
    if (this.cryptoProbeRepeats > 0 && !this.hasHandshakeCryptoToSend()) {
      // RFC 9002 §6.2.4: the second probe datagram carries the same CRYPTO
      // data ("sending the same payload every time"), so one lost datagram
      // does not cost another, doubled, PTO.
      this.cryptoProbeRepeats--;
      this.requeueHandshakeCrypto();
    }
    if (!this.addressValidated) this.amplificationSent += datagram.length;
    this.recovery.setAmplificationBlocked(now, this.amplificationBlocked());
    return datagram;
  }

  pollEvent(): ConnectionEvent | undefined {
    const streamEvent = this.streams.pollEvent();
    if (streamEvent) return { type: 'stream', event: streamEvent };
    const event = this.events.shift();
    if (event?.type === 'datagram') this.queuedDatagrams--;
    // A drained queue keeps its grown backing store (17 slots after the
    // first push) for the connection's life unless replaced.
    if (event !== undefined && this.events.length === 0) this.events = [];
    return event;
  }

  /** Resume after a 'handshake-paused' event's promise settled. */
  resumeHandshake(now: number): void {
    this.guard(now, () => this.drainTls(now));
  }

  // ---- application verbs -------------------------------------------------------

  openStream(bidirectional: boolean): number | null {
    if (this.state !== 'established' && !this.handshakeComplete) return null;
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed') {
      return null;
    }
    return this.streams.openStream(bidirectional);
  }

  streamWrite(id: number, data: Uint8Array, fin = false): number {
    this.assertOpen();
    return this.streams.write(id, data, fin);
  }

  streamRead(id: number, max: number, now: number): ReadResult | null {
    return this.streams.read(id, max, now);
  }

  resetStream(id: number, code: AppErrorCode): void {
    if (this.isOpen()) this.streams.resetStream(id, code);
  }

  stopSending(id: number, code: AppErrorCode, now: number): void {
    if (this.isOpen()) this.streams.stopSending(id, code, now);
  }

  /** RFC 9221: queue an unreliable datagram; false when it cannot be sent at all. */
  sendDatagram(data: Uint8Array): boolean {
    this.assertOpen();
    const limit = this.maxDatagramPayload();
    if (limit === 0 || data.length > limit) return false;
    if (this.pending.datagrams.length >= MAX_QUEUED_DATAGRAMS) return false;
    this.pending.datagrams.push(data.slice());
    return true;
  }

  /** Largest DATAGRAM payload the peer accepts and a packet can carry (0: unsupported). */
  maxDatagramPayload(): number {
    const peerMax = this.peerParams?.maxDatagramFrameSize ?? 0;
    if (peerMax === 0) return 0;
    // 1-RTT header (1 + CID + 4) + tag 16 + frame type and length 1 + 2.
    const room = this.maxDatagramSize - (1 + 20 + 4) - 16 - 3;
    return Math.max(0, Math.min(peerMax - 3, room));
  }

  /**
   * Close the connection (RFC 9000 §10.2): an application close with `code`
   * and `reason`, or a transport close when `application` is false.
   */
  close(now: number, code: AppErrorCode = 0, reason = '', application = true): void {
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed') return;
    if (!this.receivedFromPeer && this.role === 'client' && this.stats.packetsSent === 0) {
      this.enterClosed(now, { code: BigInt(code), application, reason, initiator: 'local' });
      this.terminate();
      return;
    }
    this.startClosing(now, BigInt(code), reason, application, 0);
  }

  // ---- receive path ---------------------------------------------------------

  private receivePacket(
    now: number,
    datagram: Uint8Array,
    header: PacketHeader,
    receivedAt = now,
  ): void {
    switch (header.packetType) {
      case PacketType.VersionNegotiation:
        this.onVersionNegotiation(now, datagram.subarray(header.start, header.end));
        return;
      case PacketType.Retry:
        this.onRetry(now, datagram.subarray(header.start, header.end), header);
        return;
      case PacketType.ZeroRtt:
        // 0-RTT is not accepted yet: RFC 9001 §4.6.2 lets a server discard it.
        this.stats.packetsDropped++;
        return;
      default:
        break;
    }
    if (header.packetType !== PacketType.OneRtt && header.version !== this.version) {
      this.stats.packetsDropped++;
      return;
    }
    const space = this.spaceOf(header.packetType);
    const opened = openPacket(this, space, datagram, header);
    if (opened.kind === 'no-keys') {
      this.keepUndecryptable(datagram, header, receivedAt);
      this.onPacketBeforeHandshakeKeys();
      return;
    }
    if (opened.kind === 'drop') {
      this.stats.packetsDropped++;
      if (header.packetType === PacketType.OneRtt) this.checkStatelessReset(now, datagram);
      return;
    }
    const { packetNumber, payloadStart, payloadEnd, wasNextKeyPhase } = opened;
    if (space.received.isDuplicate(packetNumber)) {
      this.stats.packetsDropped++;
      return;
    }
    if (wasNextKeyPhase) this.onPeerKeyUpdate(now);
    this.oneRttOpened(header, packetNumber, wasNextKeyPhase);
    this.stats.packetsReceived++;
    this.receivedFromPeer = true;
    this.onFirstPacketOf(now, header);
    const ackEliciting = this.processFrames(
      now,
      space,
      header,
      datagram.subarray(payloadStart, payloadEnd),
    );
    space.received.onPacketReceived(receivedAt, packetNumber, ackEliciting);
    // RFC 9000 §10.1: restart the idle timer on any packet processed.
    this.lastActivity = now;
    this.ackElicitingSentSinceReceive = false;
  }

  private oneRttOpened(header: PacketHeader, pn: number, wasNext: boolean): void {
    if (header.packetType === PacketType.OneRtt) this.oneRtt?.onPacketOpened(pn, wasNext);
  }

  private onFirstPacketOf(now: number, header: PacketHeader): void {
    if (this.role === 'client' && header.packetType === PacketType.Initial) {
      if (this.peerInitialScid === undefined) {
        // RFC 9000 §7.2: the client switches to the server's chosen CID.
        this.peerInitialScid = header.scid.slice();
        this.peerCids.replaceInitial(this.peerInitialScid);
      }
    }
    if (this.role === 'server' && header.packetType === PacketType.Handshake) {
      // RFC 9000 §8.1: a Handshake packet from the client validates its address.
      this.addressValidated = true;
      // RFC 9001 §4.9.1: a server discards Initial keys when it first
      // successfully processes a Handshake packet.
      this.discardSpace(now, PacketNumberSpace.Initial);
    }
  }

  /** Parses and handles every frame; returns whether the packet was ack-eliciting. */
  private processFrames(
    now: number,
    space: PacketSpace,
    header: PacketHeader,
    payload: Uint8Array,
  ): boolean {
    // RFC 9000 §12.4: a packet with no frames is a PROTOCOL_VIOLATION.
    if (payload.length === 0) {
      throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, 'packet carries no frames');
    }
    const reader = new BufferReader(payload);
    let ackEliciting = false;
    while (reader.remaining > 0) {
      const frame = decodeFrame(reader, header.packetType);
      if (frame.type !== 'padding' && frame.type !== 'ack' && frame.type !== 'connectionClose') {
        ackEliciting = true;
      }
      this.onFrame(now, space, header, frame);
      if (this.state === 'draining' || this.state === 'closed') break;
    }
    return ackEliciting;
  }

  private onFrame(now: number, space: PacketSpace, header: PacketHeader, frame: Frame): void {
    switch (frame.type) {
      case 'padding':
      case 'ping':
        return;
      case 'ack':
        this.onAck(now, space, frame.ranges, frame.ackDelay, frame.ecn?.ce);
        return;
      case 'crypto':
        this.onCrypto(now, space, frame.offset, frame.data);
        return;
      case 'connectionClose':
        this.onConnectionClose(now, frame);
        return;
      case 'handshakeDone':
        this.onHandshakeDone(now);
        return;
      case 'newToken':
        // RFC 9000 §19.7: a server receiving NEW_TOKEN is a PROTOCOL_VIOLATION.
        if (this.role === 'server') {
          throw new TransportError(
            TransportErrorCode.PROTOCOL_VIOLATION,
            'client sent NEW_TOKEN',
            0x07,
          );
        }
        this.onNewToken(frame.token);
        return;
      case 'datagram':
        this.onDatagram(frame.data);
        return;
      default:
        this.onApplicationFrame(now, header, frame);
        return;
    }
  }

  /** Frames that only 0-RTT and 1-RTT packets carry (the frame table enforces it). */
  private onApplicationFrame(now: number, header: PacketHeader, frame: Frame): void {
    const streams = this.streams;
    switch (frame.type) {
      case 'stream':
        streams.onStreamFrame(frame.streamId, frame.offset, frame.data, frame.fin, now);
        return;
      case 'resetStream':
        streams.onResetStream(frame.streamId, frame.errorCode, frame.finalSize, now);
        return;
      case 'stopSending':
        streams.onStopSending(frame.streamId, frame.errorCode);
        return;
      case 'maxData':
        streams.onMaxData(frame.maximum);
        return;
      case 'maxStreamData':
        streams.onMaxStreamData(frame.streamId, frame.maximum);
        return;
      case 'maxStreams':
        streams.onMaxStreams(frame.bidi, frame.maximum);
        return;
      case 'dataBlocked':
        streams.onDataBlocked(frame.limit);
        return;
      case 'streamDataBlocked':
        streams.onStreamDataBlocked(frame.streamId, frame.limit);
        return;
      case 'streamsBlocked':
        streams.onStreamsBlocked(frame.bidi, frame.limit);
        return;
      case 'newConnectionId':
        this.peerCids.onNewConnectionId(
          frame.sequence,
          frame.retirePriorTo,
          frame.connectionId,
          frame.statelessResetToken,
        );
        return;
      case 'retireConnectionId': {
        this.localCids.onRetire(frame.sequence, header.dcid);
        this.localCids.replenish();
        return;
      }
      case 'pathChallenge':
        // RFC 9000 §8.2.2: respond with PATH_RESPONSE echoing the data; bounded queue.
        if (this.pending.pathResponses.length < 4) {
          this.pending.pathResponses.push(frame.data.slice());
        }
        return;
      case 'pathResponse':
        // We never send PATH_CHALLENGE yet (no migration initiated): ignore.
        return;
      default:
        throw new TransportError(
          TransportErrorCode.INTERNAL_ERROR,
          `unhandled frame ${frame.type}`,
        );
    }
  }

  private onAck(
    now: number,
    space: PacketSpace,
    ranges: readonly (readonly [number, number])[],
    ackDelayField: number,
    ecnCe: number | undefined,
  ): void {
    // RFC 9000 §19.3: Initial and Handshake ACK delays use the default exponent 3.
    const exponent =
      space.space === PacketNumberSpace.ApplicationData
        ? (this.peerParams?.ackDelayExponent ?? 3)
        : 3;
    const outcome = this.recovery.onAckReceived(now, space.space, {
      ranges,
      ackDelay: decodeAckDelay(ackDelayField, exponent),
      ...(ecnCe === undefined ? {} : { ecnCe }),
    });
    for (const packet of outcome.acked) this.onPayloadAcked(space, packet.payload);
    this.onPacketsLost(outcome.lost);
    if (outcome.rttSampled) this.streams.updateRtt(this.recovery.rtt.smoothedRtt);
    // RFC 9001 §4.1.2: a client MAY consider the handshake confirmed when it
    // receives an acknowledgment for a 1-RTT packet (the peer can only
    // acknowledge 1-RTT packets we sent), so a lost HANDSHAKE_DONE costs
    // nothing. After the RTT sample: before confirmation the peer's ACK Delay
    // is not capped at max_ack_delay (RFC 9002 §5.3). Discarding the
    // Handshake space resets the PTO backoff (RFC 9002 Appendix A.11).
    if (this.role === 'client' && space.space === PacketNumberSpace.ApplicationData) {
      this.confirmHandshake(now);
    }
  }

  private onPayloadAcked(space: PacketSpace, payload: SentPayload): void {
    for (const frame of payload) {
      switch (frame.kind) {
        case 'stream':
          this.streams.onStreamFrameAcked(frame.streamId, frame.offset, frame.length, frame.fin);
          break;
        case 'crypto':
          this.spaces[LEVEL_SPACE[frame.level]]!.crypto.onAcked(frame.offset, frame.length);
          break;
        case 'stream-control':
          this.streams.onControlFrameAcked(frame.frame);
          break;
        case 'ack':
          space.received.onAckOfAck(frame.largest);
          break;
        case 'retire-connection-id':
          this.peerCids.onRetireAcked(frame.sequence);
          break;
        default:
          break;
      }
    }
  }

  /** Re-queue what lost packets carried (RFC 9000 §13.3). */
  onPacketsLost(lost: readonly SentPacket<SentPayload>[]): void {
    this.stats.packetsLost += lost.length;
    for (const packet of lost) for (const frame of packet.payload) this.onFrameLost(frame);
  }

  private onFrameLost(frame: SentFrame): void {
    switch (frame.kind) {
      case 'stream':
        this.stats.bytesRetransmitted += frame.length;
        this.streams.onStreamFrameLost(frame.streamId, frame.offset, frame.length, frame.fin);
        break;
      case 'crypto': {
        const space = this.spaces[LEVEL_SPACE[frame.level]]!;
        if (!space.discarded) space.crypto.onLost(frame.offset, frame.length);
        break;
      }
      case 'stream-control':
        this.streams.onControlFrameLost(frame.frame);
        break;
      case 'new-connection-id':
        this.localCids.onNewConnectionIdLost(frame.sequence);
        break;
      case 'retire-connection-id':
        this.peerCids.onRetireLost(frame.sequence);
        break;
      case 'handshake-done':
        this.pending.handshakeDone = true;
        break;
      case 'new-token':
        this.pending.newTokens.push(frame.token);
        break;
      default:
        break;
    }
  }

  private onCrypto(now: number, space: PacketSpace, offset: number, data: Uint8Array): void {
    // RFC 9002 §6.2.3: When a server receives an Initial packet containing
    // duplicate CRYPTO data, it can assume the client did not receive all of
    // the server's CRYPTO data sent in Initial packets.
    if (
      this.role === 'server' &&
      space.space === PacketNumberSpace.Initial &&
      offset + data.length <= space.crypto.receivedOffset &&
      this.handshakeSpeedupsLeft > 0 &&
      this.requeueHandshakeCrypto()
    ) {
      this.handshakeSpeedupsLeft--;
    }
    const bytes = space.crypto.receive(offset, data);
    if (bytes.length === 0) return;
    if (this.tls === undefined) {
      // RFC 9001 §4.1.3: a client sends no handshake messages after its
      // Finished in QUIC (no KeyUpdate, no post-handshake authentication).
      throw new TlsAlert('unexpected_message', 'handshake data after the handshake completed');
    }
    this.tls.receive(space.level, bytes);
    this.drainTls(now);
  }

  private onConnectionClose(now: number, frame: Frame & { type: 'connectionClose' }): void {
    // RFC 9000 §10.2.2: the peer closed; enter draining, send nothing more.
    this.enterClosed(now, {
      code: frame.errorCode,
      application: frame.application,
      reason: new TextDecoder().decode(frame.reason),
      frameType: frame.application ? undefined : frame.frameType,
      initiator: 'peer',
    });
    this.state = 'draining';
    this.closeDeadline = now + CLOSE_PTO_MULTIPLIER * this.currentPto();
  }

  private onHandshakeDone(now: number): void {
    // RFC 9000 §19.20: a server MUST treat receipt of HANDSHAKE_DONE as PROTOCOL_VIOLATION.
    if (this.role === 'server') {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        'client sent HANDSHAKE_DONE',
        0x1e,
      );
    }
    this.confirmHandshake(now);
  }

  /**
   * RFC 9000 §19.7: a token for a later connection. Only the newest
   * undelivered one is kept, so a server sending NEW_TOKEN in every packet
   * cannot grow the event queue.
   */
  private onNewToken(token: Uint8Array): void {
    const pending = this.events.findIndex((e) => e.type === 'new-token');
    const event: ConnectionEvent = { type: 'new-token', token: token.slice() };
    if (pending >= 0) this.events[pending] = event;
    else this.events.push(event);
  }

  private onDatagram(data: Uint8Array): void {
    // RFC 9221 §3: DATAGRAM frames when we did not advertise support are PROTOCOL_VIOLATION.
    if (this.settings.maxDatagramFrameSize === 0) {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        'DATAGRAM frame received but max_datagram_frame_size is 0',
        0x30,
      );
    }
    const queued = this.queuedDatagrams;
    // RFC 9221 §5: datagrams may be dropped when the receiver is overwhelmed.
    if (queued < MAX_QUEUED_DATAGRAMS) {
      this.events.push({ type: 'datagram', data: data.slice() });
      this.queuedDatagrams++;
    }
  }

  private onVersionNegotiation(now: number, packet: Uint8Array): void {
    // RFC 9000 §6.2: only a client acts on Version Negotiation, and only
    // before it has received any other packet from the server.
    if (this.role !== 'client' || this.receivedFromPeer) return;
    const vn = decodeVersionNegotiation(packet);
    if (vn === undefined) return;
    if (!equalBytes(vn.dcid, this.scid) || !equalBytes(vn.scid, this.originalDcid)) return;
    const offered = this.firstFlightVersion ?? this.version;
    // RFC 9000 §6.2: a client MUST discard a Version Negotiation packet that
    // lists the QUIC version it selected.
    if (vn.versions.includes(offered)) return;
    if (this.firstFlightVersion === undefined || this.stats.packetsReceived > 0) {
      const common = SUPPORTED_VERSIONS.find((v) => vn.versions.includes(v));
      this.enterClosed(now, {
        code: BigInt(TransportErrorCode.CONNECTION_REFUSED),
        application: false,
        reason: `server offers versions ${vn.versions.map((v) => `0x${v.toString(16)}`).join(', ')}; ${common === undefined ? 'none is supported' : 'negotiation not enabled'}`,
        initiator: 'peer',
      });
      this.terminate();
      return;
    }
    if (!vn.versions.includes(this.version)) {
      this.enterClosed(now, {
        code: BigInt(TransportErrorCode.CONNECTION_REFUSED),
        application: false,
        reason: `server does not support QUIC version 0x${this.version.toString(16)}`,
        initiator: 'peer',
      });
      this.terminate();
      return;
    }
    // Start again with the real version: same TLS ClientHello, new Initial keys.
    this.firstFlightVersion = undefined;
    this.restartInitial(now, this.originalDcid);
  }

  private onRetry(now: number, packet: Uint8Array, header: PacketHeader): void {
    // RFC 9000 §17.2.5.2: a client MUST accept and process at most one Retry
    // packet, only before it has received any other packet from the server,
    // and MUST discard a Retry with an invalid integrity tag or empty token.
    if (this.role !== 'client' || this.receivedFromPeer || this.retrySourceCid !== undefined)
      return;
    if (header.token.length === 0) return;
    if (!verifyRetryIntegrity(this.version, this.originalDcid, packet)) return;
    if (equalBytes(header.scid, this.originalDcid)) return;
    this.retrySourceCid = header.scid.slice();
    this.token = header.token.slice();
    this.peerCids.replaceInitial(this.retrySourceCid);
    this.restartInitial(now, this.retrySourceCid);
  }

  /** After Retry or Version Negotiation: new Initial keys, everything sent is sent again. */
  private restartInitial(now: number, dcid: Uint8Array): void {
    this.installInitialKeys(dcid);
    // RFC 9002 §6.3: reset congestion control and loss recovery; packet numbers continue.
    this.onPacketsLost(this.recovery.onRetry(now));
  }

  private installInitialKeys(dcid: Uint8Array): void {
    const keys = deriveInitialKeys(this.version, dcid, this.provider);
    const initial = this.spaces[PacketNumberSpace.Initial]!;
    const mine = this.role === 'client' ? keys.client : keys.server;
    const theirs = this.role === 'client' ? keys.server : keys.client;
    initial.writeKeys = mine;
    initial.readKeys = theirs;
  }

  /** Version for the Initial header: the first flight may carry a greasing version. */
  get wireVersion(): number {
    return this.firstFlightVersion ?? this.version;
  }

  // ---- TLS ---------------------------------------------------------------------

  private drainTls(now: number): void {
    const tls = this.tls;
    if (tls === undefined) return;
    for (let out = tls.poll(); out !== undefined; out = tls.poll()) {
      this.onTlsOutput(now, out);
    }
    // A server needs TLS no more once the handshake is confirmed and its
    // outputs (the session ticket) are drained.
    if (this.role === 'server' && this.handshakeConfirmed) this.tls = undefined;
  }

  private onTlsOutput(now: number, out: TlsOutput): void {
    switch (out.kind) {
      case 'data':
        this.spaces[LEVEL_SPACE[out.level]]!.crypto.write(out.bytes);
        return;
      case 'secrets':
        this.onSecrets(now, out.level, out.read, out.write, out.suite.code);
        return;
      case 'transport-parameters':
        this.onPeerTransportParameters(now, out.bytes);
        return;
      case 'alpn':
        this.alpn = out.protocol;
        return;
      case 'complete':
        this.onHandshakeComplete(now);
        return;
      case 'session-ticket':
        this.events.push({ type: 'session-ticket', ticket: out.ticket });
        return;
      case 'waiting-for-certificate-verification':
        this.events.push({ type: 'handshake-paused', settled: out.settled });
        return;
      case 'early-data':
        return;
    }
  }

  private onSecrets(
    now: number,
    level: EncryptionLevel,
    read: Uint8Array | undefined,
    write: Uint8Array | undefined,
    suite: number,
  ): void {
    this.cipherSuite = suite;
    if (level === 'early') return; // 0-RTT is not used yet.
    if (level === 'handshake') {
      const space = this.spaces[PacketNumberSpace.Handshake]!;
      if (read) space.readKeys = derivePacketKeys(read, suite, this.version, this.provider);
      if (write) space.writeKeys = derivePacketKeys(write, suite, this.version, this.provider);
      if (this.role === 'client') this.recovery.setHandshakeKeysAvailable(now);
      return;
    }
    if (read) this.appReadSecret = read;
    if (write) this.appWriteSecret = write;
    if (this.appReadSecret && this.appWriteSecret && !this.oneRtt) {
      this.oneRtt = new OneRttKeys(
        derivePacketKeys(this.appReadSecret, suite, this.version, this.provider),
        derivePacketKeys(this.appWriteSecret, suite, this.version, this.provider),
      );
      // The packet keys keep their own copy of each secret for key updates.
      this.appReadSecret = undefined;
      this.appWriteSecret = undefined;
    }
  }

  private onPeerTransportParameters(now: number, bytes: Uint8Array): void {
    const peerRole = this.role === 'client' ? 'server' : 'client';
    const params = decodeTransportParameters(bytes, peerRole);
    // RFC 9000 §7.3: authenticate the connection IDs used during the handshake.
    checkConnectionIdParameters(params, peerRole, {
      initialSourceConnectionId: this.peerInitialScid ?? EMPTY,
      ...(this.role === 'client'
        ? {
            originalDestinationConnectionId: this.originalDcid,
            retrySourceConnectionId: this.retrySourceCid,
          }
        : {}),
    });
    // Checked once; the peer's CIDs live on in peerCids.
    this.peerInitialScid = EMPTY;
    this.peerParams = {
      maxDatagramFrameSize: params.maxDatagramFrameSize,
      ackDelayExponent: params.ackDelayExponent,
      maxAckDelay: params.maxAckDelay,
    };
    this.streams.setPeerLimits(params);
    this.recovery.setPeerMaxAckDelay(now, params.maxAckDelay);
    this.localCids.setPeerLimit(params.activeConnectionIdLimit);
    if (params.statelessResetToken) this.peerCids.setInitialResetToken(params.statelessResetToken);
    // RFC 9000 §10.1: the effective idle timeout is the minimum of both, 0 meaning none.
    const peerIdle = params.maxIdleTimeout;
    const ours = this.settings.maxIdleTimeout;
    this.idleTimeoutMs = ours === 0 ? peerIdle : peerIdle === 0 ? ours : Math.min(ours, peerIdle);
  }

  private onHandshakeComplete(now: number): void {
    this.handshakeComplete = true;
    if (this.peerParams === undefined) {
      // RFC 9001 §8.2: quic_transport_parameters is mandatory.
      throw new TlsAlert('missing_extension', 'peer sent no quic_transport_parameters');
    }
    this.localCids.replenish();
    if (this.role === 'server') {
      // RFC 9001 §4.1.2: the server's handshake is confirmed when it completes;
      // it sends HANDSHAKE_DONE (RFC 9000 §19.20).
      this.pending.handshakeDone = true;
      this.confirmHandshake(now);
    }
    // RFC 9001 §4.1.1: the handshake is complete once the client has sent its
    // Finished; it may send 1-RTT data from then on. Like quic-go and quinn,
    // the connection is reported usable here, not one round trip later at
    // confirmation (HANDSHAKE_DONE or an ACK of 1-RTT data), which only
    // settles when the Handshake keys may go. A server reads 1-RTT packets
    // only once it has the client's Finished (RFC 9001 §5.7: the keys come
    // with it); earlier ones wait with the undecryptable packets.
    this.events.push({ type: 'connected' });
  }

  private confirmHandshake(now: number): void {
    if (this.handshakeConfirmed) return;
    this.handshakeConfirmed = true;
    this.state = 'established';
    this.recovery.setHandshakeConfirmed(now);
    // RFC 9001 §4.9.2: an endpoint MUST discard its Handshake keys when the
    // TLS handshake is confirmed.
    this.discardSpace(now, PacketNumberSpace.Initial);
    this.discardSpace(now, PacketNumberSpace.Handshake);
  }

  /** RFC 9001 §4.9: drop a space's keys, in-flight packets and timers. */
  discardSpace(now: number, which: PacketNumberSpace): void {
    const space = this.spaces[which]!;
    if (space.discarded) return;
    space.discard();
    this.spaces[which] = discardedSpace(space);
    this.recovery.discardSpace(now, which);
  }

  private onPeerKeyUpdate(now: number): void {
    this.stats.keyUpdates++;
    // RFC 9001 §6.5: keep the previous read keys for a while (3 PTO) for reordered packets.
    this.previousKeysDeadline =
      now + 3 * this.recovery.ptoPeriod(PacketNumberSpace.ApplicationData);
  }

  // ---- timers ------------------------------------------------------------------

  private onRecoveryTimeout(outcome: TimeoutOutcome<SentPayload>): void {
    switch (outcome.kind) {
      case 'none':
        return;
      case 'loss':
        this.onPacketsLost(outcome.lost);
        return;
      case 'probe':
      case 'anti-deadlock': {
        const space = this.spaces[outcome.space]!;
        space.probesDue = outcome.packets;
        if (outcome.space === PacketNumberSpace.ApplicationData) {
          // RFC 9002 §6.2.4: probes SHOULD carry data: resend outstanding CRYPTO data.
          this.requeueCrypto(space);
          // RFC 9002 §6.2.4: Previously sent data MAY be sent if no new data
          // can be sent: the frames of the oldest packets in flight, one per
          // probe, so a lost HANDSHAKE_DONE or request is not left to a PING.
          this.requeueOldestInFlight(space, outcome.packets);
          return;
        }
        // RFC 9002 §6.2.4: the sender SHOULD send ack-eliciting packets from
        // other packet number spaces with in-flight data, coalescing packets
        // if possible (the server's Initial and Handshake flights).
        if (this.requeueHandshakeCrypto(outcome.space)) {
          this.cryptoProbeRepeats = outcome.packets - 1;
        } else if (this.role === 'client' && outcome.space === PacketNumberSpace.Initial) {
          // The ClientHello was acknowledged but no ServerHello came: send it
          // again, as duplicate CRYPTO data tells the server its Initial
          // flight was lost (RFC 9002 §6.2.3) where a PING would only be acked.
          space.crypto.resendAll();
        }
        return;
      }
    }
  }

  /** Marks the CRYPTO data of `space`'s packets in flight for resending; true if any. */
  private requeueCrypto(space: PacketSpace): boolean {
    if (space.discarded) return false;
    let any = false;
    for (const packet of this.recovery.space(space.space).outstandingPackets()) {
      for (const frame of packet.payload) {
        if (frame.kind !== 'crypto') continue;
        this.onFrameLost(frame);
        any = true;
      }
    }
    return any;
  }

  /** Marks the frames of the `count` oldest ack-eliciting packets in flight for resending. */
  private requeueOldestInFlight(space: PacketSpace, count: number): void {
    let left = count;
    for (const packet of this.recovery.space(space.space).outstandingPackets()) {
      if (left === 0) return;
      if (!packet.ackEliciting) continue;
      for (const frame of packet.payload) if (frame.kind !== 'crypto') this.onFrameLost(frame);
      left--;
    }
  }

  /**
   * Resends the in-flight CRYPTO data of the Initial and Handshake spaces;
   * a space other than `probed` with data to resend gets a probe of its own.
   */
  private requeueHandshakeCrypto(probed?: PacketNumberSpace): boolean {
    let any = false;
    for (const which of [PacketNumberSpace.Initial, PacketNumberSpace.Handshake]) {
      const space = this.spaces[which]!;
      if (!this.requeueCrypto(space)) continue;
      any = true;
      if (probed !== undefined && which !== probed && space.writeKeys !== undefined) {
        space.probesDue = Math.max(space.probesDue, 1);
      }
    }
    return any;
  }

  private hasHandshakeCryptoToSend(): boolean {
    const initial = this.spaces[PacketNumberSpace.Initial]!;
    const handshake = this.spaces[PacketNumberSpace.Handshake]!;
    return (
      (!initial.discarded && initial.crypto.hasData) ||
      (!handshake.discarded && handshake.crypto.hasData)
    );
  }

  /**
   * RFC 9002 §6.2.3: When a client receives Handshake or 1-RTT packets prior
   * to obtaining Handshake keys, it may assume some or all of the server's
   * Initial packets were lost; it sends its Initial CRYPTO data again (a
   * limited number of times), which the server reads as a duplicate.
   */
  private onPacketBeforeHandshakeKeys(): void {
    if (this.role !== 'client' || this.handshakeSpeedupsLeft === 0) return;
    const initial = this.spaces[PacketNumberSpace.Initial]!;
    const handshake = this.spaces[PacketNumberSpace.Handshake]!;
    if (initial.discarded || handshake.readKeys !== undefined) return;
    this.handshakeSpeedupsLeft--;
    initial.crypto.resendAll();
  }

  private effectiveIdleTimeout(): number {
    if (this.idleTimeoutMs === 0) return Number.POSITIVE_INFINITY;
    // RFC 9000 §10.1: at least three times the current PTO. Without the
    // backoff (as quic-go and quinn do): during an outage the backed-off PTO
    // would keep pushing the idle deadline out.
    return Math.max(this.idleTimeoutMs, 3 * this.currentPto());
  }

  /** The PTO interval (RFC 9002 §6.2.1) without backoff, for the idle and closing timers. */
  private currentPto(): number {
    return this.recovery.rtt.ptoBase() + (this.peerParams?.maxAckDelay ?? 25);
  }

  private idleDeadline(): number {
    return this.lastActivity + this.effectiveIdleTimeout();
  }

  /** Called by the scheduler when it sends an ack-eliciting packet. */
  onAckElicitingSent(now: number): void {
    // RFC 9000 §10.1: also restart the idle timer when sending the first
    // ack-eliciting packet since last receiving one.
    if (!this.ackElicitingSentSinceReceive) {
      this.ackElicitingSentSinceReceive = true;
      this.lastActivity = now;
    }
  }

  // ---- closing -----------------------------------------------------------------

  /** Runs `fn`; a protocol error closes the connection. Returns false once closed. */
  private guard(now: number, fn: () => void): boolean {
    try {
      fn();
    } catch (error) {
      this.closeOnError(now, error);
    }
    return this.state !== 'closed' && this.state !== 'draining';
  }

  private closeOnError(now: number, error: unknown): void {
    if (this.state === 'closing' || this.state === 'draining' || this.state === 'closed') return;
    if (error instanceof TransportError) {
      this.startClosing(now, BigInt(error.code), error.reason, false, error.frameType ?? 0);
    } else if (error instanceof TlsAlert) {
      // RFC 9001 §4.8: TLS alerts become CRYPTO_ERROR 0x0100 + alert.
      this.startClosing(now, BigInt(0x100 + error.alert), error.message, false, 0x06);
    } else if (error instanceof CryptoBufferExceeded) {
      this.startClosing(
        now,
        BigInt(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED),
        error.message,
        false,
        0x06,
      );
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      this.startClosing(now, BigInt(TransportErrorCode.INTERNAL_ERROR), reason, false, 0);
    }
  }

  private startClosing(
    now: number,
    code: bigint,
    reason: string,
    application: boolean,
    frameType: number,
  ): void {
    this.enterClosed(now, {
      code,
      application,
      reason,
      initiator: 'local',
      ...(application ? {} : { frameType }),
    });
    this.state = 'closing';
    const reasonBytes = new TextEncoder().encode(reason).subarray(0, 256);
    this.closeFrame = {
      type: 'connectionClose',
      application,
      errorCode: code,
      frameType: application ? 0 : frameType,
      reason: reasonBytes,
    };
    this.closeFrameDue = true;
    this.closeDeadline = now + CLOSE_PTO_MULTIPLIER * this.currentPto();
  }

  private enterClosed(_now: number, info: ConnectionCloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.events.push({ type: 'closed', info });
  }

  private terminate(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeDeadline = undefined;
    this.events.push({ type: 'terminated' });
  }

  private checkStatelessReset(now: number, datagram: Uint8Array): void {
    // RFC 9000 §10.3.1: a datagram whose last 16 bytes equal a reset token
    // of the peer's is a stateless reset: enter draining.
    if (datagram.length < 21) return;
    const tail = datagram.subarray(datagram.length - 16);
    for (const token of this.peerCids.resetTokens()) {
      if (constantTimeEqual(token, tail)) {
        this.enterClosed(now, {
          code: 0n,
          application: false,
          reason: 'the peer sent a stateless reset',
          initiator: 'stateless-reset',
        });
        this.state = 'draining';
        this.closeDeadline = now + CLOSE_PTO_MULTIPLIER * this.currentPto();
        return;
      }
    }
  }

  // ---- helpers -------------------------------------------------------------------

  spaceOf(type: PacketType): PacketSpace {
    if (type === PacketType.Initial) return this.spaces[PacketNumberSpace.Initial]!;
    if (type === PacketType.Handshake) return this.spaces[PacketNumberSpace.Handshake]!;
    return this.spaces[PacketNumberSpace.ApplicationData]!;
  }

  /** RFC 9000 §8.1: before validation a server sends at most 3x what it received. */
  amplificationBudget(): number {
    if (this.addressValidated) return Number.POSITIVE_INFINITY;
    return Math.max(0, 3 * this.amplificationReceived - this.amplificationSent);
  }

  private amplificationBlocked(): boolean {
    return !this.addressValidated && this.amplificationBudget() < MIN_INITIAL_DATAGRAM;
  }

  private keepUndecryptable(datagram: Uint8Array, header: PacketHeader, receivedAt: number): void {
    if (this.undecryptable.length >= MAX_UNDECRYPTABLE) {
      this.stats.packetsDropped++;
      return;
    }
    this.undecryptable.push({ bytes: datagram.slice(header.start, header.end), receivedAt });
  }

  private retryUndecryptable(now: number): void {
    if (this.undecryptable.length === 0) return;
    const waiting = this.undecryptable.splice(0);
    for (const packet of waiting) {
      const header = parsePacketHeader(packet.bytes, 0, this.scid.length);
      if (!header) continue;
      const space = this.spaceOf(header.packetType);
      const hasKeys =
        header.packetType === PacketType.OneRtt
          ? this.oneRtt !== undefined
          : space.readKeys !== undefined;
      if (!hasKeys && !space.discarded) {
        this.undecryptable.push(packet);
        continue;
      }
      const { bytes, receivedAt } = packet;
      if (!this.guard(now, () => this.receivePacket(now, bytes, header, receivedAt))) return;
    }
  }

  private isOpen(): boolean {
    return this.state === 'handshake' || this.state === 'established';
  }

  private assertOpen(): void {
    if (!this.isOpen()) {
      throw new TypeError(`connection is ${this.state}: ${this.closeInfo?.reason ?? ''}`);
    }
  }

  private localTransportParameters(fields: Partial<TransportParameters>): TransportParameters {
    return transportParametersFor(this.settings, fields, defaultTransportParameters());
  }
}

const EMPTY = new Uint8Array(0);
