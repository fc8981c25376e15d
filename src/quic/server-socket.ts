// Server-side QUIC Sockets: a connection accepted by QuicListener becomes a
// `Socket` with the same members as a client's (openStream, incomingStreams,
// datagrams, closed, abort, stats, info), by reusing the client backend
// (quic-socket-backend.ts) with the connection already made instead of
// dialing one.
//
// BRIDGE, to replace with an official hook of the QUIC Socket backend: the
// backend has no public way yet to adopt an existing connection, so this
// file (a) subclasses QuicSocketBackend and fills its private handle, and
// (b) re-registers the 'quic' Socket backend factory with one that builds
// these, and otherwise behaves as register-quic.ts does (stream inits carry
// a function-valued symbol; anything else is a client connection).
import type { ConnectionEvent } from '../../quic/connection/connection-events.js';
import { registerSocketBackend, Socket } from '../socket.js';
import type { SocketBackendContext } from '../socket-backend.js';
import type { SocketInfo, SocketInit } from '../socket-init.js';
import type { UdpStack } from '../udp/udp-stack.js';
import type { ClientConnectionHandle } from './client-connection.js';
import { QuicSocketBackend } from './quic-socket-backend.js';
import './register-quic.js';
import type { AcceptedConnection } from './server-listener.js';

const ACCEPTED = Symbol('quic-socket.accepted-connection');

type AcceptedInit = SocketInit & { [ACCEPTED]?: AcceptedSocketSource };

interface AcceptedSocketSource {
  accepted: AcceptedConnection;
  /** Hands the backend its event sink once it exists. */
  attach(sink: (event: ConnectionEvent) => void): void;
}

/** The private members of QuicSocketBackend this bridge relies on. */
interface BackendInternals {
  handle: ClientConnectionHandle | undefined;
  connected: Promise<SocketInfo>;
  onEvent(event: ConnectionEvent): void;
}

class AcceptedQuicSocketBackend extends QuicSocketBackend {
  constructor(
    init: SocketInit,
    context: SocketBackendContext,
    private readonly source: AcceptedSocketSource,
  ) {
    super(init, context);
  }

  override async open(): Promise<SocketInfo> {
    const internals = this as unknown as BackendInternals;
    const { accepted } = this.source;
    internals.handle = {
      connection: accepted.connection,
      driver: accepted.driver,
      socket: accepted.socket,
      remoteAddress: accepted.remote.address,
    };
    this.source.attach((event) => internals.onEvent(event));
    return internals.connected;
  }
}

registerSocketBackend('quic', (init, context) => {
  const source = (init as AcceptedInit)[ACCEPTED];
  if (source) return new AcceptedQuicSocketBackend(init, context, source);
  // register-quic.ts's stream path: a function under a symbol builds the backend.
  for (const key of Object.getOwnPropertySymbols(init)) {
    const create = (init as unknown as Record<symbol, unknown>)[key];
    if (typeof create === 'function') {
      return (create as (c: SocketBackendContext) => QuicSocketBackend)(context);
    }
  }
  return new QuicSocketBackend(init, context);
});

/**
 * A Socket for an accepted connection, and the event handler to give its
 * driver. Events that arrive before the Socket has opened are queued.
 */
export function acceptedSocket(
  accepted: AcceptedConnection,
  stack: UdpStack,
  alpn: readonly string[],
): { socket: Socket; onEvent: (event: ConnectionEvent) => void } {
  let sink: ((event: ConnectionEvent) => void) | undefined;
  const queued: ConnectionEvent[] = [];
  const source: AcceptedSocketSource = {
    accepted,
    attach(s) {
      sink = s;
      for (const event of queued.splice(0)) s(event);
    },
  };
  const init: AcceptedInit = {
    type: 'quic',
    remote: { address: accepted.remote.address, port: accepted.remote.port },
    // Checked like a client's init; the server side verifies nothing here.
    tls: { alpn: [...alpn], dangerouslySkipVerification: true },
    stack,
    [ACCEPTED]: source,
  };
  const socket = new Socket(init);
  const onEvent = (event: ConnectionEvent) => {
    if (sink) sink(event);
    else queued.push(event);
  };
  return { socket, onEvent };
}
