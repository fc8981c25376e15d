// The options of `new SocketServer({ type: 'quic', ... })` and their checks:
// a TypeError at once naming the field and the value.
import type { CipherSuiteName } from '../../crypto/cipher-suites.js';
import { type CryptoProviderChoice, getCryptoProvider } from '../../crypto/providers.js';
import { parsePemCertificates } from '../../crypto/tls/certificate.js';
import { parsePrivateKeyPem } from '../../crypto/tls/private-key.js';
import type { EndpointLimits, RetryPolicy } from '../../quic/endpoint/endpoint-options.js';
import type { CongestionControlAlgorithm } from '../../quic/recovery/index.js';
import { checkAddress, checkObject, checkPort, fail } from '../socket-init.js';
import type { UdpStack } from '../udp/udp-stack.js';
import { checkAlpn, checkInteger, checkSuites, checkTransport } from './quic-options.js';
import type { QuicListenerOptions } from './server-listener.js';

export interface SocketServerInit {
  type: 'quic';
  /** Address and port to listen on. Default 0.0.0.0 and a free port. */
  local?: { address?: string; port?: number };
  tls: {
    /** The chain, leaf first: PEM text (one or more blocks) or DER bytes (one or a list). */
    certificate: string | Uint8Array | (string | Uint8Array)[];
    /** PKCS#8, SEC1 or PKCS#1 PEM. */
    privateKey: string | Uint8Array;
    /** Protocols we speak, preferred first (RFC 9001 §8.1: required). */
    alpn: string[];
    cipherSuites?: CipherSuiteName[];
    keyLog?: (line: string) => void;
  };
  quic?: {
    /** RFC 9000 §8.1.2: Retry always, never, or once handshakes pile up (default 'auto'). */
    retry?: RetryPolicy;
    maxConnections?: number;
    maxHandshakes?: number;
    maxHandshakesPerAddress?: number;
    /** ms; 0 disables. Default 30,000. */
    maxIdleTimeout?: number;
    maxDatagramSize?: number;
    congestionControl?: CongestionControlAlgorithm;
    cryptoProvider?: CryptoProviderChoice;
    maxIncomingStreams?: number;
    maxIncomingUnidirectionalStreams?: number;
  };
  /** The raw UDP primitive (e.g. a simulated host). Default: node:dgram. */
  stack?: UdpStack;
  signal?: AbortSignal;
}

export interface CheckedServerInit {
  listener: QuicListenerOptions;
  alpn: string[];
  stack: UdpStack | undefined;
  signal: AbortSignal | undefined;
}

function checkChain(value: unknown): Uint8Array[] {
  const list = Array.isArray(value) ? value : [value];
  const chain: Uint8Array[] = [];
  for (const [i, item] of list.entries()) {
    if (typeof item === 'string') chain.push(...parsePemCertificates(item));
    else if (item instanceof Uint8Array) chain.push(item);
    else fail(`init.tls.certificate[${i}]`, 'PEM text or DER bytes', item);
  }
  if (chain.length === 0) fail('init.tls.certificate', 'at least one certificate', value);
  return chain;
}

function checkKey(value: unknown) {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    fail('init.tls.privateKey', 'PEM text', value);
  }
  try {
    return parsePrivateKeyPem(value);
  } catch (error) {
    fail('init.tls.privateKey', `a PEM private key (${(error as Error).message})`, '<redacted>');
  }
}

function checkQuic(value: unknown): Partial<QuicListenerOptions> {
  const q = checkObject('init.quic', value ?? {});
  const out: Partial<QuicListenerOptions> = {};
  if (q.retry !== undefined) {
    if (q.retry !== 'always' && q.retry !== 'never' && q.retry !== 'auto') {
      fail('init.quic.retry', "'always', 'never' or 'auto'", q.retry);
    }
    out.retry = q.retry;
  }
  const limits: Partial<EndpointLimits> = {};
  for (const name of ['maxConnections', 'maxHandshakes', 'maxHandshakesPerAddress'] as const) {
    if (q[name] !== undefined) limits[name] = checkInteger(`init.quic.${name}`, q[name], 1, 1e7);
  }
  if (limits.maxHandshakes !== undefined) {
    limits.retryAboveHandshakes = Math.max(1, Math.floor(limits.maxHandshakes / 4));
  }
  out.limits = limits;
  // checkTransport reads `init.quic` from a whole init object.
  const common = checkTransport({ quic: q });
  out.transport = common.transport;
  if (common.maxDatagramSize !== undefined) out.maxDatagramSize = common.maxDatagramSize;
  if (common.congestionControl !== undefined) out.congestionControl = common.congestionControl;
  out.cryptoProvider = getCryptoProvider(common.cryptoProvider);
  return out;
}

export function checkServerInit(value: unknown): CheckedServerInit {
  const init = checkObject('init', value);
  if (init.type !== 'quic') fail('init.type', "'quic'", init.type);
  const local = checkObject('init.local', init.local ?? {});
  const address =
    local.address === undefined ? '0.0.0.0' : checkAddress('init.local.address', local.address);
  const port = local.port === undefined ? 0 : checkPort('init.local.port', local.port, true);
  const tls = checkObject('init.tls', init.tls);
  const alpn = checkAlpn(tls.alpn);
  if (tls.keyLog !== undefined && typeof tls.keyLog !== 'function') {
    fail('init.tls.keyLog', 'a function', tls.keyLog);
  }
  if (init.signal !== undefined && !(init.signal instanceof AbortSignal)) {
    fail('init.signal', 'an AbortSignal', init.signal);
  }
  if (init.stack !== undefined) {
    const stack = checkObject('init.stack', init.stack);
    if (typeof stack.bind !== 'function' || typeof stack.clock !== 'object') {
      fail('init.stack', 'a UdpStack (bind, lookup, clock)', init.stack);
    }
  }
  const listener: QuicListenerOptions = {
    address,
    port,
    tls: {
      certificate: { chain: checkChain(tls.certificate), key: checkKey(tls.privateKey) },
      alpn,
      ...(tls.cipherSuites !== undefined ? { cipherSuites: checkSuites(tls.cipherSuites) } : {}),
      ...(tls.keyLog ? { keyLog: tls.keyLog as (line: string) => void } : {}),
    },
    ...checkQuic(init.quic),
  };
  return {
    listener,
    alpn,
    stack: init.stack as UdpStack | undefined,
    signal: init.signal as AbortSignal | undefined,
  };
}
