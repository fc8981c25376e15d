import { realClock } from '../../../src/clock.js';
import type {
  RawUdpSocket,
  SendCallback,
  UdpHandler,
  UdpStack,
} from '../../../src/udp/udp-stack.js';

/**
 * A UdpStack whose one socket holds every send until the test releases it,
 * and can pretend its queue is busy: for backpressure and abort tests.
 */
export function heldStack() {
  const pending: SendCallback[] = [];
  const sent: { data: Uint8Array; address: string; port: number }[] = [];
  let handler: UdpHandler | undefined;
  let closed = 0;
  const state = { busy: 0 };
  const raw: RawUdpSocket = {
    localAddress: '0.0.0.0',
    localPort: 5555,
    sendQueueLimit: 64,
    get sendQueueLength() {
      return pending.length + state.busy;
    },
    send(data, address, port, callback) {
      sent.push({ data, address, port });
      pending.push(callback ?? (() => {}));
      return this.sendQueueLength < this.sendQueueLimit;
    },
    async close() {
      closed++;
    },
  };
  const stack: UdpStack = {
    clock: realClock,
    async bind(options, h) {
      handler = h;
      raw.sendQueueLimit = options.sendQueueLimit ?? 64;
      return raw;
    },
    async lookup() {
      return ['127.0.0.1'];
    },
  };
  return {
    stack,
    raw,
    sent,
    state,
    get closed() {
      return closed;
    },
    /** Completes the oldest held send (with `error`, if given). */
    release(error: Error | null = null) {
      pending.shift()?.(error);
    },
    drain() {
      handler?.onDrain?.();
    },
    deliver(data: Uint8Array, address: string, port: number) {
      handler?.onMessage(data, address, port);
    },
  };
}

/** Lets promise callbacks and stream internals run. */
export const ticks = async (count = 20) => {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
