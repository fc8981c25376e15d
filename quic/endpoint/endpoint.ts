// A QUIC server endpoint, sans-IO: many connections over one UDP primitive.
//
//   const ep = new Endpoint(options)
//   ep.receive(now, from, datagram)  -> the Connection the datagram went to, if any
//   ep.pollTransmit()                -> { to, data } the endpoint itself sends
//                                       (Version Negotiation, Retry, refusals, resets)
//   ep.pollEvent()                   -> { type: 'connection', connection, remote }
//   ep.forget(connection)            after the connection's 'terminated' event
//   ep.close(now, code, reason)      graceful shutdown: close every connection
//
// Each accepted Connection is driven by its owner like any other (its own
// pollTransmit / nextTimeout / handleTimeout, sending to `remote`); the
// endpoint routes incoming datagrams to it by destination connection ID and
// keeps the routes in step with the CIDs it issues and the peer retires.
// Nothing here reads a clock or calls Math.random.

import { equalBytes } from '../../crypto/bytes.js';
import { Connection } from '../connection/connection.js';
import type { ServerConnectionOptions } from '../connection/connection-options.js';
import { TransportErrorCode } from '../errors.js';
import {
  type InvariantHeader,
  longTypeBits,
  type PacketHeader,
  parseInvariantHeader,
  parsePacketHeader,
} from '../packet/packet-header.js';
import { PacketType } from '../packet/packet-type.js';
import { SUPPORTED_VERSIONS, VERSION_NEGOTIATION } from '../version.js';
import { AddressTokens, DEFAULT_TOKEN_LIFETIMES } from './address-token.js';
import { addressKey, ConnectionTable, type RemoteAddress } from './connection-table.js';
import {
  DEFAULT_ENDPOINT_LIMITS,
  type DropReason,
  type EndpointLimits,
  type EndpointOptions,
  type EndpointStats,
  emptyEndpointStats,
} from './endpoint-options.js';
import { refusalReply, retryReply, versionNegotiationReply } from './stateless-replies.js';
import { StatelessResets } from './stateless-reset.js';

export interface Transmit {
  to: RemoteAddress;
  data: Uint8Array;
}

export type EndpointEvent = { type: 'connection'; connection: Connection; remote: RemoteAddress };

/** RFC 9000 §14.1: a server MUST discard an Initial in a UDP datagram smaller than 1200 bytes. */
const MIN_INITIAL_DATAGRAM = 1200;
/** RFC 9000 §7.2: the client's first Destination Connection ID is at least 8 bytes. */
const MIN_CLIENT_INITIAL_DCID = 8;
/** Endpoint-generated datagrams waiting to be sent; beyond this they are dropped. */
const MAX_QUEUED_TRANSMITS = 1024;
const MAX_QUEUED_EVENTS = 1024;

interface Entry {
  readonly connection: Connection;
  readonly remote: RemoteAddress;
  /** Counted against the handshake limits until it leaves the handshake. */
  handshaking: boolean;
  newTokenIssued: boolean;
  /** The CIDs we issued that currently route here. */
  routed: Uint8Array[];
  /** The connection's LocalConnectionIds.changes when `routed` was synced (-1: never). */
  routedAt: number;
}

export class Endpoint {
  readonly stats: EndpointStats = emptyEndpointStats();
  private readonly table = new ConnectionTable<Entry>();
  private readonly entries = new Map<Connection, Entry>();
  private readonly handshakesPerAddress = new Map<string, number>();
  private handshakes = 0;
  private readonly transmits: Transmit[] = [];
  private readonly events: EndpointEvent[] = [];
  private readonly tokens: AddressTokens;
  private readonly resets: StatelessResets;
  private readonly limits: EndpointLimits;
  private readonly versions: readonly number[];
  private readonly cidLength: number;
  private readonly ticketKey: Uint8Array;
  private closing = false;

  constructor(private readonly options: EndpointOptions) {
    this.cidLength = options.cidLength ?? 8;
    if (this.cidLength < 4 || this.cidLength > 20) {
      throw new TypeError(`cidLength ${this.cidLength} is not 4..20`);
    }
    this.limits = { ...DEFAULT_ENDPOINT_LIMITS, ...options.limits };
    this.versions = options.versions ?? SUPPORTED_VERSIONS;
    this.tokens = new AddressTokens(options.random(32), {
      ...DEFAULT_TOKEN_LIFETIMES,
      ...options.tokenLifetimes,
    });
    this.resets = new StatelessResets(options.random(32));
    this.ticketKey = options.random(32);
  }

  /** Connections the endpoint routes to (every state until forgotten). */
  get connectionCount(): number {
    return this.entries.size;
  }

  /** Connections counted as pre-handshake state. */
  get handshakeCount(): number {
    return this.handshakes;
  }

  connections(): IterableIterator<Connection> {
    return this.entries.keys();
  }

  /** resetTokenFor as one function for every connection, not a closure each. */
  private readonly tokenForCid = (cid: Uint8Array): Uint8Array => this.resets.tokenFor(cid);

  /** The stateless reset token of a CID we issue (RFC 9000 §10.3.2). */
  resetTokenFor(cid: Uint8Array): Uint8Array {
    return this.resets.tokenFor(cid);
  }

  /** A datagram from `from`. Returns the connection it was given to, if any. */
  receive(now: number, from: RemoteAddress, data: Uint8Array): Connection | undefined {
    const invariant = parseInvariantHeader(data, 0, this.cidLength);
    if (invariant === undefined) return this.drop('unparsable');
    const entry = this.route(from, invariant);
    if (entry !== undefined) {
      // RFC 9000 §14.1: a server MUST discard an Initial packet that is
      // carried in a UDP datagram smaller than 1200 bytes, on any connection.
      if (invariant.long && data.length < MIN_INITIAL_DATAGRAM && isInitial(data, invariant)) {
        return this.drop('initial-too-small');
      }
      // Migration is not supported: a known CID from another address is not ours to act on.
      if (entry.remote.address !== from.address || entry.remote.port !== from.port) {
        return this.drop('address-mismatch');
      }
      entry.connection.receive(now, data);
      this.afterActivity(now, entry);
      return entry.connection;
    }
    if (!invariant.long) return this.onUnknownShortHeader(now, from, invariant, data);
    if (invariant.version === VERSION_NEGOTIATION) {
      // RFC 9000 §6.1: an endpoint MUST NOT send a Version Negotiation packet
      // in response to receiving a Version Negotiation packet.
      return this.drop('version-negotiation-received');
    }
    if (!this.versions.includes(invariant.version)) {
      // RFC 9000 §6.1: a server SHOULD send Version Negotiation only for a
      // datagram large enough to carry an Initial (1200 bytes); smaller ones
      // are discarded, so the reply never amplifies.
      if (data.length < MIN_INITIAL_DATAGRAM) return this.drop('unsupported-version-too-small');
      this.queue(from, versionNegotiationReply(invariant, this.versions, this.options.random));
      this.stats.versionNegotiationsSent++;
      return undefined;
    }
    const header = parsePacketHeader(data, 0, this.cidLength);
    if (header === undefined) return this.drop('unparsable');
    if (header.packetType !== PacketType.Initial) return this.drop('unknown-connection');
    return this.onNewInitial(now, from, header, data);
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): EndpointEvent | undefined {
    return this.events.shift();
  }

  /**
   * Bring the routes and counters of a connection up to date after the
   * application or a timer drove it (receive() does this by itself).
   */
  update(now: number, connection: Connection): void {
    const entry = this.entries.get(connection);
    if (entry) this.afterActivity(now, entry);
  }

  /** Stop routing to a connection (call after its 'terminated' event). */
  forget(connection: Connection): void {
    const entry = this.entries.get(connection);
    if (!entry) return;
    this.leaveHandshake(entry);
    this.table.remove(entry);
    this.entries.delete(connection);
  }

  /** Graceful shutdown: refuse new connections and close every one with `code`. */
  close(now: number, code: number | bigint = 0, reason = ''): void {
    this.closing = true;
    for (const connection of this.entries.keys()) connection.close(now, code, reason);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  // ---- routing ------------------------------------------------------------------

  private route(from: RemoteAddress, header: InvariantHeader): Entry | undefined {
    const byCid = this.table.lookupCid(header.dcid);
    if (byCid !== undefined || !header.long) return byCid;
    return this.table.lookupInitial(from, header.dcid);
  }

  private onUnknownShortHeader(
    now: number,
    from: RemoteAddress,
    header: InvariantHeader,
    data: Uint8Array,
  ): undefined {
    this.drop('unknown-connection');
    // RFC 9000 §10.3.3: an endpoint can stop generating Stateless Resets
    // once a limit is reached; a token bucket bounds the work a flood causes.
    if (!this.takeResetToken(now)) return this.drop('reset-rate-limited');
    // RFC 9000 §10.3: a packet we cannot route gets a Stateless Reset, built
    // from the static key and the DCID alone; buildReset refuses when the
    // reset could not be smaller than the trigger (under 22 bytes).
    const reset = this.resets.buildReset(header.dcid, data.length, this.options.random);
    if (reset === undefined) return undefined;
    this.queue(from, reset);
    this.stats.statelessResetsSent++;
    return undefined;
  }

  private onNewInitial(
    now: number,
    from: RemoteAddress,
    header: PacketHeader,
    data: Uint8Array,
  ): Connection | undefined {
    // RFC 9000 §14.1: A server MUST discard an Initial packet that is
    // carried in a UDP datagram with a payload that is smaller than 1200 bytes.
    if (data.length < MIN_INITIAL_DATAGRAM) return this.drop('initial-too-small');
    // RFC 9000 §7.2: the client's first DCID MUST be at least 8 bytes long.
    if (header.dcid.length < MIN_CLIENT_INITIAL_DCID) return this.drop('short-initial-dcid');
    if (this.closing) return this.refuse(now, from, header, 'the server is shutting down');
    const validation = this.validateToken(now, from, header);
    if (validation.kind === 'invalid') {
      // RFC 9000 §8.1.2: the server SHOULD immediately close the connection
      // with an INVALID_TOKEN error.
      this.stats.invalidTokens++;
      this.queueRefusal(now, from, header, TransportErrorCode.INVALID_TOKEN, validation.reason);
      return undefined;
    }
    if (validation.kind === 'none' && this.wantsRetry()) return this.sendRetry(now, from, header);
    const full = this.fullFor(from);
    if (full !== undefined) return this.refuse(now, from, header, full);
    return this.accept(now, from, header, data, validation);
  }

  private accept(
    now: number,
    from: RemoteAddress,
    header: PacketHeader,
    data: Uint8Array,
    validation: TokenValidation,
  ): Connection | undefined {
    const o = this.options;
    const options: ServerConnectionOptions = {
      role: 'server',
      random: o.random,
      currentTimeMs: o.currentTimeMs(),
      version: header.version,
      originalDcid: validation.kind === 'retry' ? validation.originalDcid : header.dcid.slice(),
      clientDcid: header.dcid.slice(),
      clientScid: header.scid.slice(),
      ...(validation.kind === 'retry' ? { retrySourceCid: validation.retrySourceCid } : {}),
      // RFC 9000 §8.1: a valid Retry or NEW_TOKEN token validates the address.
      addressValidated: validation.kind !== 'none',
      cidLength: this.cidLength,
      resetTokenFor: this.tokenForCid,
      tls: { ticketKey: this.ticketKey, ...o.tls },
      ...(o.cryptoProvider ? { cryptoProvider: o.cryptoProvider } : {}),
      ...(o.transport ? { transport: o.transport } : {}),
      ...(o.congestionControl ? { congestionControl: o.congestionControl } : {}),
      ...(o.maxDatagramSize ? { maxDatagramSize: o.maxDatagramSize } : {}),
    };
    const connection = new Connection(options, now);
    connection.receive(now, data);
    // A first datagram none of whose packets authenticates (corrupted, or
    // noise with a plausible header) leaves no state behind and claims
    // nothing: the client's retransmission starts afresh.
    if (connection.stats.packetsReceived === 0) return this.drop('unauthenticated-initial');
    const remote = { address: from.address, port: from.port };
    const entry: Entry = {
      connection,
      remote,
      handshaking: true,
      newTokenIssued: false,
      routed: [],
      routedAt: -1,
    };
    this.entries.set(connection, entry);
    this.table.add(entry);
    this.table.addInitial(entry, remote, header.dcid);
    this.handshakes++;
    this.handshakesPerAddress.set(
      from.address,
      (this.handshakesPerAddress.get(from.address) ?? 0) + 1,
    );
    this.stats.connectionsAccepted++;
    if (this.events.length < MAX_QUEUED_EVENTS) {
      this.events.push({ type: 'connection', connection, remote });
    }
    this.afterActivity(now, entry);
    return connection;
  }

  // ---- address validation ------------------------------------------------------

  private validateToken(now: number, from: RemoteAddress, header: PacketHeader): TokenValidation {
    if (header.token.length === 0) return { kind: 'none' };
    const retryOpened = this.tokens.open(now, addressKey(from), header.token);
    if (retryOpened.ok && retryOpened.kind === 'retry') {
      // The client must use the CID our Retry gave it (RFC 9000 §7.3 checks
      // this again through retry_source_connection_id).
      if (!equalBytes(retryOpened.retrySourceCid, header.dcid)) {
        return { kind: 'invalid', reason: 'Retry token was issued for another connection ID' };
      }
      return {
        kind: 'retry',
        originalDcid: retryOpened.originalDcid,
        retrySourceCid: retryOpened.retrySourceCid,
      };
    }
    if (retryOpened.kind === 'retry') {
      return {
        kind: 'invalid',
        reason: `Retry token ${retryOpened.ok ? 'invalid' : retryOpened.why}`,
      };
    }
    // NEW_TOKEN tokens are bound to the IP address only.
    const opened = this.tokens.open(now, from.address, header.token);
    if (opened.ok) return { kind: 'new-token' };
    // RFC 9000 §8.1.3: if the token is invalid, the server SHOULD proceed as
    // if the client did not have a validated address, including potentially
    // sending a Retry packet.
    return { kind: 'none' };
  }

  private wantsRetry(): boolean {
    const policy = this.options.retry ?? 'auto';
    if (policy === 'always') return true;
    if (policy === 'never') return false;
    return this.handshakes >= this.limits.retryAboveHandshakes;
  }

  private sendRetry(now: number, from: RemoteAddress, header: PacketHeader): undefined {
    const retryScid = this.options.random(this.cidLength);
    const token = this.tokens.sealRetry(
      now,
      addressKey(from),
      header.dcid,
      retryScid,
      this.options.random,
    );
    this.queue(
      from,
      retryReply(header, retryScid, token, this.options.random, this.options.cryptoProvider),
    );
    this.stats.retriesSent++;
    return undefined;
  }

  // ---- limits ------------------------------------------------------------------

  /** Why a new connection from `from` cannot be taken now, or undefined. */
  private fullFor(from: RemoteAddress): string | undefined {
    if (this.entries.size >= this.limits.maxConnections) {
      return `the server holds its maximum of ${this.limits.maxConnections} connections`;
    }
    if (this.handshakes >= this.limits.maxHandshakes) {
      return `the server has ${this.handshakes} handshakes in progress`;
    }
    const fromAddress = this.handshakesPerAddress.get(from.address) ?? 0;
    if (fromAddress >= this.limits.maxHandshakesPerAddress) {
      return `${fromAddress} handshakes in progress from ${from.address}`;
    }
    return undefined;
  }

  private refuse(
    now: number,
    from: RemoteAddress,
    header: PacketHeader,
    reason: string,
  ): undefined {
    this.stats.connectionsRefused++;
    this.queueRefusal(now, from, header, TransportErrorCode.CONNECTION_REFUSED, reason);
    return undefined;
  }

  private queueRefusal(
    now: number,
    from: RemoteAddress,
    header: PacketHeader,
    code: number,
    reason: string,
  ): void {
    const o = this.options;
    const reply = refusalReply(now, header, code, reason, {
      role: 'server',
      random: o.random,
      currentTimeMs: o.currentTimeMs(),
      cidLength: this.cidLength,
      tls: o.tls,
      ...(o.cryptoProvider ? { cryptoProvider: o.cryptoProvider } : {}),
    });
    if (reply) this.queue(from, reply);
  }

  // ---- bookkeeping ---------------------------------------------------------------

  private afterActivity(now: number, entry: Entry): void {
    const connection = entry.connection;
    if (entry.handshaking && connection.state !== 'handshake') this.leaveHandshake(entry);
    this.syncCids(entry);
    if (
      !entry.newTokenIssued &&
      connection.handshakeConfirmed &&
      connection.state === 'established' &&
      this.options.issueNewTokens !== false
    ) {
      entry.newTokenIssued = true;
      // RFC 9000 §8.1.3: a token for a future connection, sent in NEW_TOKEN.
      connection.pending.newTokens.push(
        this.tokens.sealNewToken(now, entry.remote.address, this.options.random),
      );
    }
  }

  /** Route every CID the connection has issued and not seen retired; unroute the rest. */
  private syncCids(entry: Entry): void {
    const localCids = entry.connection.localCids;
    if (entry.routedAt === localCids.changes) return;
    entry.routedAt = localCids.changes;
    const current = localCids.all().map(({ cid }) => cid);
    for (const cid of current) {
      if (!entry.routed.some((r) => equalBytes(r, cid))) this.table.addCid(entry, cid);
    }
    for (const cid of entry.routed) {
      if (!current.some((c) => equalBytes(c, cid))) this.table.removeCid(entry, cid);
    }
    entry.routed = current;
  }

  private resetTokens = 0;
  private resetTokensAt: number | undefined;

  private takeResetToken(now: number): boolean {
    const rate = this.limits.statelessResetsPerSecond;
    const elapsed = this.resetTokensAt === undefined ? Infinity : now - this.resetTokensAt;
    this.resetTokens = Math.min(rate, this.resetTokens + (Math.max(0, elapsed) * rate) / 1000);
    this.resetTokensAt = now;
    if (this.resetTokens < 1) return false;
    this.resetTokens--;
    return true;
  }

  private leaveHandshake(entry: Entry): void {
    if (!entry.handshaking) return;
    entry.handshaking = false;
    this.handshakes--;
    const address = entry.remote.address;
    const left = (this.handshakesPerAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.handshakesPerAddress.delete(address);
    else this.handshakesPerAddress.set(address, left);
  }

  private queue(to: RemoteAddress, data: Uint8Array): void {
    if (this.transmits.length >= MAX_QUEUED_TRANSMITS) return;
    this.transmits.push({ to: { address: to.address, port: to.port }, data });
  }

  private drop(reason: DropReason): undefined {
    this.stats.datagramsDropped[reason]++;
    return undefined;
  }
}

type TokenValidation =
  | { kind: 'none' }
  | { kind: 'new-token' }
  | { kind: 'retry'; originalDcid: Uint8Array; retrySourceCid: Uint8Array }
  | { kind: 'invalid'; reason: string };

/** The long-header type bits say Initial (RFC 9000 §17.2, RFC 9369 §3.2); nothing else is parsed. */
function isInitial(data: Uint8Array, header: InvariantHeader): boolean {
  if (header.version === VERSION_NEGOTIATION) return false;
  return (data[0]! & 0x30) >> 4 === longTypeBits(PacketType.Initial, header.version);
}
