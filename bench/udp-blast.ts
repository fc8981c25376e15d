// The raw UDP ceiling: node:dgram blasting 1200-byte datagrams from one
// process to another, no QUIC. Run as a forked child:
//   receiver            binds 127.0.0.1:0, reports { port }, then counts;
//                       on 'report' answers { bytes, datagrams, seconds }
//   sender <port> <s>   sends for <s> seconds, keeping a bounded number of
//                       sends in flight, then reports { datagrams }
import { createSocket } from 'node:dgram';

const DATAGRAM = 1200;
const IN_FLIGHT = 512;

function send(message: object): void {
  process.send?.(message);
}

function receiver(): void {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let bytes = 0;
  let datagrams = 0;
  let first = 0;
  let last = 0;
  socket.on('message', (data) => {
    last = performance.now();
    if (datagrams === 0) first = last;
    datagrams++;
    bytes += data.length;
  });
  socket.bind(0, '127.0.0.1', () => send({ port: socket.address().port }));
  process.on('message', () => {
    socket.close();
    process.send?.({ bytes, datagrams, seconds: (last - first) / 1000 }, () => process.exit(0));
  });
}

function sender(port: number, seconds: number): void {
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  const payload = Buffer.alloc(DATAGRAM, 0xab);
  const deadline = performance.now() + seconds * 1000;
  let inFlight = 0;
  let datagrams = 0;
  let finished = false;
  const sent = (): void => {
    inFlight--;
    if (inFlight < IN_FLIGHT / 2) pump();
  };
  function pump(): void {
    if (finished) return;
    if (performance.now() > deadline) {
      finished = true;
      send({ datagrams });
      setTimeout(() => socket.close(), 50);
      return;
    }
    while (inFlight < IN_FLIGHT) {
      inFlight++;
      datagrams++;
      socket.send(payload, sent);
    }
  }
  socket.connect(port, '127.0.0.1', () => pump());
}

const [role, port, seconds] = process.argv.slice(2);
if (role === 'receiver') receiver();
else sender(Number(port), Number(seconds ?? 3));
