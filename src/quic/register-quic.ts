// Installs the QUIC backend into Socket: `new Socket({ type: 'quic' })`
// opens a client connection. Stream Sockets (STREAM_BACKEND) and sockets for
// connections a server accepted (ADOPTED) are built through the same class
// with internal init fields, so each is a Socket in every respect.

import { registerSocketBackend, Socket } from '../socket.js';
import type { SocketBackendContext } from '../socket-backend.js';
import type { SocketInit } from '../socket-init.js';
import {
  type AdoptedConnection,
  QuicSocketBackend,
  setStreamSocketFactory,
} from './quic-socket-backend.js';
import type { StreamSocketBackend } from './stream-socket-backend.js';

const STREAM_BACKEND = Symbol('quic-socket.stream-backend');
const ADOPTED = Symbol('quic-socket.adopted-connection');

type InternalInit = SocketInit & {
  [STREAM_BACKEND]?: (context: SocketBackendContext) => StreamSocketBackend;
  [ADOPTED]?: AdoptedConnection;
};

registerSocketBackend('quic', (init, context) => {
  const internal = init as InternalInit;
  const createStream = internal[STREAM_BACKEND];
  if (createStream) return createStream(context);
  return new QuicSocketBackend(init, context, internal[ADOPTED]);
});

/** A Socket for a connection made elsewhere (a server's accepted connection). */
export function adoptConnection(
  adopted: AdoptedConnection,
  remote: { address: string; port: number },
  stack: SocketInit['stack'],
): Socket {
  const init: InternalInit = { type: 'quic', remote, [ADOPTED]: adopted };
  if (stack) init.stack = stack;
  return new Socket(init);
}

setStreamSocketFactory((create) => {
  const init: InternalInit = { type: 'quic', [STREAM_BACKEND]: create };
  return new Socket(init);
});
