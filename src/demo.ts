// `npm start`: a UDP echo on loopback through the Socket API. A bound
// socket echoes every datagram back to its sender; a connected socket sends
// three lines and prints what comes back.

import { Socket } from './index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function runEchoServer(server: Socket): Promise<void> {
  const reader = server.readable.getReader();
  const writer = server.writable.getWriter();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    await writer.write(value);
  }
}

async function main(): Promise<void> {
  const server = new Socket({ type: 'udp', local: { address: '127.0.0.1', port: 0 } });
  const serverInfo = await server.opened;
  console.log(`echo server bound to ${serverInfo.localAddress}:${serverInfo.localPort}`);
  const serving = runEchoServer(server).catch(() => {});

  const client = new Socket({
    type: 'udp',
    remote: { address: serverInfo.localAddress, port: serverInfo.localPort },
  });
  const clientInfo = await client.opened;
  console.log(
    `client on port ${clientInfo.localPort}, connected to ${clientInfo.remoteAddress}:${clientInfo.remotePort}`,
  );

  const reader = client.readable.getReader();
  const writer = client.writable.getWriter();
  for (const text of ['hello', 'from quic-socket', 'over UDP']) {
    await writer.write(encoder.encode(text));
    console.log(`sent     ${JSON.stringify(text)}`);
    const timeout = setTimeout(() => client.abort(new Error('no echo within 2 s')), 2000);
    const { value } = await reader.read();
    clearTimeout(timeout);
    if (value === undefined) throw new Error('the client socket closed');
    const { data, remoteAddress, remotePort } = value;
    console.log(
      `received ${JSON.stringify(decoder.decode(data))} from ${remoteAddress}:${remotePort}`,
    );
  }
  writer.releaseLock();
  reader.releaseLock();
  await client.close();
  await server.close();
  await serving;
  console.log('stats:', JSON.stringify(client.stats));
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exitCode = 1;
});
