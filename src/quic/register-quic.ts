// Installs the QUIC backend into Socket: `new Socket({ type: 'quic' })`
// opens a client connection; stream Sockets are built through the same
// class with an internal backend factory (STREAM_BACKEND), so a stream is a
// Socket in every respect.

import { registerSocketBackend, Socket } from '../socket.js';
import type { SocketBackendContext } from '../socket-backend.js';
import type { SocketInit } from '../socket-init.js';
import { QuicSocketBackend, setStreamSocketFactory } from './quic-socket-backend.js';
import type { StreamSocketBackend } from './stream-socket-backend.js';

const STREAM_BACKEND = Symbol('quic-socket.stream-backend');

type StreamInit = SocketInit & {
  [STREAM_BACKEND]?: (context: SocketBackendContext) => StreamSocketBackend;
};

registerSocketBackend('quic', (init, context) => {
  const createStream = (init as StreamInit)[STREAM_BACKEND];
  return createStream ? createStream(context) : new QuicSocketBackend(init, context);
});

setStreamSocketFactory((create) => {
  const init: StreamInit = { type: 'quic', [STREAM_BACKEND]: create };
  return new Socket(init);
});
