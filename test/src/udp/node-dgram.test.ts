import { Socket as DgramSocket } from 'node:dgram';
import { describe, expect, it, vi } from 'vitest';
import { NodeUdpStack } from '../../../src/udp/node-dgram.js';
import type { RawUdpSocket } from '../../../src/udp/udp-stack.js';
import { hasIPv6Loopback } from '../helpers/ipv6.js';

const stack = new NodeUdpStack();

interface Received {
  data: Uint8Array;
  address: string;
  port: number;
}

async function open(address: string, options: { ipv6Only?: boolean; port?: number } = {}) {
  const received: Received[] = [];
  let wake: (() => void) | undefined;
  const socket: RawUdpSocket = await stack.bind(
    { address, port: options.port ?? 0, ipv6Only: options.ipv6Only },
    {
      onMessage(data, from, port) {
        received.push({ data, address: from, port });
        wake?.();
      },
    },
  );
  const next = async (count = 1): Promise<Received[]> => {
    while (received.length < count) await new Promise<void>((resolve) => (wake = resolve));
    return received;
  };
  return { socket, received, next };
}

const send = (socket: RawUdpSocket, data: Uint8Array, address: string, port: number) =>
  new Promise<Error | null>((resolve) => socket.send(data, address, port, resolve));

describe.each([
  ['IPv4', '127.0.0.1', true],
  ['IPv6', '::1', hasIPv6Loopback],
])('node:dgram over %s loopback', (_family, loopback, available) => {
  it.skipIf(!available)('binds port 0, sends, and delivers with the source', async () => {
    const a = await open(loopback);
    const b = await open(loopback);
    try {
      expect(a.socket.localAddress).toBe(loopback);
      expect(a.socket.localPort).toBeGreaterThan(0);
      expect(
        await send(a.socket, new Uint8Array([1, 2, 3]), loopback, b.socket.localPort),
      ).toBeNull();
      const [message] = await b.next();
      expect(message).toEqual({
        data: new Uint8Array([1, 2, 3]),
        address: loopback,
        port: a.socket.localPort,
      });
      expect(message!.data).toBeInstanceOf(Uint8Array);
    } finally {
      await a.socket.close();
      await b.socket.close();
    }
  });

  it.skipIf(!available)('refuses a port in use with EADDRINUSE and names it', async () => {
    const a = await open(loopback);
    try {
      const attempt = open(loopback, { port: a.socket.localPort });
      await expect(attempt).rejects.toMatchObject({ name: 'SocketError', code: 'EADDRINUSE' });
      await expect(attempt).rejects.toThrow(String(a.socket.localPort));
    } finally {
      await a.socket.close();
    }
  });

  it.skipIf(!available)(
    'reports EMSGSIZE for a datagram over the UDP maximum, and keeps working',
    async () => {
      const a = await open(loopback);
      const b = await open(loopback);
      try {
        const error = await send(a.socket, new Uint8Array(70_000), loopback, b.socket.localPort);
        expect(error).toMatchObject({ name: 'SocketError', code: 'EMSGSIZE' });
        expect(await send(a.socket, new Uint8Array([9]), loopback, b.socket.localPort)).toBeNull();
        expect((await b.next())[0]!.data).toEqual(new Uint8Array([9]));
      } finally {
        await a.socket.close();
        await b.socket.close();
      }
    },
  );
});

describe('node:dgram send queue and families', () => {
  it('counts queued datagrams, returns false at the limit, and signals drain', async () => {
    let drained = 0;
    const socket = await stack.bind(
      { address: '127.0.0.1', port: 0, sendQueueLimit: 2 },
      {
        onMessage() {},
        onDrain: () => drained++,
      },
    );
    const sink = await open('127.0.0.1');
    try {
      const done: Promise<Error | null>[] = [];
      const accepted: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        done.push(
          new Promise((resolve) =>
            accepted.push(
              socket.send(new Uint8Array([i]), '127.0.0.1', sink.socket.localPort, resolve),
            ),
          ),
        );
      }
      expect(accepted).toEqual([true, false, false]);
      expect(socket.sendQueueLength).toBe(3);
      expect(await Promise.all(done)).toEqual([null, null, null]);
      expect(socket.sendQueueLength).toBe(0);
      expect(drained).toBe(1);
      await sink.next(3);
    } finally {
      await socket.close();
      await socket.close(); // idempotent
      await sink.socket.close();
    }
  });

  it('sends without a callback complete at once when the kernel takes them', async () => {
    const socket = await stack.bind(
      { address: '127.0.0.1', port: 0, sendQueueLimit: 2 },
      { onMessage() {} },
    );
    const sink = await open('127.0.0.1');
    try {
      const accepted: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        accepted.push(socket.send(new Uint8Array([i]), '127.0.0.1', sink.socket.localPort));
      }
      // Beyond the limit of 2 and still accepted: nothing waits in dgram's queue.
      expect(accepted).toEqual([true, true, true, true, true]);
      expect(socket.sendQueueLength).toBe(0);
      const got = await sink.next(5);
      expect(got.map((m) => m.data[0])).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await socket.close();
      await sink.socket.close();
    }
  });

  it('sends without a callback count what waits in dgram, and signal drain when it empties', async () => {
    // The kernel takes loopback datagrams at once; dgram's queue is simulated.
    let queued = 0;
    const spy = vi
      .spyOn(DgramSocket.prototype, 'getSendQueueCount')
      .mockImplementation(() => queued);
    let drained = 0;
    const socket = await stack.bind(
      { address: '127.0.0.1', port: 0, sendQueueLimit: 2 },
      { onMessage() {}, onDrain: () => drained++ },
    );
    const sink = await open('127.0.0.1');
    try {
      queued = 1;
      expect(socket.send(new Uint8Array([1]), '127.0.0.1', sink.socket.localPort)).toBe(true);
      queued = 2;
      expect(socket.send(new Uint8Array([2]), '127.0.0.1', sink.socket.localPort)).toBe(false);
      expect(socket.sendQueueLength).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(drained).toBe(0); // still full
      queued = 0;
      await vi.waitFor(() => expect(drained).toBe(1));
      expect(socket.sendQueueLength).toBe(0);
    } finally {
      spy.mockRestore();
      await socket.close();
      await sink.socket.close();
    }
  });

  it('an IPv4 socket cannot send to IPv6', async () => {
    const a = await open('127.0.0.1');
    try {
      expect(await send(a.socket, new Uint8Array(1), '::1', 9)).toMatchObject({
        code: 'EAFNOSUPPORT',
      });
    } finally {
      await a.socket.close();
    }
  });

  it.skipIf(!hasIPv6Loopback)(
    'a dual-stack :: socket talks to IPv4 peers and reports them as IPv4',
    async () => {
      const dual = await open('::');
      const v4 = await open('127.0.0.1');
      try {
        expect(
          await send(dual.socket, new Uint8Array([1]), '127.0.0.1', v4.socket.localPort),
        ).toBeNull();
        const [fromDual] = await v4.next();
        expect(
          await send(v4.socket, new Uint8Array([2]), '127.0.0.1', dual.socket.localPort),
        ).toBeNull();
        const [fromV4] = await dual.next();
        expect(fromDual!.port).toBe(dual.socket.localPort);
        expect(fromV4).toEqual({
          data: new Uint8Array([2]),
          address: '127.0.0.1',
          port: v4.socket.localPort,
        });
      } finally {
        await dual.socket.close();
        await v4.socket.close();
      }
    },
  );

  it.skipIf(!hasIPv6Loopback)('an IPv6-only socket refuses IPv4 destinations', async () => {
    const only = await open('::', { ipv6Only: true });
    try {
      expect(await send(only.socket, new Uint8Array(1), '127.0.0.1', 9)).toMatchObject({
        code: 'EAFNOSUPPORT',
      });
    } finally {
      await only.socket.close();
    }
  });

  it('sets buffer sizes and refuses a non-literal bind address', async () => {
    const a = await open('127.0.0.1');
    try {
      a.socket.setBufferSizes?.({ sendBufferSize: 65536, receiveBufferSize: 65536 });
    } finally {
      await a.socket.close();
    }
    await expect(stack.bind({ address: 'localhost', port: 0 }, { onMessage() {} })).rejects.toThrow(
      TypeError,
    );
  });

  it('finds the source address of a route without sending', async () => {
    expect(await stack.sourceAddress('127.0.0.1')).toBe('127.0.0.1');
    if (hasIPv6Loopback) expect(await stack.sourceAddress('::1')).toBe('::1');
    await expect(stack.sourceAddress('localhost')).rejects.toThrow(TypeError);
  });

  it('looks up names through the OS resolver', async () => {
    // Only /etc/hosts names: this machine may have no DNS.
    expect(await stack.lookup('localhost')).toContain('127.0.0.1');
  });
});
