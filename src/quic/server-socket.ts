// Server-side QUIC Sockets: a connection accepted by QuicListener becomes a
// `Socket` with the same members as a client's (openStream, incomingStreams,
// datagrams, closed, abort, stats, info): the QUIC backend adopts the
// connection instead of dialing one (register-quic.ts adoptConnection).
import type { ConnectionEvent } from '../../quic/connection/connection-events.js';
import type { Socket } from '../socket.js';
import type { UdpStack } from '../udp/udp-stack.js';
import { adoptConnection } from './register-quic.js';
import type { AcceptedConnection } from './server-listener.js';

/**
 * A Socket for an accepted connection, and the event handler to give its
 * driver. Events that arrive before the Socket has opened are queued.
 */
export function acceptedSocket(
  accepted: AcceptedConnection,
  stack: UdpStack,
): { socket: Socket; onEvent: (event: ConnectionEvent) => void } {
  let sink: ((event: ConnectionEvent) => void) | undefined;
  const queued: ConnectionEvent[] = [];
  const socket = adoptConnection(
    {
      handle: {
        connection: accepted.connection,
        driver: accepted.driver,
        socket: accepted.socket,
        remoteAddress: accepted.remote.address,
      },
      remotePort: accepted.remote.port,
      attach(onEvent) {
        sink = onEvent;
        for (const event of queued.splice(0)) onEvent(event);
      },
    },
    { address: accepted.remote.address, port: accepted.remote.port },
    stack,
  );
  const onEvent = (event: ConnectionEvent) => {
    if (sink) sink(event);
    else queued.push(event);
  };
  return { socket, onEvent };
}
