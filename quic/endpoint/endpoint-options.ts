// What a server endpoint is configured with, and what it counts. Validation
// of user input happens in src/ (SocketServer); these are already checked.
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import type {
  ServerConnectionOptions,
  TransportSettings,
} from '../connection/connection-options.js';
import type { CongestionControlAlgorithm } from '../recovery/index.js';
import type { AddressTokenLifetimes } from './address-token.js';

/** When to answer a first Initial with Retry (RFC 9000 §8.1.2). */
export type RetryPolicy = 'always' | 'never' | 'auto';

export interface EndpointLimits {
  /** Connections of any state the endpoint holds. */
  maxConnections: number;
  /** Connections still in the handshake (pre-handshake state), in total. */
  maxHandshakes: number;
  /** Connections still in the handshake per client IP address (any port). */
  maxHandshakesPerAddress: number;
  /** Retry 'auto': send Retry to unvalidated clients once this many handshakes are open. */
  retryAboveHandshakes: number;
  /** Stateless resets sent per second at most (a token bucket of the same depth). */
  statelessResetsPerSecond: number;
}

export const DEFAULT_ENDPOINT_LIMITS: Readonly<EndpointLimits> = Object.freeze({
  maxConnections: 10_000,
  maxHandshakes: 1_000,
  maxHandshakesPerAddress: 64,
  retryAboveHandshakes: 250,
  statelessResetsPerSecond: 1000,
});

export interface EndpointOptions {
  random: (n: number) => Uint8Array;
  /** Wall clock for TLS (certificate validity, ticket ages), ms since epoch. Injected: the core reads no clock. */
  currentTimeMs: () => number;
  tls: ServerConnectionOptions['tls'];
  cryptoProvider?: CryptoProvider;
  transport?: Partial<TransportSettings>;
  congestionControl?: CongestionControlAlgorithm;
  maxDatagramSize?: number;
  /** Length of the connection IDs we issue (4..20, default 8). */
  cidLength?: number;
  retry?: RetryPolicy;
  limits?: Partial<EndpointLimits>;
  tokenLifetimes?: Partial<AddressTokenLifetimes>;
  /** Versions we accept, preferred first (default v1 and v2). */
  versions?: readonly number[];
  /** Send a NEW_TOKEN to each client once its handshake is confirmed (default true). */
  issueNewTokens?: boolean;
}

export type DropReason =
  | 'initial-too-small'
  | 'unauthenticated-initial'
  | 'short-initial-dcid'
  | 'version-negotiation-received'
  | 'unsupported-version-too-small'
  | 'unknown-connection'
  | 'unparsable'
  | 'address-mismatch'
  | 'reset-rate-limited'
  | 'closing';

export interface EndpointStats {
  connectionsAccepted: number;
  /** Initials answered with CONNECTION_REFUSED (limits, or shutting down). */
  connectionsRefused: number;
  /** Initials with an invalid Retry token, answered with INVALID_TOKEN. */
  invalidTokens: number;
  retriesSent: number;
  versionNegotiationsSent: number;
  statelessResetsSent: number;
  datagramsDropped: Record<DropReason, number>;
}

export function emptyEndpointStats(): EndpointStats {
  return {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    invalidTokens: 0,
    retriesSent: 0,
    versionNegotiationsSent: 0,
    statelessResetsSent: 0,
    datagramsDropped: {
      'initial-too-small': 0,
      'unauthenticated-initial': 0,
      'short-initial-dcid': 0,
      'version-negotiation-received': 0,
      'unsupported-version-too-small': 0,
      'unknown-connection': 0,
      unparsable: 0,
      'address-mismatch': 0,
      'reset-rate-limited': 0,
      closing: 0,
    },
  };
}
