import { afterEach, describe, expect, it } from 'vitest';
import { SocketError } from '../../src/errors.js';
import { Socket, type SocketErrorEvent } from '../../src/socket.js';
import type { UDPMessage } from '../../src/socket-init.js';
import { NodeUdpStack } from '../../src/udp/node-dgram.js';
import type { UdpStack } from '../../src/udp/udp-stack.js';
import { heldStack, ticks } from './helpers/fake-stack.js';
import { hasIPv6Loopback } from './helpers/ipv6.js';

const bytes = (...values: number[]) => new Uint8Array(values);
const open: Socket[] = [];

function socket(init: ConstructorParameters<typeof Socket>[0]): Socket {
  const s = new Socket(init);
  open.push(s);
  return s;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** Reads one chunk, failing the test instead of hanging if none comes. */
async function readOne(reader: ReadableStreamDefaultReader<unknown>): Promise<UDPMessage> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no datagram arrived')), 5000);
  });
  try {
    const result = await Promise.race([reader.read(), guard]);
    if (result.done) throw new Error('readable ended');
    return result.value as UDPMessage;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for a condition driven by real I/O, failing instead of hanging. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe.each([
  ['IPv4', '127.0.0.1', true],
  ['IPv6', '::1', hasIPv6Loopback],
])('UDP Socket over %s loopback', (_family, loopback, available) => {
  it.skipIf(!available)('connected and bound mode exchange datagrams; info and stats', async () => {
    const server = socket({ type: 'udp', local: { address: loopback, port: 0 } });
    expect(server.info).toBeUndefined();
    expect(server.ready).toBe(server.opened);
    const serverInfo = await server.opened;
    expect(serverInfo).toEqual({ localAddress: loopback, localPort: expect.any(Number) });
    expect(serverInfo.localPort).toBeGreaterThan(0);

    const client = socket({
      type: 'udp',
      remote: { address: loopback, port: serverInfo.localPort },
    });
    let opened = 0;
    client.addEventListener('open', () => opened++);
    const clientInfo = await client.ready;
    expect(opened).toBe(1);
    expect(clientInfo.remoteAddress).toBe(loopback);
    // Bound to the wildcard, it reports the address the peer sees (the route's source).
    expect(clientInfo.localAddress).toBe(loopback);
    expect(clientInfo.remotePort).toBe(serverInfo.localPort);
    expect(clientInfo.localPort).toBeGreaterThan(0);
    expect(client.info).toEqual(clientInfo);

    const clientWriter = client.writable.getWriter();
    await clientWriter.write(bytes(1, 2, 3));
    await clientWriter.write(bytes(4, 5).buffer);
    await clientWriter.write(new DataView(bytes(0, 6, 7).buffer, 1));
    await clientWriter.write({ data: bytes(8) });
    const serverReader = server.readable.getReader();
    const received = [];
    for (let i = 0; i < 4; i++) received.push(await readOne(serverReader));
    expect(received.map((m) => [...m.data])).toEqual([[1, 2, 3], [4, 5], [6, 7], [8]]);
    for (const m of received) {
      expect(m.remoteAddress).toBe(loopback);
      expect(m.remotePort).toBe(clientInfo.localPort);
    }

    const serverWriter = server.writable.getWriter();
    await serverWriter.write({
      data: bytes(9, 9),
      remoteAddress: loopback,
      remotePort: clientInfo.localPort,
    });
    const reply = await readOne(client.readable.getReader());
    expect(reply).toEqual({
      data: bytes(9, 9),
      remoteAddress: loopback,
      remotePort: serverInfo.localPort,
    });

    expect(client.stats).toEqual({
      datagramsSent: 4,
      bytesSent: 8,
      datagramsReceived: 1,
      bytesReceived: 2,
      datagramsDropped: 0,
      sendErrors: 0,
    });
    expect(server.stats).toMatchObject({
      datagramsReceived: 4,
      bytesReceived: 8,
      datagramsSent: 1,
      bytesSent: 2,
    });
  });

  it.skipIf(!available)(
    'connected mode does not deliver datagrams from other sources',
    async () => {
      const peer = socket({ type: 'udp', local: { address: loopback } });
      const stranger = socket({ type: 'udp', local: { address: loopback } });
      const peerInfo = await peer.opened;
      await stranger.opened;
      const client = socket({
        type: 'udp',
        remote: { address: loopback, port: peerInfo.localPort },
      });
      const { localPort } = await client.opened;
      await stranger.writable
        .getWriter()
        .write({ data: bytes(66), remoteAddress: loopback, remotePort: localPort });
      await peer.writable
        .getWriter()
        .write({ data: bytes(1), remoteAddress: loopback, remotePort: localPort });
      const reader = client.readable.getReader();
      const first = await readOne(reader);
      expect([...first.data]).toEqual([1]);
      expect(first.remotePort).toBe(peerInfo.localPort);
      expect(client.stats.datagramsReceived).toBe(1);
    },
  );

  it.skipIf(!available)(
    'a datagram over the UDP maximum rejects that write; the socket stays usable',
    async () => {
      const server = socket({ type: 'udp', local: { address: loopback } });
      const { localPort } = await server.opened;
      const client = socket({ type: 'udp', remote: { address: loopback, port: localPort } });
      await client.opened;
      const limit = loopback === '::1' ? 65527 : 65507;
      const firstWritable = client.writable;
      const writer = firstWritable.getWriter();
      const error = await writer.write(new Uint8Array(limit + 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SocketError);
      expect(error).toMatchObject({ code: 'EMSGSIZE', type: 'transport' });
      expect((error as Error).message).toContain(String(limit));
      expect(client.writable).not.toBe(firstWritable);
      await client.writable.getWriter().write(bytes(42));
      expect([...(await readOne(server.readable.getReader())).data]).toEqual([42]);
      expect(client.stats.sendErrors).toBe(1);
      expect(client.signal.aborted).toBe(false);
    },
  );
});

describe('UDP Socket, names and addresses', () => {
  it('resolves a host name in remote.address', async () => {
    const server = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const { localPort } = await server.opened;
    const client = socket({ type: 'udp', remote: { address: 'localhost', port: localPort } });
    const info = await client.opened;
    expect(info.remoteAddress).toBe('127.0.0.1');
    await client.writable.getWriter().write(bytes(5));
    expect((await readOne(server.readable.getReader())).remotePort).toBe(info.localPort);
  });

  it('resolves host names in bound-mode writes', async () => {
    const a = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const b = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const { localPort } = await b.opened;
    await a.opened;
    await a.writable
      .getWriter()
      .write({ data: bytes(1), remoteAddress: 'localhost', remotePort: localPort });
    expect((await readOne(b.readable.getReader())).remoteAddress).toBe('127.0.0.1');
  });

  it('a name under .invalid fails fast, without a lookup: ready and closed reject with the same SocketError', async () => {
    const stack: UdpStack = {
      ...new NodeUdpStack(),
      clock: new NodeUdpStack().clock,
      bind: () => Promise.reject(new Error('must not bind')),
      lookup: () => Promise.reject(new Error('must not query DNS')),
    };
    const errors: unknown[] = [];
    const s = new Socket({
      type: 'udp',
      remote: { address: 'no-such-host.invalid', port: 443 },
      stack,
    });
    s.addEventListener('error', (event) => errors.push((event as SocketErrorEvent).error));
    const error = await s.ready.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ code: 'ENOTFOUND', type: 'transport' });
    expect((error as Error).message).toContain('no-such-host.invalid');
    await expect(s.closed).rejects.toBe(error);
    expect(errors).toEqual([error]);
    expect(s.signal.aborted).toBe(true);
  });

  it('the default stack also fails .invalid names at once', async () => {
    const s = new Socket({ type: 'udp', remote: { address: 'nothing.invalid', port: 1 } });
    await expect(s.opened).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(s.closed).rejects.toThrow('nothing.invalid');
  });

  it('a lookup failure or timeout names the host', async () => {
    const held = heldStack();
    held.stack.lookup = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const failing = new Socket({
      type: 'udp',
      remote: { address: 'gone.example', port: 1 },
      stack: held.stack,
    });
    await expect(failing.opened).rejects.toThrow(/cannot resolve host "gone.example"/);
    held.stack.lookup = () => new Promise(() => {});
    const slow = new Socket({
      type: 'udp',
      remote: { address: 'slow.example', port: 1 },
      stack: held.stack,
      lookupTimeoutMs: 20,
    });
    await expect(slow.opened).rejects.toMatchObject({ code: 'ETIMEOUT' });
    await expect(slow.closed).rejects.toThrow('slow.example');
  });

  it.skipIf(!hasIPv6Loopback)('a host name resolving to IPv6 connects over IPv6', async () => {
    const server = socket({ type: 'udp', local: { address: '::1' } });
    const { localPort } = await server.opened;
    const node = new NodeUdpStack();
    const stack: UdpStack = {
      clock: node.clock,
      bind: (o, h) => node.bind(o, h),
      lookup: async () => ['::1'],
    };
    const client = socket({
      type: 'udp',
      remote: { address: 'six.example', port: localPort },
      stack,
    });
    expect(await client.opened).toMatchObject({
      localAddress: '::',
      remoteAddress: '::1',
      remotePort: localPort,
    });
    await client.writable.getWriter().write(bytes(6));
    expect((await readOne(server.readable.getReader())).remoteAddress).toBe('::1');
  });

  it.skipIf(!hasIPv6Loopback)(
    'ipv6Only refuses IPv4 destinations; dual stack reaches them',
    async () => {
      const v4 = socket({ type: 'udp', local: { address: '127.0.0.1' } });
      const { localPort } = await v4.opened;
      const only = socket({ type: 'udp', local: { address: '::' }, ipv6Only: true });
      await only.opened;
      const refused = only.writable
        .getWriter()
        .write({ data: bytes(1), remoteAddress: '127.0.0.1', remotePort: localPort });
      await expect(refused).rejects.toMatchObject({ code: 'EAFNOSUPPORT' });
      const dual = socket({ type: 'udp', local: { address: '::' } });
      await dual.opened;
      await dual.writable
        .getWriter()
        .write({ data: bytes(2), remoteAddress: '127.0.0.1', remotePort: localPort });
      const message = await readOne(v4.readable.getReader());
      expect(message.data).toEqual(bytes(2));
      expect(message.remoteAddress).toBe('127.0.0.1');
    },
  );

  it('a port in use rejects ready with EADDRINUSE', async () => {
    const first = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const { localPort } = await first.opened;
    const second = new Socket({ type: 'udp', local: { address: '127.0.0.1', port: localPort } });
    await expect(second.opened).rejects.toMatchObject({ name: 'SocketError', code: 'EADDRINUSE' });
    await expect(second.closed).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('UDP Socket, receive queue and backpressure', () => {
  it('holds at most receiveQueueSize datagrams; the rest are dropped and counted', async () => {
    const receiver = socket({ type: 'udp', local: { address: '127.0.0.1' }, receiveQueueSize: 4 });
    const { localPort } = await receiver.opened;
    const sender = socket({ type: 'udp', remote: { address: '127.0.0.1', port: localPort } });
    await sender.opened;
    const writer = sender.writable.getWriter();
    for (let i = 0; i < 10; i++) await writer.write(bytes(i));
    await until(() => receiver.stats.datagramsReceived + receiver.stats.datagramsDropped === 10);
    expect(receiver.stats.datagramsReceived).toBe(4);
    expect(receiver.stats.datagramsDropped).toBe(6);
    const reader = receiver.readable.getReader();
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await readOne(reader)).data[0]);
    expect(got).toEqual([0, 1, 2, 3]);
    // Room again: the next datagram is delivered.
    await writer.write(bytes(99));
    expect((await readOne(reader)).data[0]).toBe(99);
  });

  it('a sender awaiting each write does not starve receives in the same process', async () => {
    // 2000 x 1200 bytes is far more than a default kernel receive buffer holds:
    // if writes never let the event loop turn, most of these are dropped.
    const receiver = socket({
      type: 'udp',
      local: { address: '127.0.0.1' },
      receiveQueueSize: 4000,
    });
    const { localPort } = await receiver.opened;
    const sender = socket({ type: 'udp', remote: { address: '127.0.0.1', port: localPort } });
    await sender.opened;
    const writer = sender.writable.getWriter();
    const payload = new Uint8Array(1200);
    for (let i = 0; i < 2000; i++) await writer.write(payload);
    await until(() => receiver.stats.datagramsReceived >= 1900);
  });

  it('a write waits while the primitive send queue is full, and settles when its datagram is sent', async () => {
    const held = heldStack();
    const s = socket({
      type: 'udp',
      remote: { address: '10.1.1.1', port: 9 },
      stack: held.stack,
      sendQueueSize: 2,
    });
    await s.opened;
    held.state.busy = 2;
    const writer = s.writable.getWriter();
    let settled = false;
    const write = writer.write(bytes(1)).then(() => {
      settled = true;
    });
    await ticks();
    expect(held.sent).toHaveLength(0);
    held.state.busy = 0;
    held.drain();
    await ticks();
    expect(held.sent).toEqual([{ data: bytes(1), address: '10.1.1.1', port: 9 }]);
    expect(settled).toBe(false);
    held.release();
    await write;
    expect(s.stats.datagramsSent).toBe(1);
    // A send error rejects that write only.
    const failing = writer.write(bytes(2));
    await ticks();
    held.release(new SocketError('host unreachable', { code: 'EHOSTUNREACH' }));
    await expect(failing).rejects.toMatchObject({ code: 'EHOSTUNREACH' });
    expect(s.stats.sendErrors).toBe(1);
    const next = s.writable.getWriter().write(bytes(3));
    await ticks();
    held.release();
    await next;
  });

  it('update() raises the send queue limit and wakes waiting writes', async () => {
    const held = heldStack();
    const s = socket({
      type: 'udp',
      remote: { address: '10.1.1.1', port: 9 },
      stack: held.stack,
      sendQueueSize: 1,
    });
    await s.opened;
    held.state.busy = 1;
    const write = s.writable.getWriter().write(bytes(1));
    await ticks();
    expect(held.sent).toHaveLength(0);
    await s.update({ sendQueueSize: 8 });
    expect(held.raw.sendQueueLimit).toBe(8);
    await ticks();
    expect(held.sent).toHaveLength(1);
    held.release();
    await write;
  });
});

describe('UDP Socket, closing and aborting', () => {
  it('close(): readable ends, writes reject, closed resolves, close twice is harmless', async () => {
    const s = new Socket({ type: 'udp', local: { address: '127.0.0.1' } });
    await s.opened;
    const events: string[] = [];
    s.addEventListener('close', () => events.push('close'));
    s.addEventListener('error', () => events.push('error'));
    const reader = s.readable.getReader();
    const read = reader.read();
    await s.close();
    await s.close();
    await expect(s.closed).resolves.toBeUndefined();
    expect(await read).toEqual({ done: true, value: undefined });
    await expect(
      s.writable.getWriter().write({ data: bytes(1), remoteAddress: '127.0.0.1', remotePort: 9 }),
    ).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(s.update({ receiveQueueSize: 5 })).rejects.toMatchObject({
      code: 'ERR_SOCKET_CLOSED',
    });
    expect(events).toEqual(['close']);
    expect(s.signal.aborted).toBe(false);
    s.abort(new Error('late'));
    await expect(s.closed).resolves.toBeUndefined();
  });

  it('close() keeps already received datagrams readable', async () => {
    const held = heldStack();
    const s = new Socket({ type: 'udp', local: { address: '0.0.0.0' }, stack: held.stack });
    await s.opened;
    held.deliver(bytes(7), '10.0.0.9', 99);
    await s.close();
    const reader = s.readable.getReader();
    expect(await reader.read()).toEqual({
      done: false,
      value: { data: bytes(7), remoteAddress: '10.0.0.9', remotePort: 99 },
    });
    expect((await reader.read()).done).toBe(true);
    expect(held.closed).toBe(1);
  });

  it('abort(reason) aborts signal with it and rejects pending reads, writes and closed', async () => {
    const held = heldStack();
    const s = new Socket({
      type: 'udp',
      remote: { address: '10.1.1.1', port: 9 },
      stack: held.stack,
    });
    await s.opened;
    const read = s.readable.getReader().read();
    const write = s.writable.getWriter().write(bytes(1));
    await ticks();
    const reason = new Error('stop now');
    s.abort(reason);
    s.abort(new Error('again'));
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toBe(reason);
    await expect(read).rejects.toBe(reason);
    await expect(write).rejects.toBe(reason);
    await expect(s.closed).rejects.toBe(reason);
    await s.close();
    expect(held.closed).toBe(1);
  });

  it('abort() without a reason uses an AbortError', async () => {
    const s = new Socket({ type: 'udp', local: { address: '127.0.0.1' } });
    s.abort();
    await expect(s.opened).rejects.toMatchObject({ name: 'AbortError' });
    await expect(s.closed).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.signal.reason).toMatchObject({ name: 'AbortError' });
  });

  it('signal is one object, whether taken before or after the abort', async () => {
    const early = new Socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const signal = early.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    early.abort('early');
    expect(early.signal).toBe(signal);
    expect([signal.aborted, signal.reason, fired]).toEqual([true, 'early', 1]);
    await expect(early.closed).rejects.toBe('early');
    const late = new Socket({ type: 'udp', local: { address: '127.0.0.1' } });
    late.abort('late');
    expect(late.signal).toBe(late.signal);
    expect([late.signal.aborted, late.signal.reason]).toEqual([true, 'late']);
    await expect(late.closed).rejects.toBe('late');
  });

  it('init.signal aborts the socket, also when already aborted', async () => {
    const controller = new AbortController();
    const s = new Socket({
      type: 'udp',
      local: { address: '127.0.0.1' },
      signal: controller.signal,
    });
    await s.opened;
    controller.abort('bye');
    expect(s.signal.reason).toBe('bye');
    await expect(s.closed).rejects.toBe('bye');
    const early = new Socket({
      type: 'udp',
      local: { address: '127.0.0.1' },
      signal: AbortSignal.abort('never'),
    });
    await expect(early.ready).rejects.toBe('never');
    await expect(early.closed).rejects.toBe('never');
  });

  it('init.signal no longer acts once the socket has closed', async () => {
    const controller = new AbortController();
    const s = new Socket({
      type: 'udp',
      local: { address: '127.0.0.1' },
      signal: controller.signal,
    });
    await s.opened;
    await s.close();
    controller.abort('too late');
    expect(s.signal.aborted).toBe(false);
    await expect(s.closed).resolves.toBeUndefined();
  });

  it('close() while opening rejects opened and resolves closed', async () => {
    const s = new Socket({ type: 'udp', local: { address: '127.0.0.1' } });
    await s.close();
    await expect(s.opened).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(s.closed).resolves.toBeUndefined();
  });

  it('cancelling the readable and closing the writable closes the socket', async () => {
    const s = new Socket({ type: 'udp', local: { address: '127.0.0.1' } });
    await s.opened;
    await s.readable.cancel();
    await s.writable.close();
    await expect(s.closed).resolves.toBeUndefined();
  });

  it('a primitive failure after opening errors the socket', async () => {
    const held = heldStack();
    let fail: ((e: Error) => void) | undefined;
    const bind = held.stack.bind.bind(held.stack);
    held.stack.bind = (options, handler) => {
      fail = (e) => handler.onError?.(e);
      return bind(options, handler);
    };
    const s = new Socket({ type: 'udp', local: { address: '0.0.0.0' }, stack: held.stack });
    await s.opened;
    const events: string[] = [];
    s.addEventListener('error', () => events.push('error'));
    s.addEventListener('close', () => events.push('close'));
    fail!(Object.assign(new Error('socket died'), { code: 'EIO' }));
    await expect(s.closed).rejects.toMatchObject({ name: 'SocketError', code: 'EIO' });
    expect(events).toEqual(['error', 'close']);
  });
});

describe('UDP Socket, update()', () => {
  it('changes the remote peer in connected mode', async () => {
    const first = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const second = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    const { localPort: port1 } = await first.opened;
    const { localPort: port2 } = await second.opened;
    const client = socket({ type: 'udp', remote: { address: '127.0.0.1', port: port1 } });
    const { localPort } = await client.opened;
    await client.update({ remote: { address: 'localhost', port: port2 } });
    expect(client.info).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: port2, localPort });
    await client.writable.getWriter().write(bytes(2));
    expect((await readOne(second.readable.getReader())).remotePort).toBe(localPort);
    // The old peer is now a stranger.
    await first.writable
      .getWriter()
      .write({ data: bytes(1), remoteAddress: '127.0.0.1', remotePort: localPort });
    await second.writable
      .getWriter()
      .write({ data: bytes(2), remoteAddress: '127.0.0.1', remotePort: localPort });
    const reply = await readOne(client.readable.getReader());
    expect(reply.remotePort).toBe(port2);
  });

  it.skipIf(!hasIPv6Loopback)(
    'moves to the other address family when the new remote needs it',
    async () => {
      const v6 = socket({ type: 'udp', local: { address: '::1' } });
      const { localPort } = await v6.opened;
      const client = socket({ type: 'udp', remote: { address: '127.0.0.1', port: 9 } });
      await client.opened;
      await client.update({ remote: { address: '::1', port: localPort } });
      expect(client.info).toMatchObject({ localAddress: '::1', remoteAddress: '::1' });
      await client.writable.getWriter().write(bytes(6));
      expect((await readOne(v6.readable.getReader())).data[0]).toBe(6);
    },
  );

  it('changes buffer and queue sizes', async () => {
    const s = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    await s.update({
      receiveQueueSize: 8,
      sendQueueSize: 4,
      sendBufferSize: 65536,
      receiveBufferSize: 65536,
    });
  });

  it.each([
    [{ local: { port: 1 } }, /update\.local/],
    [{ type: 'quic' }, /update\.type/],
    [{ ipv6Only: true }, /update\.ipv6Only/],
    [{ signal: AbortSignal.abort() }, /update\.signal/],
    [{ receiveQueueSize: 0 }, /update\.receiveQueueSize.*got 0/],
    [{ remote: { address: '127.0.0.1', port: 70000 } }, /update\.remote\.port.*70000/],
  ])('rejects %j with a TypeError', async (update, message) => {
    const s = socket({ type: 'udp', remote: { address: '127.0.0.1', port: 9 } });
    await s.opened;
    await expect(s.update(update as never)).rejects.toThrow(TypeError);
    await expect(s.update(update as never)).rejects.toThrow(message);
  });

  it('rejects remote in bound mode', async () => {
    const s = socket({ type: 'udp', local: { address: '127.0.0.1' } });
    await expect(s.update({ remote: { address: '127.0.0.1', port: 9 } })).rejects.toThrow(
      /update\.remote/,
    );
    await expect(s.update(null as never)).rejects.toThrow(TypeError);
  });
});

describe('UDP Socket, bad writes', () => {
  it.each([
    ['connected', 'a string', 'hello', /write chunk/],
    [
      'connected',
      'a message with a destination',
      { data: bytes(1), remoteAddress: '127.0.0.1' },
      /remoteAddress/,
    ],
    ['bound', 'bytes without a destination', bytes(1), /write chunk/],
    [
      'bound',
      'a bad port',
      { data: bytes(1), remoteAddress: '127.0.0.1', remotePort: 70000 },
      /remotePort.*70000/,
    ],
    [
      'bound',
      'a bad address',
      { data: bytes(1), remoteAddress: 'a b', remotePort: 9 },
      /remoteAddress.*"a b"/,
    ],
    [
      'bound',
      'data that is no BufferSource',
      { data: [1], remoteAddress: '127.0.0.1', remotePort: 9 },
      /data/,
    ],
  ])(
    '%s mode: %s rejects with a TypeError, and the socket stays usable',
    async (mode, _what, chunk, message) => {
      const held = heldStack();
      const init =
        mode === 'connected'
          ? ({ type: 'udp', remote: { address: '127.0.0.1', port: 9 }, stack: held.stack } as const)
          : ({ type: 'udp', local: { address: '0.0.0.0' }, stack: held.stack } as const);
      const s = socket(init);
      await s.opened;
      const error = await s.writable
        .getWriter()
        .write(chunk as never)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
      const good =
        mode === 'connected'
          ? bytes(1)
          : { data: bytes(1), remoteAddress: '127.0.0.1', remotePort: 9 };
      const write = s.writable.getWriter().write(good);
      await ticks();
      held.release();
      await write;
      expect(held.sent).toHaveLength(1);
    },
  );
});
