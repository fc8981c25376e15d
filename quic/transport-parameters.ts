// QUIC transport parameters (RFC 9000 §18, §7.4; RFC 9221 §3
// max_datagram_frame_size; RFC 9368 §3 version_information), carried in the
// TLS quic_transport_parameters extension.
//
//   defaultTransportParameters(): TransportParameters     RFC defaults
//   encodeTransportParameters(params, { grease }?): Uint8Array
//   decodeTransportParameters(bytes, sender): TransportParameters
//   checkConnectionIdParameters(params, sender, expected)  RFC 9000 §7.3
//   greaseTransportParameterId(n) = 31 * n + 27            RFC 9000 §18.1
//
// Decoding throws TransportError TRANSPORT_PARAMETER_ERROR (with a reason)
// for truncation, duplicates, invalid values and server-only parameters sent
// by a client; unknown and reserved parameters are ignored. Integer values
// above 2^53-1 saturate to MAX_SAFE_VARINT (more than any limit can use),
// except that initial_max_streams_* above 2^60 are rejected exactly. Byte
// values (CIDs, tokens) are views into `bytes`. The encoder writes only
// values that differ from the defaults (and every CID that is set).

import { BufferReader } from './coding/reader.js';
import { MAX_SAFE_VARINT, varintLength } from './coding/varint.js';
import { BufferWriter } from './coding/writer.js';
import { TransportError, TransportErrorCode } from './errors.js';

const { TRANSPORT_PARAMETER_ERROR } = TransportErrorCode;

export const TransportParameterId = {
  original_destination_connection_id: 0x00,
  max_idle_timeout: 0x01,
  stateless_reset_token: 0x02,
  max_udp_payload_size: 0x03,
  initial_max_data: 0x04,
  initial_max_stream_data_bidi_local: 0x05,
  initial_max_stream_data_bidi_remote: 0x06,
  initial_max_stream_data_uni: 0x07,
  initial_max_streams_bidi: 0x08,
  initial_max_streams_uni: 0x09,
  ack_delay_exponent: 0x0a,
  max_ack_delay: 0x0b,
  disable_active_migration: 0x0c,
  preferred_address: 0x0d,
  active_connection_id_limit: 0x0e,
  initial_source_connection_id: 0x0f,
  retry_source_connection_id: 0x10,
  version_information: 0x11,
  max_datagram_frame_size: 0x20,
} as const;

export interface PreferredAddress {
  /** 4 bytes, network order; all zero with port 0 when not offered. */
  ipv4Address: Uint8Array;
  ipv4Port: number;
  /** 16 bytes. */
  ipv6Address: Uint8Array;
  ipv6Port: number;
  /** 1..20 bytes (RFC 9000 §18.2: never zero-length). */
  connectionId: Uint8Array;
  /** 16 bytes. */
  statelessResetToken: Uint8Array;
}

export interface VersionInformation {
  chosenVersion: number;
  availableVersions: number[];
}

export interface TransportParameters {
  /** Server only. */
  originalDestinationConnectionId: Uint8Array | undefined;
  /** Milliseconds; 0 disables the idle timeout. */
  maxIdleTimeout: number;
  /** Server only; 16 bytes. */
  statelessResetToken: Uint8Array | undefined;
  /** Default 65527; at least 1200. */
  maxUdpPayloadSize: number;
  initialMaxData: number;
  initialMaxStreamDataBidiLocal: number;
  initialMaxStreamDataBidiRemote: number;
  initialMaxStreamDataUni: number;
  /** At most 2^60. */
  initialMaxStreamsBidi: number;
  /** At most 2^60. */
  initialMaxStreamsUni: number;
  /** Default 3; at most 20. */
  ackDelayExponent: number;
  /** Milliseconds; default 25; below 2^14. */
  maxAckDelay: number;
  disableActiveMigration: boolean;
  /** Server only. */
  preferredAddress: PreferredAddress | undefined;
  /** Default 2; at least 2. */
  activeConnectionIdLimit: number;
  initialSourceConnectionId: Uint8Array | undefined;
  /** Server only, after a Retry. */
  retrySourceConnectionId: Uint8Array | undefined;
  /** RFC 9221 §3: 0 (the default) means DATAGRAM frames are not supported. */
  maxDatagramFrameSize: number;
  /** RFC 9368 §3. */
  versionInformation: VersionInformation | undefined;
}

export type TransportParameterSender = 'client' | 'server';

export interface GreaseParameter {
  /** Should be a reserved id, 31 * N + 27 (RFC 9000 §18.1). */
  id: number;
  value: Uint8Array;
}

const DEFAULTS: Readonly<TransportParameters> = Object.freeze({
  originalDestinationConnectionId: undefined,
  maxIdleTimeout: 0,
  statelessResetToken: undefined,
  maxUdpPayloadSize: 65527,
  initialMaxData: 0,
  initialMaxStreamDataBidiLocal: 0,
  initialMaxStreamDataBidiRemote: 0,
  initialMaxStreamDataUni: 0,
  initialMaxStreamsBidi: 0,
  initialMaxStreamsUni: 0,
  ackDelayExponent: 3,
  maxAckDelay: 25,
  disableActiveMigration: false,
  preferredAddress: undefined,
  activeConnectionIdLimit: 2,
  initialSourceConnectionId: undefined,
  retrySourceConnectionId: undefined,
  maxDatagramFrameSize: 0,
  versionInformation: undefined,
});

/** RFC 9000 §18.2: the values assumed when a parameter is absent. */
export function defaultTransportParameters(): TransportParameters {
  return { ...DEFAULTS };
}

/** RFC 9000 §18.1: reserved transport parameter ids are 31 * N + 27. */
export function greaseTransportParameterId(n: number): number {
  return 31 * n + 27;
}

export function isReservedTransportParameterId(id: number): boolean {
  return id >= 27 && (id - 27) % 31 === 0;
}

const TWO_POW_60 = 2 ** 60;
const TWO_POW_14 = 2 ** 14;

function fail(reason: string): never {
  throw new TransportError(TRANSPORT_PARAMETER_ERROR, reason);
}

// ---------------------------------------------------------------- validation

const INTEGER_LIMITS: readonly [keyof TransportParameters, string, (v: number) => boolean][] = [
  // RFC 9000 §18.2: max_udp_payload_size values below 1200 are invalid.
  ['maxUdpPayloadSize', 'max_udp_payload_size below 1200', (v) => v >= 1200],
  // RFC 9000 §18.2: ack_delay_exponent values above 20 are invalid.
  ['ackDelayExponent', 'ack_delay_exponent above 20', (v) => v <= 20],
  // RFC 9000 §18.2: max_ack_delay values of 2^14 or greater are invalid.
  ['maxAckDelay', 'max_ack_delay of 2^14 or more', (v) => v < TWO_POW_14],
  // RFC 9000 §18.2: The value of the active_connection_id_limit parameter
  // MUST be at least 2.
  ['activeConnectionIdLimit', 'active_connection_id_limit below 2', (v) => v >= 2],
  // RFC 9000 §4.6: If a max_streams transport parameter or a MAX_STREAMS
  // frame is received with a value greater than 2^60, ... the connection
  // MUST be closed immediately with a connection error of type
  // TRANSPORT_PARAMETER_ERROR if the offending value was received in a
  // transport parameter.
  ['initialMaxStreamsBidi', 'initial_max_streams_bidi above 2^60', (v) => v <= TWO_POW_60],
  ['initialMaxStreamsUni', 'initial_max_streams_uni above 2^60', (v) => v <= TWO_POW_60],
];

/** Throws TRANSPORT_PARAMETER_ERROR if a value is invalid (RFC 9000 §7.4, §18.2). */
export function validateTransportParameters(
  params: TransportParameters,
  sender: TransportParameterSender,
): void {
  for (const [field, reason, ok] of INTEGER_LIMITS) {
    if (!ok(params[field] as number)) fail(`${reason}: ${params[field]}`);
  }
  if (sender === 'client') {
    // RFC 9000 §18.2: A client MUST NOT include any server-only transport
    // parameter: original_destination_connection_id, preferred_address,
    // retry_source_connection_id, or stateless_reset_token. A server MUST
    // treat receipt of any of these transport parameters as a connection
    // error of type TRANSPORT_PARAMETER_ERROR.
    if (params.originalDestinationConnectionId !== undefined)
      fail('client sent original_destination_connection_id');
    if (params.preferredAddress !== undefined) fail('client sent preferred_address');
    if (params.retrySourceConnectionId !== undefined)
      fail('client sent retry_source_connection_id');
    if (params.statelessResetToken !== undefined) fail('client sent stateless_reset_token');
  }
  // RFC 9000 §7.3: An endpoint MUST treat the absence of the
  // initial_source_connection_id transport parameter from either endpoint or
  // the absence of the original_destination_connection_id transport
  // parameter from the server as a connection error of type
  // TRANSPORT_PARAMETER_ERROR.
  if (params.initialSourceConnectionId === undefined)
    fail('initial_source_connection_id is missing');
  if (sender === 'server' && params.originalDestinationConnectionId === undefined) {
    fail('server omitted original_destination_connection_id');
  }
}

function equalBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface ExpectedConnectionIds {
  /** The Source Connection ID of the peer's first Initial packet. */
  initialSourceConnectionId: Uint8Array;
  /** Client only: the DCID of its first Initial packet. */
  originalDestinationConnectionId?: Uint8Array;
  /** Client only: the SCID of the Retry it received, undefined if none. */
  retrySourceConnectionId?: Uint8Array;
}

/**
 * RFC 9000 §7.3: the CIDs the peer declares must match the ones seen in
 * Initial and Retry packets, and retry_source_connection_id must be present
 * exactly when a Retry was received (TRANSPORT_PARAMETER_ERROR otherwise).
 */
export function checkConnectionIdParameters(
  params: TransportParameters,
  sender: TransportParameterSender,
  expected: ExpectedConnectionIds,
): void {
  if (!equalBytes(params.initialSourceConnectionId, expected.initialSourceConnectionId)) {
    fail('initial_source_connection_id does not match the Initial packet');
  }
  if (sender !== 'server') return;
  if (
    !equalBytes(params.originalDestinationConnectionId, expected.originalDestinationConnectionId)
  ) {
    fail('original_destination_connection_id does not match the first Initial packet');
  }
  if (!equalBytes(params.retrySourceConnectionId, expected.retrySourceConnectionId)) {
    fail(
      expected.retrySourceConnectionId === undefined
        ? 'retry_source_connection_id present without a Retry'
        : 'retry_source_connection_id missing or not matching the Retry',
    );
  }
}

// ------------------------------------------------------------------ decoding

function readCid(value: BufferReader, name: string): Uint8Array {
  if (value.remaining > 20) fail(`${name} longer than 20 bytes`);
  return value.readBytes(value.remaining);
}

function readInteger(value: BufferReader, name: string): number {
  const v = value.readVarint();
  if (value.remaining !== 0) fail(`${name} value has ${value.remaining} trailing bytes`);
  return v;
}

/** Like readInteger, but exact against 2^60 (values above 2^53 saturate). */
function readStreamLimit(value: BufferReader, name: string): number {
  const start = value.offset;
  const v = readInteger(value, name);
  if (v === MAX_SAFE_VARINT) {
    value.offset = start;
    if (value.readVarintBig() > BigInt(TWO_POW_60)) fail(`${name} above 2^60`);
  }
  return v;
}

function readPreferredAddress(value: BufferReader): PreferredAddress {
  const ipv4Address = value.readBytes(4);
  const ipv4Port = value.readUint16();
  const ipv6Address = value.readBytes(16);
  const ipv6Port = value.readUint16();
  const cidLength = value.readUint8();
  // RFC 9000 §18.2: a server MUST NOT include a zero-length connection ID in
  // this transport parameter. A client MUST treat a violation of these
  // requirements as a connection error of type TRANSPORT_PARAMETER_ERROR.
  if (cidLength === 0 || cidLength > 20)
    fail(`preferred_address connection ID length ${cidLength}`);
  const connectionId = value.readBytes(cidLength);
  const statelessResetToken = value.readBytes(16);
  if (value.remaining !== 0) fail('preferred_address has trailing bytes');
  return { ipv4Address, ipv4Port, ipv6Address, ipv6Port, connectionId, statelessResetToken };
}

function readVersionInformation(value: BufferReader): VersionInformation {
  // RFC 9368 §3: the value is a Chosen Version followed by Available
  // Versions, 32 bits each; a zero version or a length that is not a
  // multiple of 4 is a TRANSPORT_PARAMETER_ERROR.
  if (value.remaining < 4 || value.remaining % 4 !== 0) fail('version_information length');
  const chosenVersion = value.readUint32();
  const availableVersions: number[] = [];
  while (value.remaining > 0) availableVersions.push(value.readUint32());
  if (chosenVersion === 0 || availableVersions.includes(0))
    fail('version_information has version 0');
  return { chosenVersion, availableVersions };
}

/** Applies one known parameter to `params`; returns false if the id is unknown. */
function applyParameter(params: TransportParameters, id: number, value: BufferReader): boolean {
  const P = TransportParameterId;
  switch (id) {
    case P.original_destination_connection_id:
      params.originalDestinationConnectionId = readCid(value, 'original_destination_connection_id');
      return true;
    case P.max_idle_timeout:
      params.maxIdleTimeout = readInteger(value, 'max_idle_timeout');
      return true;
    case P.stateless_reset_token:
      // RFC 9000 §18.2: This parameter is a sequence of 16 bytes.
      if (value.remaining !== 16) fail(`stateless_reset_token length ${value.remaining}`);
      params.statelessResetToken = value.readBytes(16);
      return true;
    case P.max_udp_payload_size:
      params.maxUdpPayloadSize = readInteger(value, 'max_udp_payload_size');
      return true;
    case P.initial_max_data:
      params.initialMaxData = readInteger(value, 'initial_max_data');
      return true;
    case P.initial_max_stream_data_bidi_local:
      params.initialMaxStreamDataBidiLocal = readInteger(
        value,
        'initial_max_stream_data_bidi_local',
      );
      return true;
    case P.initial_max_stream_data_bidi_remote:
      params.initialMaxStreamDataBidiRemote = readInteger(
        value,
        'initial_max_stream_data_bidi_remote',
      );
      return true;
    case P.initial_max_stream_data_uni:
      params.initialMaxStreamDataUni = readInteger(value, 'initial_max_stream_data_uni');
      return true;
    case P.initial_max_streams_bidi:
      params.initialMaxStreamsBidi = readStreamLimit(value, 'initial_max_streams_bidi');
      return true;
    case P.initial_max_streams_uni:
      params.initialMaxStreamsUni = readStreamLimit(value, 'initial_max_streams_uni');
      return true;
    case P.ack_delay_exponent:
      params.ackDelayExponent = readInteger(value, 'ack_delay_exponent');
      return true;
    case P.max_ack_delay:
      params.maxAckDelay = readInteger(value, 'max_ack_delay');
      return true;
    case P.disable_active_migration:
      // RFC 9000 §18.2: This parameter is a zero-length value.
      if (value.remaining !== 0) fail('disable_active_migration has a value');
      params.disableActiveMigration = true;
      return true;
    case P.preferred_address:
      params.preferredAddress = readPreferredAddress(value);
      return true;
    case P.active_connection_id_limit:
      params.activeConnectionIdLimit = readInteger(value, 'active_connection_id_limit');
      return true;
    case P.initial_source_connection_id:
      params.initialSourceConnectionId = readCid(value, 'initial_source_connection_id');
      return true;
    case P.retry_source_connection_id:
      params.retrySourceConnectionId = readCid(value, 'retry_source_connection_id');
      return true;
    case P.version_information:
      params.versionInformation = readVersionInformation(value);
      return true;
    case P.max_datagram_frame_size:
      params.maxDatagramFrameSize = readInteger(value, 'max_datagram_frame_size');
      return true;
    default:
      return false;
  }
}

/**
 * Decodes and validates the peer's transport parameters. `sender` is the
 * peer's role: a server decodes the client's parameters with 'client'.
 */
export function decodeTransportParameters(
  bytes: Uint8Array,
  sender: TransportParameterSender,
): TransportParameters {
  const params = defaultTransportParameters();
  const reader = new BufferReader(bytes, 0, bytes.length, TRANSPORT_PARAMETER_ERROR);
  const seen = new Set<number>();
  while (reader.remaining > 0) {
    const id = reader.readVarint();
    const length = reader.readVarint();
    if (length > reader.remaining)
      fail(`parameter 0x${id.toString(16)} length ${length} past the end`);
    // RFC 9000 §7.4: An endpoint SHOULD treat receipt of duplicate transport
    // parameters as a connection error of type TRANSPORT_PARAMETER_ERROR.
    if (seen.has(id)) fail(`duplicate transport parameter 0x${id.toString(16)}`);
    seen.add(id);
    const start = reader.offset;
    const value = new BufferReader(bytes, start, start + length, TRANSPORT_PARAMETER_ERROR);
    // RFC 9000 §7.4.2: An endpoint MUST ignore transport parameters that it
    // does not support.
    applyParameter(params, id, value);
    reader.offset = start + length;
  }
  validateTransportParameters(params, sender);
  return params;
}

// ------------------------------------------------------------------ encoding

function writeParameter(w: BufferWriter, id: number, value: Uint8Array): void {
  w.writeVarint(id);
  w.writeVarint(value.length);
  w.writeBytes(value);
}

function writeInteger(w: BufferWriter, id: number, value: number, defaultValue: number): void {
  if (value === defaultValue) return;
  w.writeVarint(id);
  w.writeVarint(varintLength(value));
  w.writeVarint(value);
}

function encodePreferredAddress(w: BufferWriter, a: PreferredAddress): void {
  if (a.ipv4Address.length !== 4 || a.ipv6Address.length !== 16) {
    throw new TypeError('preferredAddress addresses must be 4 and 16 bytes');
  }
  if (a.connectionId.length < 1 || a.connectionId.length > 20) {
    throw new TypeError(
      `preferredAddress.connectionId length ${a.connectionId.length} is not 1..20`,
    );
  }
  if (a.statelessResetToken.length !== 16)
    throw new TypeError('preferredAddress.statelessResetToken must be 16 bytes');
  w.writeVarint(TransportParameterId.preferred_address);
  w.writeVarint(4 + 2 + 16 + 2 + 1 + a.connectionId.length + 16);
  w.writeBytes(a.ipv4Address);
  w.writeUint16(a.ipv4Port);
  w.writeBytes(a.ipv6Address);
  w.writeUint16(a.ipv6Port);
  w.writeUint8(a.connectionId.length);
  w.writeBytes(a.connectionId);
  w.writeBytes(a.statelessResetToken);
}

/**
 * Encodes `params` (only non-default values), then any `grease` parameters.
 * Invalid values throw TypeError: we never send what we would reject.
 */
export function encodeTransportParameters(
  params: TransportParameters,
  options: { grease?: readonly GreaseParameter[] } = {},
): Uint8Array {
  for (const [field, reason, ok] of INTEGER_LIMITS) {
    if (!ok(params[field] as number)) throw new TypeError(`${field} ${params[field]}: ${reason}`);
  }
  for (const field of [
    'originalDestinationConnectionId',
    'initialSourceConnectionId',
    'retrySourceConnectionId',
  ] as const) {
    const cid = params[field];
    if (cid !== undefined && cid.length > 20)
      throw new TypeError(`${field} length ${cid.length} exceeds 20`);
  }
  if (params.statelessResetToken !== undefined && params.statelessResetToken.length !== 16) {
    throw new TypeError(
      `statelessResetToken length ${params.statelessResetToken.length} is not 16`,
    );
  }
  const P = TransportParameterId;
  const D = DEFAULTS;
  const w = BufferWriter.growable(128);
  if (params.originalDestinationConnectionId !== undefined) {
    writeParameter(w, P.original_destination_connection_id, params.originalDestinationConnectionId);
  }
  writeInteger(w, P.max_idle_timeout, params.maxIdleTimeout, D.maxIdleTimeout);
  if (params.statelessResetToken !== undefined)
    writeParameter(w, P.stateless_reset_token, params.statelessResetToken);
  writeInteger(w, P.max_udp_payload_size, params.maxUdpPayloadSize, D.maxUdpPayloadSize);
  writeInteger(w, P.initial_max_data, params.initialMaxData, D.initialMaxData);
  writeInteger(w, P.initial_max_stream_data_bidi_local, params.initialMaxStreamDataBidiLocal, 0);
  writeInteger(w, P.initial_max_stream_data_bidi_remote, params.initialMaxStreamDataBidiRemote, 0);
  writeInteger(w, P.initial_max_stream_data_uni, params.initialMaxStreamDataUni, 0);
  writeInteger(w, P.initial_max_streams_bidi, params.initialMaxStreamsBidi, 0);
  writeInteger(w, P.initial_max_streams_uni, params.initialMaxStreamsUni, 0);
  writeInteger(w, P.ack_delay_exponent, params.ackDelayExponent, D.ackDelayExponent);
  writeInteger(w, P.max_ack_delay, params.maxAckDelay, D.maxAckDelay);
  if (params.disableActiveMigration)
    writeParameter(w, P.disable_active_migration, new Uint8Array(0));
  if (params.preferredAddress !== undefined) encodePreferredAddress(w, params.preferredAddress);
  writeInteger(
    w,
    P.active_connection_id_limit,
    params.activeConnectionIdLimit,
    D.activeConnectionIdLimit,
  );
  if (params.initialSourceConnectionId !== undefined) {
    writeParameter(w, P.initial_source_connection_id, params.initialSourceConnectionId);
  }
  if (params.retrySourceConnectionId !== undefined) {
    writeParameter(w, P.retry_source_connection_id, params.retrySourceConnectionId);
  }
  if (params.versionInformation !== undefined) {
    const { chosenVersion, availableVersions } = params.versionInformation;
    w.writeVarint(P.version_information);
    w.writeVarint(4 + 4 * availableVersions.length);
    w.writeUint32(chosenVersion);
    for (const v of availableVersions) w.writeUint32(v);
  }
  writeInteger(w, P.max_datagram_frame_size, params.maxDatagramFrameSize, D.maxDatagramFrameSize);
  for (const g of options.grease ?? []) writeParameter(w, g.id, g.value);
  return w.bytes().slice();
}
