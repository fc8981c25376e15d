// In-memory driver for TLS engine tests: moves handshake bytes between a
// TlsClient and a TlsServer level by level, optionally fragmented, and records
// every output each side produced.
import { TlsClient, type TlsClientOptions } from '../../../crypto/tls/client.js';
import type {
  EncryptionLevel,
  HandshakeEngine,
  TlsOutput,
} from '../../../crypto/tls/handshake-common.js';
import { TlsServer, type TlsServerOptions } from '../../../crypto/tls/server.js';
import type { SessionTicket } from '../../../crypto/tls/session-ticket.js';
import { leaf, NOW, random, root, type TestKeyType, testKey } from '../../fixtures/tls/chains.js';

export const TRANSPORT_PARAMETERS_CLIENT = Uint8Array.of(0x01, 0x02, 0x03);
export const TRANSPORT_PARAMETERS_SERVER = Uint8Array.of(0x0f, 0x0e);

export interface Pki {
  readonly rootDer: Uint8Array;
  readonly chain: Uint8Array[];
  readonly keyType: TestKeyType;
}

const pkiCache = new Map<TestKeyType, Pki>();

/** A root and a leaf for server.example, with the leaf key of the given type. */
export function testPki(keyType: TestKeyType): Pki {
  let pki = pkiCache.get(keyType);
  if (!pki) {
    const ca = root(testKey('ec-p256', 'root'));
    const server = leaf(testKey(keyType, 'leaf'), ca);
    pki = { rootDer: ca.der, chain: [server.der], keyType };
    pkiCache.set(keyType, pki);
  }
  return pki;
}

export function clientOptions(pki: Pki, extra: Partial<TlsClientOptions> = {}): TlsClientOptions {
  return {
    serverName: 'server.example',
    alpn: ['hq-interop', 'h3'],
    transportParameters: TRANSPORT_PARAMETERS_CLIENT,
    random,
    currentTimeMs: NOW,
    verification: { trustAnchors: [pki.rootDer] },
    ...extra,
  };
}

export const TICKET_KEY = random(32);

export function serverOptions(pki: Pki, extra: Partial<TlsServerOptions> = {}): TlsServerOptions {
  return {
    certificate: { chain: pki.chain, key: testKey(pki.keyType, 'leaf') },
    alpn: ['h3', 'hq-interop'],
    transportParameters: TRANSPORT_PARAMETERS_SERVER,
    random,
    currentTimeMs: NOW,
    ticketKey: TICKET_KEY,
    ...extra,
  };
}

export interface Flight {
  readonly from: 'client' | 'server';
  readonly level: EncryptionLevel;
  readonly bytes: Uint8Array;
}

export interface Run {
  readonly client: TlsClient;
  readonly server: TlsServer;
  readonly clientOutputs: TlsOutput[];
  readonly serverOutputs: TlsOutput[];
  readonly flights: Flight[];
}

export interface DriveOptions {
  /** Deliver handshake bytes in chunks of this size (CRYPTO frames straddling messages). */
  chunk?: number;
  /** Rewrites a message in flight (tests of bad input); return undefined to keep it. */
  tamper?: (flight: Flight) => Uint8Array | undefined;
}

function drain(engine: HandshakeEngine, into: TlsOutput[]): TlsOutput[] {
  const fresh: TlsOutput[] = [];
  for (let o = engine.poll(); o; o = engine.poll()) fresh.push(o);
  into.push(...fresh);
  return fresh;
}

function deliver(to: HandshakeEngine, flight: Flight, options: DriveOptions): void {
  const bytes = options.tamper?.(flight) ?? flight.bytes;
  const chunk = options.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += Math.max(1, chunk)) {
    to.receive(flight.level, bytes.subarray(i, i + Math.max(1, chunk)));
  }
}

/** Runs the handshake until neither side has anything to say; throws what a side throws. */
export async function drive(
  clientOpts: TlsClientOptions,
  serverOpts: TlsServerOptions,
  options: DriveOptions = {},
): Promise<Run> {
  const client = new TlsClient(clientOpts);
  const server = new TlsServer(serverOpts);
  const run: Run = { client, server, clientOutputs: [], serverOutputs: [], flights: [] };
  for (let rounds = 0; rounds < 20; rounds++) {
    let moved = false;
    for (const [from, engine, to, outputs] of [
      ['client', client, server, run.clientOutputs],
      ['server', server, client, run.serverOutputs],
    ] as const) {
      for (const o of drain(engine, outputs)) {
        if (o.kind === 'waiting-for-certificate-verification') {
          const failure = await o.settled;
          if (failure) throw failure;
          moved = true;
        }
        if (o.kind !== 'data') continue;
        const flight = { from, level: o.level, bytes: o.bytes };
        run.flights.push(flight);
        deliver(to, flight, options);
        moved = true;
      }
    }
    if (!moved) return run;
  }
  throw new Error('handshake did not settle in 20 rounds');
}

export function outputsOf<K extends TlsOutput['kind']>(
  outputs: TlsOutput[],
  kind: K,
): Extract<TlsOutput, { kind: K }>[] {
  return outputs.filter((o): o is Extract<TlsOutput, { kind: K }> => o.kind === kind);
}

export function ticketOf(run: Run): SessionTicket {
  const t = outputsOf(run.clientOutputs, 'session-ticket')[0];
  if (!t) throw new Error('no session ticket');
  return t.ticket;
}
