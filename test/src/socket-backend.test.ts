import { describe, expect, it } from 'vitest';
import { SocketError } from '../../src/errors.js';
import { registerSocketBackend, Socket } from '../../src/socket.js';
import type { SocketBackend, SocketBackendContext } from '../../src/socket-backend.js';
import type { SocketInfo } from '../../src/socket-init.js';

/** A backend under the test's control: the shape a QUIC backend will have. */
function controlledBackend() {
  const calls: string[] = [];
  let context!: SocketBackendContext;
  let resolveOpen!: (info: SocketInfo) => void;
  let rejectOpen!: (error: unknown) => void;
  const info: SocketInfo = {
    localAddress: '10.0.0.1',
    localPort: 1,
    remoteAddress: '10.0.0.2',
    remotePort: 443,
  };
  const backend: SocketBackend = {
    readable: new ReadableStream(),
    writable: new WritableStream(),
    open: () =>
      new Promise<SocketInfo>((resolve, reject) => {
        resolveOpen = resolve;
        rejectOpen = reject;
      }),
    info: () => info,
    update: async (fields) => {
      calls.push(`update ${Object.keys(fields).join(',')}`);
    },
    close: async () => {
      calls.push('close');
    },
    abort: (reason) => {
      calls.push(`abort ${String(reason)}`);
    },
  };
  registerSocketBackend('quic', (_init, ctx) => {
    context = ctx;
    return backend;
  });
  return {
    calls,
    info,
    get context() {
      return context;
    },
    open: (i: SocketInfo) => resolveOpen(i),
    fail: (e: unknown) => rejectOpen(e),
  };
}

const init = { type: 'quic', remote: { address: 'example.com', port: 443 } } as const;

describe('the generic Socket over a registered backend', () => {
  it('opens, updates, closes, with events in order', async () => {
    const control = controlledBackend();
    const socket = new Socket(init);
    const events: string[] = [];
    for (const type of ['open', 'close', 'error'])
      socket.addEventListener(type, () => events.push(type));
    control.open(control.info);
    expect(await socket.opened).toEqual(control.info);
    expect(socket.info).toEqual(control.info);
    control.context.stats.bytesSent = 5;
    expect(socket.stats.bytesSent).toBe(5);
    await socket.update({ receiveQueueSize: 3 });
    await socket.close();
    await socket.closed;
    expect(control.calls).toEqual(['update receiveQueueSize', 'close']);
    expect(events).toEqual(['open', 'close']);
  });

  it('a backend failure rejects opened and closed, aborts signal, and fires error then close', async () => {
    const control = controlledBackend();
    const socket = new Socket(init);
    const events: string[] = [];
    for (const type of ['open', 'close', 'error'])
      socket.addEventListener(type, () => events.push(type));
    control.open(control.info);
    await socket.opened;
    const error = new SocketError('peer closed: APPLICATION_ERROR', {
      code: 0x1234n,
      type: 'application',
    });
    control.context.fail(error);
    await expect(socket.closed).rejects.toBe(error);
    expect(socket.signal.reason).toBe(error);
    expect(events).toEqual(['open', 'error', 'close']);
    expect(control.calls).toEqual([`abort ${String(error)}`]);
  });

  it('an open failure that is not a SocketError is wrapped in one', async () => {
    const control = controlledBackend();
    const socket = new Socket(init);
    control.fail(new Error('boom'));
    await expect(socket.opened).rejects.toMatchObject({
      name: 'SocketError',
      message: 'open failed: boom',
    });
    await expect(socket.closed).rejects.toThrow('boom');
  });

  it('finish() from the backend closes the socket cleanly', async () => {
    const control = controlledBackend();
    const socket = new Socket(init);
    control.open(control.info);
    await socket.opened;
    control.context.finish();
    await expect(socket.closed).resolves.toBeUndefined();
    expect(control.calls).toEqual(['close']);
  });
});
