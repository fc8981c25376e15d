// The UDP backend of Socket. Connected mode (`remote`): writes take a
// BufferSource, reads yield { data, remoteAddress, remotePort } from that
// peer only. Bound mode (`local`): writes and reads are such messages.
// Received datagrams wait in a bounded queue; when it is full new ones are
// dropped and counted, as UDP would. A write waits while the primitive's
// send queue is full and settles when the primitive has sent its datagram.

import {
  canonicalAddress,
  type IpFamily,
  ipFamily,
  isReservedInvalidName,
  maxUdpPayload,
  wildcardAddress,
} from './address.js';
import { SocketError, toSocketError } from './errors.js';
import type { SocketBackend, SocketBackendContext } from './socket-backend.js';
import {
  checkAddress,
  checkLocal,
  checkObject,
  checkOptions,
  checkPort,
  checkRemote,
  type EndpointInit,
  fail,
  type SocketInfo,
  type SocketInit,
  type UDPMessage,
} from './socket-init.js';
import type { RawUdpSocket, UdpHandler, UdpStack } from './udp/udp-stack.js';

const DEFAULT_RECEIVE_QUEUE = 1024;
const DEFAULT_SEND_QUEUE = 64;
const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;
const UPDATABLE = new Set([
  'remote',
  'receiveQueueSize',
  'sendQueueSize',
  'sendBufferSize',
  'receiveBufferSize',
]);

interface Peer {
  address: string; // canonical IP
  port: number;
}

function closedError(): SocketError {
  return new SocketError('the socket is closed', { code: 'ERR_SOCKET_CLOSED' });
}

function toBytes(field: string, value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  }
  return fail(field, 'a BufferSource (ArrayBuffer or ArrayBufferView)', value);
}

export function createUdpBackend(init: SocketInit, context: SocketBackendContext): SocketBackend {
  if ((init.local === undefined) === (init.remote === undefined)) {
    const which = init.local === undefined ? 'neither' : 'both';
    fail(
      'init.local/init.remote',
      'exactly one for UDP: remote (connected mode) or local (bound mode)',
      which,
    );
  }
  return new UdpSocketBackend(init, context);
}

class UdpSocketBackend implements SocketBackend {
  readonly readable: ReadableStream<UDPMessage>;
  #writable: WritableStream<unknown>;
  #init: SocketInit;
  #context: SocketBackendContext;
  #mode: 'connected' | 'bound';
  #local: EndpointInit | undefined;
  #peer: Peer | undefined;
  #stack: UdpStack | undefined;
  #raw: RawUdpSocket | undefined;
  #rawFamily: IpFamily = 4;
  /** Connected mode on a wildcard bind: the address the peer sees us at. */
  #sourceAddress: string | undefined;
  #receiveQueueSize: number;
  #sendQueueSize: number;
  #received: UDPMessage[] = [];
  #readController!: ReadableStreamDefaultController<UDPMessage>;
  #pullWaiter: (() => void) | undefined;
  #readableDone = false;
  #writableController!: WritableStreamDefaultController;
  #writableDone = false;
  #drainWaiters: (() => void)[] = [];
  #currentWrite: Promise<unknown> | undefined;
  #state: 'opening' | 'open' | 'closed' = 'opening';
  /** Rejects when the socket is closed or aborted, ending every wait. */
  #stopped: Promise<never>;
  #stop!: (reason: unknown) => void;
  #opened: Promise<unknown> | undefined;

  constructor(init: SocketInit, context: SocketBackendContext) {
    this.#init = init;
    this.#context = context;
    this.#mode = init.remote === undefined ? 'bound' : 'connected';
    if (init.local !== undefined) this.#local = checkLocal('init.local', init.local);
    this.#receiveQueueSize = init.receiveQueueSize ?? DEFAULT_RECEIVE_QUEUE;
    this.#sendQueueSize = init.sendQueueSize ?? DEFAULT_SEND_QUEUE;
    this.#stopped = new Promise<never>((_, reject) => {
      this.#stop = reject;
    });
    this.#stopped.catch(() => {});
    this.readable = new ReadableStream<UDPMessage>(
      {
        start: (controller) => {
          this.#readController = controller;
        },
        pull: (controller) => this.#pull(controller),
        cancel: () => {
          this.#readableDone = true;
          this.#received = [];
          this.#wakeReader();
          if (this.#writableDone) this.#context.finish();
        },
      },
      { highWaterMark: 0 },
    );
    this.#writable = this.#makeWritable();
  }

  get writable(): WritableStream<unknown> {
    return this.#writable;
  }

  info(): SocketInfo | undefined {
    if (this.#raw === undefined) return undefined;
    const info: SocketInfo = {
      localAddress: this.#sourceAddress ?? this.#raw.localAddress,
      localPort: this.#raw.localPort,
    };
    if (this.#peer !== undefined) {
      info.remoteAddress = this.#peer.address;
      info.remotePort = this.#peer.port;
    }
    return info;
  }

  // ---- opening ----

  open(): Promise<SocketInfo> {
    const opening = this.#openSteps();
    this.#opened = opening.catch(() => {});
    return opening;
  }

  async #openSteps(): Promise<SocketInfo> {
    const stack =
      this.#init.stack ?? (await this.#guard(import('./udp/node-dgram.js'))).nodeUdpStack;
    this.#stack = stack;
    let bindAddress: string;
    let bindPort = 0;
    if (this.#mode === 'connected') {
      const remote = checkRemote('init.remote', this.#init.remote);
      this.#peer = { address: await this.#resolve(remote.address), port: remote.port };
      bindAddress = wildcardAddress(ipFamily(this.#peer.address)!);
    } else {
      bindAddress = await this.#resolve(this.#local!.address);
      bindPort = this.#local!.port;
    }
    await this.#bind(bindAddress, bindPort);
    await this.#findSourceAddress();
    this.#state = 'open';
    return this.info()!;
  }

  async #bind(address: string, port: number): Promise<void> {
    const binding = this.#stack!.bind(
      {
        address,
        port,
        ipv6Only: this.#init.ipv6Only ?? false,
        sendBufferSize: this.#init.sendBufferSize,
        receiveBufferSize: this.#init.receiveBufferSize,
        sendQueueLimit: this.#sendQueueSize,
      },
      this.#handler(),
    );
    try {
      const raw = await this.#guard(binding);
      const old = this.#raw;
      this.#raw = raw;
      this.#rawFamily = ipFamily(address)!;
      if (old !== undefined) void old.close();
    } catch (error) {
      // Closed or aborted while binding: release the port once bound.
      binding.then(
        (raw) => raw.close(),
        () => {},
      );
      throw error;
    }
  }

  /** Connected mode: which local address the route to the peer uses (best effort). */
  async #findSourceAddress(): Promise<void> {
    this.#sourceAddress = undefined;
    const stack = this.#stack!;
    if (this.#peer === undefined || stack.sourceAddress === undefined) return;
    try {
      const source = await this.#guard(stack.sourceAddress(this.#peer.address));
      this.#sourceAddress = canonicalAddress(source);
    } catch (error) {
      if (this.#state === 'closed') throw error;
      // No route information: report the wildcard the socket is bound to.
    }
  }

  #handler(): UdpHandler {
    return {
      onMessage: (data, address, port) => this.#receive(data, address, port),
      onDrain: () => this.#wakeWriters(),
      onError: (error) => this.#context.fail(toSocketError(error, 'UDP socket failed')),
    };
  }

  /** An IP literal for `host`, resolving names through the stack. */
  async #resolve(host: string): Promise<string> {
    const literal = canonicalAddress(host);
    if (literal !== undefined) return literal;
    if (isReservedInvalidName(host)) {
      // RFC 6761 §6.4: '.invalid' names never resolve; fail without a query.
      throw new SocketError(`cannot resolve host "${host}": names under .invalid never resolve`, {
        code: 'ENOTFOUND',
      });
    }
    const stack = this.#stack!;
    const timeoutMs = this.#init.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
    let timer: ReturnType<UdpStack['clock']['setTimer']> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = stack.clock.setTimer(timeoutMs, () =>
        reject(
          new SocketError(`cannot resolve host "${host}": no answer in ${timeoutMs} ms`, {
            code: 'ETIMEOUT',
          }),
        ),
      );
    });
    try {
      const addresses = await this.#guard(Promise.race([stack.lookup(host), timeout]));
      const first = addresses.map((a) => canonicalAddress(a)).find((a) => a !== undefined);
      if (first === undefined)
        throw new SocketError(`no addresses for ${host}`, { code: 'ENOTFOUND' });
      return first;
    } catch (error) {
      if (this.#state === 'closed') throw error;
      if (error instanceof SocketError && error.message.startsWith('cannot resolve')) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown })?.code;
      throw new SocketError(`cannot resolve host "${host}": ${detail}`, {
        code: typeof code === 'string' ? code : 'ENOTFOUND',
        cause: error,
      });
    } finally {
      if (timer !== undefined) stack.clock.clearTimer(timer);
    }
  }

  /** `promise`, or the close/abort reason if the socket stops first. */
  #guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#stopped]);
  }

  // ---- receiving ----

  #receive(data: Uint8Array, address: string, port: number): void {
    if (this.#state !== 'open' || this.#readableDone) return;
    const source = canonicalAddress(address) ?? address;
    const peer = this.#peer;
    // Connected mode: datagrams from anyone but the peer are not delivered.
    if (
      this.#mode === 'connected' &&
      (peer === undefined || source !== peer.address || port !== peer.port)
    )
      return;
    const stats = this.#context.stats;
    const message: UDPMessage = { data, remoteAddress: source, remotePort: port };
    if (this.#pullWaiter !== undefined) {
      this.#readController.enqueue(message);
      this.#wakeReader();
    } else if (this.#received.length < this.#receiveQueueSize) {
      this.#received.push(message);
    } else {
      stats.datagramsDropped++;
      return;
    }
    stats.datagramsReceived++;
    stats.bytesReceived += data.byteLength;
  }

  #pull(controller: ReadableStreamDefaultController<UDPMessage>): Promise<void> | undefined {
    const next = this.#received.shift();
    if (next !== undefined) {
      controller.enqueue(next);
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.#pullWaiter = resolve;
    });
  }

  #wakeReader(): void {
    const waiter = this.#pullWaiter;
    this.#pullWaiter = undefined;
    waiter?.();
  }

  // ---- sending ----

  #makeWritable(): WritableStream<unknown> {
    return new WritableStream<unknown>({
      start: (controller) => {
        this.#writableController = controller;
      },
      write: (chunk) => {
        const writing = this.#write(chunk);
        this.#currentWrite = writing.catch(() => {});
        return writing;
      },
      close: () => {
        this.#writableDone = true;
        if (this.#readableDone) this.#context.finish();
      },
    });
  }

  async #write(chunk: unknown): Promise<void> {
    const stats = this.#context.stats;
    try {
      await this.#whenOpen();
      const { data, address, port } = await this.#outgoing(chunk);
      const family = ipFamily(address)!;
      // RFC 768: UDP length is 16 bits, and RFC 791 §3.1 caps an IPv4 packet at
      // 65535 bytes (65507 of payload); RFC 8200 §3: the IPv6 payload length is
      // 16 bits (65527 of payload, jumbograms aside).
      if (data.byteLength > maxUdpPayload(family)) {
        throw new SocketError(
          `datagram of ${data.byteLength} bytes is larger than the ${maxUdpPayload(family)} bytes UDP over IPv${family} can carry`,
          { code: 'EMSGSIZE' },
        );
      }
      while (this.#raw!.sendQueueLength >= this.#raw!.sendQueueLimit) {
        await this.#guard(new Promise<void>((resolve) => this.#drainWaiters.push(resolve)));
      }
      const raw = this.#raw!;
      await this.#guard(
        new Promise<void>((resolve, reject) => {
          raw.send(data, address, port, (error) => (error === null ? resolve() : reject(error)));
        }),
      );
      stats.datagramsSent++;
      stats.bytesSent += data.byteLength;
    } catch (error) {
      if (this.#state !== 'closed') {
        stats.sendErrors++;
        // A rejected write errors its WritableStream; give the socket a fresh one.
        this.#writable = this.#makeWritable();
      }
      throw error;
    }
  }

  async #whenOpen(): Promise<void> {
    if (this.#state === 'opening') await this.#guard(this.#opened ?? Promise.resolve());
    if (this.#state !== 'open') throw closedError();
  }

  /** The bytes and IP destination of a chunk; TypeError for a malformed one. */
  async #outgoing(chunk: unknown): Promise<{ data: Uint8Array; address: string; port: number }> {
    if (this.#mode === 'connected') {
      const peer = this.#peer!;
      if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) {
        return { data: toBytes('write chunk', chunk), ...peer };
      }
      const message = checkObject('write chunk', chunk);
      if (message.remoteAddress !== undefined || message.remotePort !== undefined) {
        fail(
          'write chunk.remoteAddress',
          'absent in connected mode (use update({ remote }))',
          message.remoteAddress,
        );
      }
      return { data: toBytes('write chunk.data', message.data), ...peer };
    }
    const message = checkObject('write chunk', chunk);
    const data = toBytes('write chunk.data', message.data);
    const host = checkAddress('write chunk.remoteAddress', message.remoteAddress);
    const port = checkPort('write chunk.remotePort', message.remotePort, false);
    return { data, address: await this.#resolve(host), port };
  }

  #wakeWriters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  // ---- changing, closing ----

  async update(update: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(update)) {
      if (value !== undefined && !UPDATABLE.has(key)) {
        fail(`update.${key}`, 'left out: it cannot change on a live UDP socket', value);
      }
    }
    let remote: EndpointInit | undefined;
    if (update.remote !== undefined) {
      if (this.#mode === 'bound') {
        fail(
          'update.remote',
          'left out in bound mode (each write names its destination)',
          update.remote,
        );
      }
      remote = checkRemote('update.remote', update.remote);
    }
    const options = checkOptions('update.', update);
    await this.#whenOpen();
    const raw = this.#raw!;
    if (options.receiveQueueSize !== undefined) this.#receiveQueueSize = options.receiveQueueSize;
    if (options.sendQueueSize !== undefined) {
      this.#sendQueueSize = options.sendQueueSize;
      raw.sendQueueLimit = options.sendQueueSize;
      this.#wakeWriters();
    }
    if (options.sendBufferSize !== undefined || options.receiveBufferSize !== undefined) {
      try {
        raw.setBufferSizes?.(options);
      } catch (error) {
        throw toSocketError(error, 'cannot change the socket buffer sizes');
      }
    }
    if (remote !== undefined) {
      const address = await this.#resolve(remote.address);
      const family = ipFamily(address)!;
      // A socket of one family cannot reach the other: bind a new one.
      if (family !== this.#rawFamily) await this.#bind(wildcardAddress(family), 0);
      this.#peer = { address, port: remote.port };
      await this.#findSourceAddress();
    }
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    const error = closedError();
    this.#state = 'closed';
    // Queued writes reject at once; the one in flight may finish.
    try {
      this.#writableController.error(error);
    } catch {}
    if (wasOpen) await this.#currentWrite;
    this.#stop(error);
    // Datagrams already received stay readable; then the readable ends.
    if (!this.#readableDone) {
      for (const message of this.#received) this.#readController.enqueue(message);
      this.#received = [];
      this.#readController.close();
      this.#wakeReader();
    }
    await this.#raw?.close();
  }

  abort(reason: unknown): void {
    if (this.#state === 'closed') {
      return;
    }
    this.#state = 'closed';
    this.#stop(reason);
    this.#received = [];
    try {
      this.#readController.error(reason);
    } catch {}
    try {
      this.#writableController.error(reason);
    } catch {}
    this.#wakeReader();
    void this.#raw?.close();
  }
}
