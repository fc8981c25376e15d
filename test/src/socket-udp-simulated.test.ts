import { describe, expect, it } from 'vitest';
import { Socket } from '../../src/socket.js';
import type { UDPMessage } from '../../src/socket-init.js';
import type { LinkOptions } from '../../src/udp/simulated-link.js';
import { SimulatedNetwork } from '../../src/udp/simulated-network.js';

/** An echo server on one host and a connected client on another, on virtual time. */
async function echoSetup(link: LinkOptions, seed = 1) {
  const net = new SimulatedNetwork({ seed });
  const clientHost = net.host('10.0.0.1');
  const serverHost = net.host('10.0.0.2', { names: ['echo.test'] });
  net.link(clientHost, serverHost, link);
  const server = new Socket({ type: 'udp', local: { port: 7 }, stack: serverHost });
  await net.runUntil(server.opened);
  const echoed: UDPMessage[] = [];
  void (async () => {
    const reader = server.readable.getReader();
    const writer = server.writable.getWriter();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      echoed.push(value as UDPMessage);
      await writer.write(value);
    }
  })().catch(() => {});
  const client = new Socket({
    type: 'udp',
    remote: { address: 'echo.test', port: 7 },
    stack: clientHost,
  });
  const info = await net.runUntil(client.opened);
  return { net, clientHost, serverHost, server, client, info: info!, echoed };
}

describe('UDP Socket on the simulated network', () => {
  it('resolves a simulated name, echoes on virtual time with the link delay', async () => {
    const { net, client, info } = await echoSetup({ delayMs: 40 });
    expect(info.remoteAddress).toBe('10.0.0.2');
    expect(info.localAddress).toBe('10.0.0.1');
    expect(info.remotePort).toBe(7);
    const writer = client.writable.getWriter();
    const reader = client.readable.getReader();
    await net.runUntil(writer.write(new Uint8Array([1, 2])));
    const start = net.now();
    const result = await net.runUntil(reader.read());
    expect(result?.value).toEqual({
      data: new Uint8Array([1, 2]),
      remoteAddress: '10.0.0.2',
      remotePort: 7,
    });
    expect(net.now() - start).toBe(80);
    expect(net.trace.filter((e) => e.event === 'delivered')).toHaveLength(2);
  });

  it('loss shows in the stats; equal seeds give equal traces', async () => {
    const run = async (seed: number) => {
      const { net, client } = await echoSetup(
        { delayMs: 5, loss: 0.2, duplicate: 0.05, reorder: 0.1 },
        seed,
      );
      const writer = client.writable.getWriter();
      for (let i = 0; i < 200; i++) await net.runUntil(writer.write(new Uint8Array([i])));
      await net.runUntilIdle();
      return { trace: net.trace, stats: client.stats };
    };
    const a = await run(9);
    const b = await run(9);
    const c = await run(10);
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
    expect(c.trace).not.toEqual(a.trace);
    expect(a.stats.datagramsSent).toBe(200);
    expect(a.stats.datagramsReceived).toBeLessThan(200 * 0.8);
    expect(a.stats.datagramsReceived).toBeGreaterThan(100);
  });

  it('a bound socket sees a rebound peer at its new address; a connected one filters it out', async () => {
    const { net, clientHost, client, echoed, server } = await echoSetup({ delayMs: 1 });
    const writer = client.writable.getWriter();
    await net.runUntil(writer.write(new Uint8Array([1])));
    await net.runUntilIdle();
    clientHost.rebind({ address: '10.0.0.50', ports: true });
    await net.runUntil(writer.write(new Uint8Array([2])));
    await net.runUntilIdle();
    expect(echoed.map((m) => m.remoteAddress)).toEqual(['10.0.0.1', '10.0.0.50']);
    expect(echoed[1]!.remotePort).not.toBe(echoed[0]!.remotePort);
    expect(client.stats.datagramsReceived).toBe(2);
    // A stranger reaches the client's new public address: the network delivers,
    // the connected socket does not; the old address no longer routes.
    const strangerHost = net.host('10.0.0.3');
    const stranger = new Socket({ type: 'udp', local: {}, stack: strangerHost });
    await net.runUntil(stranger.opened);
    const strangerWriter = stranger.writable.getWriter();
    const publicPort = echoed[1]!.remotePort;
    await net.runUntil(
      strangerWriter.write({
        data: new Uint8Array([3]),
        remoteAddress: '10.0.0.50',
        remotePort: publicPort,
      }),
    );
    await net.runUntilIdle();
    expect(net.trace.at(-1)).toMatchObject({
      event: 'delivered',
      from: expect.stringMatching(/^10\.0\.0\.3:/),
    });
    expect(client.stats.datagramsReceived).toBe(2);
    await net.runUntil(
      strangerWriter.write({
        data: new Uint8Array([4]),
        remoteAddress: '10.0.0.1',
        remotePort: publicPort,
      }),
    );
    await net.runUntilIdle();
    expect(net.trace.at(-1)).toMatchObject({ event: 'dropped', reason: 'no-route' });
    expect(server.stats.datagramsReceived).toBe(2);
  });

  it('an unknown simulated name rejects ready and closed', async () => {
    const net = new SimulatedNetwork();
    const host = net.host('10.0.0.1');
    const socket = new Socket({
      type: 'udp',
      remote: { address: 'missing.test', port: 1 },
      stack: host,
    });
    await expect(net.runUntil(socket.opened)).rejects.toMatchObject({
      code: 'ENOTFOUND',
      name: 'SocketError',
    });
    await expect(socket.closed).rejects.toThrow('missing.test');
  });

  it('the receive queue bound holds on virtual time too', async () => {
    const net = new SimulatedNetwork();
    const a = net.host('10.0.0.1');
    const b = net.host('10.0.0.2');
    const receiver = new Socket({ type: 'udp', local: { port: 9 }, stack: b, receiveQueueSize: 3 });
    const sender = new Socket({ type: 'udp', remote: { address: '10.0.0.2', port: 9 }, stack: a });
    await net.runUntil(Promise.all([receiver.opened, sender.opened]));
    const writer = sender.writable.getWriter();
    for (let i = 0; i < 8; i++) await net.runUntil(writer.write(new Uint8Array([i])));
    await net.runUntilIdle();
    expect(receiver.stats).toMatchObject({ datagramsReceived: 3, datagramsDropped: 5 });
    await net.runUntil(Promise.all([receiver.close(), sender.close()]));
    await expect(receiver.closed).resolves.toBeUndefined();
  });
});
