// What a connection is configured with: its role, TLS settings, the
// transport parameters it advertises, and policy (congestion control,
// datagram size). Validation of user input happens in src/; these are the
// core's already-checked options.
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import type { TlsClientOptions } from '../../crypto/tls/client.js';
import type { TlsServerOptions } from '../../crypto/tls/server.js';
import type { CongestionControlAlgorithm } from '../recovery/index.js';
import type { TransportParameters } from '../transport-parameters.js';

/** The transport settings we advertise (a subset of our transport parameters). */
export interface TransportSettings {
  /** ms; 0 disables. */
  maxIdleTimeout: number;
  initialMaxData: number;
  initialMaxStreamDataBidiLocal: number;
  initialMaxStreamDataBidiRemote: number;
  initialMaxStreamDataUni: number;
  initialMaxStreamsBidi: number;
  initialMaxStreamsUni: number;
  /** ms. */
  maxAckDelay: number;
  ackDelayExponent: number;
  activeConnectionIdLimit: number;
  /** RFC 9221: 0 disables DATAGRAM frames. */
  maxDatagramFrameSize: number;
  /** Auto-tuning caps for receive windows. */
  maxStreamWindow: number;
  maxConnectionWindow: number;
}

export const DEFAULT_TRANSPORT_SETTINGS: Readonly<TransportSettings> = Object.freeze({
  maxIdleTimeout: 30_000,
  initialMaxData: 1024 * 1024,
  initialMaxStreamDataBidiLocal: 512 * 1024,
  initialMaxStreamDataBidiRemote: 512 * 1024,
  initialMaxStreamDataUni: 512 * 1024,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 100,
  maxAckDelay: 25,
  ackDelayExponent: 3,
  activeConnectionIdLimit: 4,
  maxDatagramFrameSize: 65535,
  maxStreamWindow: 16 * 1024 * 1024,
  maxConnectionWindow: 24 * 1024 * 1024,
});

interface CommonOptions {
  random: (n: number) => Uint8Array;
  /** Wall clock, ms since epoch, for TLS (certificate validity, ticket ages). */
  currentTimeMs: number;
  cryptoProvider?: CryptoProvider;
  transport?: Partial<TransportSettings>;
  congestionControl?: CongestionControlAlgorithm;
  /** Largest UDP payload we send; 1200 (the QUIC minimum) unless the path is known to carry more. */
  maxDatagramSize?: number;
  /**
   * Pacing bursts cover this many ms at the pacing rate (default 2), because
   * the shell's timers fire no more precisely than ~1 ms. RFC 9002 §7.7:
   * scheduling delays can cause a sender to deviate from the rate over
   * periods much shorter than an RTT (quinn sizes bursts the same way).
   */
  pacingBurstIntervalMs?: number;
  /** Length of the connection IDs we issue (default 8). */
  cidLength?: number;
  /** Our stateless reset token for a CID we issue (server: keyed; client: random). */
  resetTokenFor?: (cid: Uint8Array) => Uint8Array;
}

export interface ClientConnectionOptions extends CommonOptions {
  role: 'client';
  /** The QUIC version to use (default v1). */
  version?: number;
  /**
   * A version to put in the first Initial instead (e.g. a reserved one, to
   * exercise Version Negotiation, RFC 9000 §6); the handshake then continues
   * with `version` after the server's Version Negotiation packet.
   */
  firstFlightVersion?: number;
  /** Address validation token from NEW_TOKEN of an earlier connection (RFC 9000 §8.1.3). */
  token?: Uint8Array;
  tls: Omit<TlsClientOptions, 'transportParameters' | 'random' | 'currentTimeMs'>;
}

export interface ServerConnectionOptions extends CommonOptions {
  role: 'server';
  version: number;
  /** The DCID of the client's first Initial (before any Retry). */
  originalDcid: Uint8Array;
  /** The DCID the client used in the Initial that created this connection. */
  clientDcid: Uint8Array;
  /** The client's SCID. */
  clientScid: Uint8Array;
  /** Set when this connection follows a Retry: the SCID of our Retry packet. */
  retrySourceCid?: Uint8Array;
  /** The client's address was validated (a Retry or NEW_TOKEN token was valid). */
  addressValidated?: boolean;
  tls: Omit<TlsServerOptions, 'transportParameters' | 'random' | 'currentTimeMs'>;
}

export type ConnectionOptions = ClientConnectionOptions | ServerConnectionOptions;

export function transportParametersFor(
  settings: TransportSettings,
  fields: Partial<TransportParameters>,
  defaults: TransportParameters,
): TransportParameters {
  return {
    ...defaults,
    maxIdleTimeout: settings.maxIdleTimeout,
    maxUdpPayloadSize: 65527,
    initialMaxData: settings.initialMaxData,
    initialMaxStreamDataBidiLocal: settings.initialMaxStreamDataBidiLocal,
    initialMaxStreamDataBidiRemote: settings.initialMaxStreamDataBidiRemote,
    initialMaxStreamDataUni: settings.initialMaxStreamDataUni,
    initialMaxStreamsBidi: settings.initialMaxStreamsBidi,
    initialMaxStreamsUni: settings.initialMaxStreamsUni,
    ackDelayExponent: settings.ackDelayExponent,
    maxAckDelay: settings.maxAckDelay,
    activeConnectionIdLimit: settings.activeConnectionIdLimit,
    maxDatagramFrameSize: settings.maxDatagramFrameSize,
    ...fields,
  };
}
