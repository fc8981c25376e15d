import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import {
  type PeerStreamLimits,
  StreamManager,
  type StreamManagerConfig,
} from '../../../quic/streams/stream-manager.js';
import type { StreamControlFrame, StreamEvent } from '../../../quic/streams/types.js';

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 11 + seed) & 0xff;
  return out;
}

/** Hex comparison: fast for large arrays, with a readable diff. */
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

const LIMITS = {
  initialMaxData: 10_000,
  initialMaxStreamDataBidiLocal: 1000,
  initialMaxStreamDataBidiRemote: 1000,
  initialMaxStreamDataUni: 1000,
  initialMaxStreamsBidi: 3,
  initialMaxStreamsUni: 3,
};

function manager(role: 'client' | 'server', overrides: Partial<StreamManagerConfig> = {}) {
  return new StreamManager({ role, ...LIMITS, ...overrides });
}

/** A server that knows the client's limits, and vice versa. */
function pair(
  client: Partial<StreamManagerConfig> = {},
  server: Partial<StreamManagerConfig> = {},
): [StreamManager, StreamManager] {
  const c = manager('client', client);
  const s = manager('server', server);
  c.setPeerLimits({ ...LIMITS, ...pick(server) });
  s.setPeerLimits({ ...LIMITS, ...pick(client) });
  return [c, s];
}

function pick(config: Partial<StreamManagerConfig>): Partial<PeerStreamLimits> {
  const {
    role: _r,
    maxStreamWindow: _a,
    maxConnectionWindow: _b,
    sendBufferSize: _c,
    maxGaps: _d,
    ...rest
  } = config;
  return rest;
}

function codeOf(fn: () => void): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  return undefined;
}

function drainEvents(m: StreamManager): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (let e = m.pollEvent(); e !== null; e = m.pollEvent()) out.push(e);
  return out;
}

function drainControl(m: StreamManager): StreamControlFrame[] {
  const out: StreamControlFrame[] = [];
  for (let f = m.pollControlFrame(); f !== null; f = m.pollControlFrame()) out.push(f);
  return out;
}

/** Hands a control frame to the peer's stream layer, as the connection would. */
function deliverControl(to: StreamManager, f: StreamControlFrame, now: number): void {
  switch (f.type) {
    case 'max_data':
      to.onMaxData(f.maximum);
      return;
    case 'max_stream_data':
      to.onMaxStreamData(f.streamId, f.maximum);
      return;
    case 'max_streams':
      to.onMaxStreams(f.bidi, f.maximum);
      return;
    case 'data_blocked':
      to.onDataBlocked(f.limit);
      return;
    case 'stream_data_blocked':
      to.onStreamDataBlocked(f.streamId, f.limit);
      return;
    case 'streams_blocked':
      to.onStreamsBlocked(f.bidi, f.limit);
      return;
    case 'reset_stream':
      to.onResetStream(f.streamId, f.errorCode, f.finalSize, now);
      return;
    case 'stop_sending':
      to.onStopSending(f.streamId, f.errorCode);
      return;
  }
}

/**
 * One flight from `from` to `to`: every frame `from` wants to send, each
 * lost when `lose()` says so; the sender then learns each frame's fate.
 * Returns the number of frames sent.
 */
function flight(from: StreamManager, to: StreamManager, lose: () => boolean, now: number): number {
  const fates: Array<() => void> = [];
  for (let f = from.pollControlFrame(); f !== null; f = from.pollControlFrame()) {
    const frame = f;
    if (lose()) fates.push(() => from.onControlFrameLost(frame));
    else {
      deliverControl(to, frame, now);
      fates.push(() => from.onControlFrameAcked(frame));
    }
  }
  for (let f = from.pollStreamFrame(1200); f !== null; f = from.pollStreamFrame(1200)) {
    const { streamId, offset, fin } = f;
    const length = f.data.length;
    if (lose()) fates.push(() => from.onStreamFrameLost(streamId, offset, length, fin));
    else {
      to.onStreamFrame(streamId, offset, f.data.slice(), fin, now);
      fates.push(() => from.onStreamFrameAcked(streamId, offset, length, fin));
    }
    if (fates.length > 10_000) break;
  }
  for (const fate of fates) fate();
  return fates.length;
}

describe('StreamManager: opening streams (RFC 9000 §2.1, §4.6)', () => {
  it('opens local streams with the right IDs up to the peer limit, then STREAMS_BLOCKED once', () => {
    const [c, s] = pair({}, { initialMaxStreamsBidi: 2, initialMaxStreamsUni: 1 });
    expect([c.openStream(true), c.openStream(true), c.openStream(true)]).toEqual([0, 4, null]);
    expect([c.openStream(false), c.openStream(false)]).toEqual([2, null]);
    expect([s.openStream(true), s.openStream(false)]).toEqual([1, 3]);
    expect(c.openStream(true)).toBeNull();
    expect(drainControl(c)).toEqual([
      { type: 'streams_blocked', bidi: true, limit: 2 },
      { type: 'streams_blocked', bidi: false, limit: 1 },
    ]);
    c.onControlFrameLost({ type: 'streams_blocked', bidi: true, limit: 2 });
    expect(drainControl(c)).toEqual([{ type: 'streams_blocked', bidi: true, limit: 2 }]);
    c.onMaxStreams(true, 3);
    expect(drainEvents(c)).toEqual([{ type: 'streams-available', bidi: true }]);
    expect(c.openStream(true)).toBe(8);
    c.onMaxStreams(true, 2); // smaller: ignored
    expect(c.openStream(true)).toBeNull();
  });

  it('a MAX_STREAMS that arrives while not blocked raises the limit silently', () => {
    const [c] = pair();
    c.onMaxStreams(true, 10);
    c.onMaxStreams(true, 11);
    expect(drainEvents(c)).toEqual([]);
    for (let i = 0; i < 11; i++) expect(c.openStream(true)).toBe(4 * i);
    expect(c.openStream(true)).toBeNull();
  });

  it('before the peer limits are known nothing can be opened', () => {
    const c = manager('client');
    expect(c.openStream(true)).toBeNull();
  });

  it('a frame for peer stream N opens all lower streams of that type, in order', () => {
    const s = manager('server', { initialMaxStreamsBidi: 10 });
    s.onStreamFrame(8, 0, bytes(3), false, 0);
    expect(drainEvents(s)).toEqual([
      { type: 'opened', streamId: 0, bidi: true },
      { type: 'opened', streamId: 4, bidi: true },
      { type: 'opened', streamId: 8, bidi: true },
      { type: 'readable', streamId: 8 },
    ]);
    s.onStreamFrame(4, 0, bytes(1), false, 0);
    expect(drainEvents(s)).toEqual([{ type: 'readable', streamId: 4 }]);
    expect(s.streamCount).toBe(3);
  });

  it('STOP_SENDING and MAX_STREAM_DATA open a peer bidi stream too', () => {
    const s = manager('server');
    s.onMaxStreamData(0, 5000);
    s.onStopSending(4, 1);
    expect(drainEvents(s).map((e) => e.type)).toEqual(['opened', 'opened', 'stopped']);
  });

  it('RFC 9000 §4.6: a peer stream beyond our limit is a STREAM_LIMIT_ERROR', () => {
    const s = manager('server', { initialMaxStreamsBidi: 2, initialMaxStreamsUni: 0 });
    expect(codeOf(() => s.onStreamFrame(4, 0, bytes(1), false, 0))).toBeUndefined();
    expect(codeOf(() => s.onStreamFrame(8, 0, bytes(1), false, 0))).toBe(
      TransportErrorCode.STREAM_LIMIT_ERROR,
    );
    expect(codeOf(() => s.onStreamFrame(2, 0, bytes(1), false, 0))).toBe(
      TransportErrorCode.STREAM_LIMIT_ERROR,
    );
    expect(codeOf(() => s.onMaxStreams(true, 2 ** 60 + 256))).toBe(
      TransportErrorCode.FRAME_ENCODING_ERROR,
    );
    expect(codeOf(() => s.onStreamsBlocked(true, 2 ** 61))).toBe(
      TransportErrorCode.FRAME_ENCODING_ERROR,
    );
  });

  it('frames in the wrong direction or for unopened local streams are STREAM_STATE_ERROR', () => {
    const [c] = pair();
    expect(c.openStream(false)).toBe(2); // our uni: send-only
    const state = TransportErrorCode.STREAM_STATE_ERROR;
    // RFC 9000 §19.8, §19.4, §19.13: on a send-only stream.
    expect(codeOf(() => c.onStreamFrame(2, 0, bytes(1), false, 0))).toBe(state);
    expect(codeOf(() => c.onResetStream(2, 0, 0, 0))).toBe(state);
    expect(codeOf(() => c.onStreamDataBlocked(2, 0))).toBe(state);
    // RFC 9000 §19.5, §19.10: on a receive-only stream (server uni 3).
    expect(codeOf(() => c.onMaxStreamData(3, 100))).toBe(state);
    expect(codeOf(() => c.onStopSending(3, 0))).toBe(state);
    // Locally initiated streams not yet created.
    expect(codeOf(() => c.onStreamFrame(0, 0, bytes(1), false, 0))).toBe(state);
    expect(codeOf(() => c.onMaxStreamData(6, 100))).toBe(state);
    expect(codeOf(() => c.onStopSending(4, 0))).toBe(state);
    // Legal: MAX_STREAM_DATA and STOP_SENDING on our uni stream.
    expect(codeOf(() => c.onMaxStreamData(2, 5000))).toBeUndefined();
    expect(codeOf(() => c.onStopSending(2, 9))).toBeUndefined();
  });

  it('application misuse throws TypeError naming the stream', () => {
    const [c] = pair();
    expect(() => c.write(0, bytes(1))).toThrow(/stream 0 does not exist/);
    const uni = c.openStream(false)!;
    expect(() => c.read(uni, 10, 0)).toThrow(TypeError);
    const s = manager('server', { initialMaxStreamsUni: 5 });
    s.onStreamFrame(2, 0, bytes(1), false, 0);
    expect(() => s.write(2, bytes(1))).toThrow(/receive-only/);
    expect(() => s.read(-1, 10, 0)).toThrow(TypeError);
    const bidi = c.openStream(true)!;
    expect(() => c.read(bidi, Number.NaN, 0)).toThrow(/max/);
    expect(() => c.read(bidi, -1, 0)).toThrow(/max/);
    expect(() => c.write(bidi, 'text' as unknown as Uint8Array)).toThrow(/bytes/);
    expect(() => c.resetStream(bidi, -1)).toThrow(/errorCode/);
    expect(() => c.resetStream(bidi, 1n << 62n)).toThrow(/errorCode/);
    expect(() => c.stopSending(bidi, 1.5, 0)).toThrow(/errorCode/);
    c.resetStream(bidi, (1n << 62n) - 1n); // the largest code is fine
    expect(drainControl(c)).toContainEqual({
      type: 'reset_stream',
      streamId: bidi,
      errorCode: (1n << 62n) - 1n,
      finalSize: 0,
    });
  });
});

describe('StreamManager: closing and MAX_STREAMS replenishment', () => {
  it('frees a closed stream, ignores late frames, and allows the peer one more stream', () => {
    const [c, s] = pair({}, { initialMaxStreamsBidi: 1 });
    const id = c.openStream(true)!;
    c.write(id, bytes(10), true);
    flight(c, s, () => false, 0);
    expect(s.read(id, 100, 0)).toEqual({ data: bytes(10), fin: true });
    s.write(id, bytes(5), true);
    flight(s, c, () => false, 0);
    expect(c.read(id, 100, 0)).toEqual({ data: bytes(5), fin: true });
    expect(drainEvents(s).map((e) => e.type)).toEqual(['opened', 'readable', 'finished', 'closed']);
    expect(s.streamCount).toBe(0);
    expect(s.peerStreamAllowance.bidi).toBe(2);
    expect(drainControl(s)).toEqual([{ type: 'max_streams', bidi: true, maximum: 2 }]);
    // A late duplicate for the closed stream is ignored, not an error, and reopens nothing.
    s.onStreamFrame(id, 0, bytes(10), true, 0);
    expect(s.streamCount).toBe(0);
    expect(s.read(id, 10, 0)).toBeNull();
    // A lost MAX_STREAMS is resent with the latest value.
    s.onControlFrameLost({ type: 'max_streams', bidi: true, maximum: 2 });
    expect(drainControl(s)).toEqual([{ type: 'max_streams', bidi: true, maximum: 2 }]);
  });

  it('an idle manager shares no work state with a busy one (collections are allocated on first use)', () => {
    const [c] = pair();
    const busy = c.openStream(true)!;
    c.write(busy, bytes(10));
    c.resetStream(busy, 1);
    c.stopSending(busy, 2, 0);
    const [idle] = pair();
    expect(idle.streamCount).toBe(0);
    expect(idle.wantsToSend).toBe(false);
    expect(idle.pollStreamFrame(1000)).toBeNull();
    expect(idle.pollControlFrame()).toBeNull();
    expect(c.wantsToSend).toBe(true);
  });

  it('memory stays bounded across thousands of short-lived streams', () => {
    const [c, s] = pair({}, { initialMaxStreamsBidi: 4 });
    let opened = 0;
    let maxLive = 0;
    for (let round = 0; round < 2000 && opened < 1000; round++) {
      for (let id = c.openStream(true); id !== null; id = c.openStream(true)) {
        c.write(id, bytes(20, id), true);
        opened++;
      }
      flight(c, s, () => false, round);
      for (const e of drainEvents(s)) {
        if (e.type === 'readable') {
          s.read(e.streamId, 100, round);
          s.write(e.streamId, new Uint8Array(0), true);
        }
      }
      flight(s, c, () => false, round);
      for (const e of drainEvents(c)) if (e.type === 'readable') c.read(e.streamId, 100, round);
      flight(c, s, () => false, round); // acks, MAX_STREAMS
      flight(s, c, () => false, round);
      maxLive = Math.max(maxLive, s.streamCount, c.streamCount);
    }
    expect(opened).toBeGreaterThanOrEqual(1000);
    expect(maxLive).toBeLessThanOrEqual(4);
    expect(s.streamCount + c.streamCount).toBe(0);
  });
});

describe('StreamManager: flow control (RFC 9000 §4)', () => {
  it('data beyond MAX_DATA across streams is a FLOW_CONTROL_ERROR', () => {
    const s = manager('server', { initialMaxData: 1500 });
    s.onStreamFrame(0, 0, bytes(1000), false, 0);
    s.onStreamFrame(4, 0, bytes(500), false, 0);
    expect(codeOf(() => s.onStreamFrame(8, 0, bytes(1), false, 0))).toBe(
      TransportErrorCode.FLOW_CONTROL_ERROR,
    );
  });

  it('MAX_DATA and MAX_STREAM_DATA are sent only when the application reads', () => {
    const s = manager('server', { initialMaxData: 2000 });
    s.onStreamFrame(0, 0, bytes(1000), false, 0);
    s.onStreamFrame(4, 0, bytes(1000), false, 0);
    expect(drainControl(s)).toEqual([]);
    s.read(0, 600, 0);
    expect(drainControl(s)).toEqual([{ type: 'max_stream_data', streamId: 0, maximum: 1600 }]);
    s.read(4, 600, 0);
    expect(drainControl(s)).toEqual([
      { type: 'max_data', maximum: 1200 + 2000 },
      { type: 'max_stream_data', streamId: 4, maximum: 1600 },
    ]);
    // Lost updates are resent with the latest values.
    s.read(0, 400, 0);
    s.onControlFrameLost({ type: 'max_data', maximum: 3200 });
    s.onControlFrameLost({ type: 'max_stream_data', streamId: 0, maximum: 1600 });
    expect(drainControl(s)).toEqual([
      { type: 'max_data', maximum: 3200 },
      { type: 'max_stream_data', streamId: 0, maximum: 1600 },
    ]);
    // The peer says it is blocked below what we advertised: resend.
    s.onDataBlocked(2000);
    s.onStreamDataBlocked(4, 1000);
    expect(drainControl(s)).toEqual([
      { type: 'max_data', maximum: 3200 },
      { type: 'max_stream_data', streamId: 4, maximum: 1600 },
    ]);
  });

  it('windows auto-tune: a fast reader doubles stream and connection windows up to the caps', () => {
    const s = manager('server', {
      initialMaxData: 4000,
      initialMaxStreamDataBidiRemote: 1000,
      maxStreamWindow: 8000,
      maxConnectionWindow: 12_000,
    });
    s.updateRtt(100);
    let offset = 0;
    let limit = 1000;
    const windows: number[] = [];
    for (let now = 0; now < 50; now++) {
      // The peer fills the stream window; the reader drains it at once.
      s.onStreamFrame(0, offset, bytes(limit - offset), false, now);
      offset = limit;
      s.read(0, 1 << 20, now);
      for (const f of drainControl(s)) {
        if (f.type === 'max_stream_data') limit = f.maximum;
      }
      windows.push(s.stream(0)!.recv!.window.window);
    }
    // Data and read at the same instant: the fastest possible reader.
    expect(windows.slice(0, 4)).toEqual([2000, 4000, 8000, 8000]);
    expect(windows).toEqual([...windows].sort((a, b) => a - b)); // never shrinks
    expect(s.connectionReceive.window).toBe(12_000); // 1.5 x 8000, the cap
    expect(s.connectionReceive.received).toBeLessThanOrEqual(s.connectionReceive.limit);
  });

  it('a slow reader keeps the initial window', () => {
    const s = manager('server', { initialMaxStreamDataBidiRemote: 1000, maxStreamWindow: 8000 });
    s.updateRtt(10);
    let offset = 0;
    let limit = 1000;
    for (let i = 0; i < 20; i++) {
      const now = i * 1000; // one window per 100 RTTs
      s.onStreamFrame(0, offset, bytes(limit - offset), false, now);
      offset = limit;
      s.read(0, 1 << 20, now + 500);
      for (const f of drainControl(s)) if (f.type === 'max_stream_data') limit = f.maximum;
    }
    expect(s.stream(0)!.recv!.window.window).toBe(1000);
    expect(limit).toBe(offset + 1000);
  });

  it('a peer reset releases connection credit for the whole final size', () => {
    const s = manager('server', { initialMaxData: 1000 });
    s.onStreamFrame(0, 0, bytes(100), false, 0);
    s.onResetStream(0, 3, 800, 0);
    expect(s.connectionReceive).toMatchObject({ received: 800, consumed: 800 });
    expect(drainControl(s)).toEqual([{ type: 'max_data', maximum: 1800 }]);
    expect(drainEvents(s)).toEqual([
      { type: 'opened', streamId: 0, bidi: true },
      { type: 'readable', streamId: 0 },
      { type: 'reset', streamId: 0, errorCode: 3, finalSize: 800 },
    ]);
    expect(s.read(0, 10, 0)).toBeNull(); // the event delivered the reset
  });

  it('sending honours the peer MAX_DATA and reports DATA_BLOCKED once per limit', () => {
    const [c] = pair({}, { initialMaxData: 1500 });
    const a = c.openStream(true)!;
    const b = c.openStream(true)!;
    c.write(a, bytes(1000));
    c.write(b, bytes(1000));
    const frames = [];
    for (let f = c.pollStreamFrame(400); f !== null; f = c.pollStreamFrame(400)) frames.push(f);
    // Round robin between the two streams.
    expect(frames.map((f) => f.streamId)).toEqual([a, b, a, b]);
    expect(frames.reduce((n, f) => n + f.data.length, 0)).toBe(1500);
    expect(c.connectionSendCredit).toEqual({ limit: 1500, used: 1500 });
    expect(drainControl(c)).toEqual([{ type: 'data_blocked', limit: 1500 }]);
    expect(c.pollStreamFrame(400)).toBeNull();
    expect(drainControl(c)).toEqual([]);
    c.onControlFrameLost({ type: 'data_blocked', limit: 1500 });
    expect(drainControl(c)).toEqual([{ type: 'data_blocked', limit: 1500 }]);
    c.onMaxData(3000);
    let total = 0;
    for (let f = c.pollStreamFrame(400); f !== null; f = c.pollStreamFrame(400))
      total += f.data.length;
    expect(total).toBe(500); // both streams resume: 2000 written, 1500 sent before
    expect(drainControl(c)).toEqual([]);
  });

  it('reports STREAM_DATA_BLOCKED at the stream limit and resumes on MAX_STREAM_DATA', () => {
    const [c] = pair({}, { initialMaxStreamDataBidiRemote: 100 });
    const id = c.openStream(true)!;
    c.write(id, bytes(300));
    expect(c.pollStreamFrame(1200)?.data.length).toBe(100);
    expect(c.pollStreamFrame(1200)).toBeNull();
    expect(drainControl(c)).toEqual([{ type: 'stream_data_blocked', streamId: id, limit: 100 }]);
    expect(c.pollStreamFrame(1200)).toBeNull();
    expect(drainControl(c)).toEqual([]);
    c.onMaxStreamData(id, 250);
    expect(c.pollStreamFrame(1200)).toMatchObject({ offset: 100 });
    expect(c.pollStreamFrame(1200)).toBeNull();
    expect(drainControl(c)).toEqual([{ type: 'stream_data_blocked', streamId: id, limit: 250 }]);
  });

  it('STREAM frames fit the space given, header included', () => {
    const [c] = pair({}, { initialMaxStreamDataBidiRemote: 1e9, initialMaxData: 1e9 });
    const id = c.openStream(true)!;
    c.write(id, bytes(100_000));
    const varint = (v: number) => (v < 64 ? 1 : v < 16384 ? 2 : v < 2 ** 30 ? 4 : 8);
    for (const space of [30, 100, 1200, 1200, 1200]) {
      const f = c.pollStreamFrame(space)!;
      const size =
        1 + varint(f.streamId) + (f.offset > 0 ? varint(f.offset) : 0) + varint(f.data.length);
      expect(size + f.data.length).toBeLessThanOrEqual(space);
      expect(f.data.length).toBeGreaterThan(space - 20);
    }
  });
});

describe('StreamManager: wantsToSend', () => {
  it('is true exactly while a poll can return a frame', () => {
    const [c, s] = pair(
      {},
      { initialMaxData: 100, initialMaxStreamDataBidiRemote: 1000, initialMaxStreamsBidi: 1 },
    );
    expect(c.wantsToSend).toBe(false);
    const id = c.openStream(true)!;
    expect(c.wantsToSend).toBe(false);
    c.write(id, bytes(300));
    expect(c.wantsToSend).toBe(true);
    expect(c.pollStreamFrame(1200)?.data.length).toBe(100);
    // Connection-blocked: only the DATA_BLOCKED is left to send.
    expect(c.wantsToSend).toBe(true);
    expect(drainControl(c)).toEqual([{ type: 'data_blocked', limit: 100 }]);
    expect(c.wantsToSend).toBe(false);
    expect(c.pollStreamFrame(1200)).toBeNull();
    c.onMaxData(200);
    expect(c.wantsToSend).toBe(true);
    c.pollStreamFrame(1200);
    drainControl(c);
    expect(c.wantsToSend).toBe(false);
    // STREAMS_BLOCKED after a failed open.
    expect(c.openStream(true)).toBeNull();
    expect(c.wantsToSend).toBe(true);
    expect(drainControl(c)).toEqual([{ type: 'streams_blocked', bidi: true, limit: 1 }]);
    expect(c.wantsToSend).toBe(false);
    // MAX_STREAMS after a peer stream closes.
    s.onStreamFrame(0, 0, bytes(5), true, 0);
    s.read(0, 10, 0);
    s.write(0, new Uint8Array(0), true);
    const f = s.pollStreamFrame(100)!;
    drainControl(s);
    expect(s.wantsToSend).toBe(false);
    s.onStreamFrameAcked(0, f.offset, f.data.length, f.fin);
    expect(s.wantsToSend).toBe(true);
    expect(drainControl(s)).toEqual([{ type: 'max_streams', bidi: true, maximum: 2 }]);
    expect(s.wantsToSend).toBe(false);
  });

  it('a write blocked by the stream limit queues STREAM_DATA_BLOCKED without a poll', () => {
    const [c] = pair({}, { initialMaxStreamDataBidiRemote: 0 });
    const id = c.openStream(true)!;
    c.write(id, bytes(10));
    expect(c.wantsToSend).toBe(true);
    expect(drainControl(c)).toEqual([{ type: 'stream_data_blocked', streamId: id, limit: 0 }]);
    expect(c.wantsToSend).toBe(false);
  });
});

describe('StreamManager: tiny packet space', () => {
  it('returns null rather than a frame larger than the space, even a FIN-only one', () => {
    const [c] = pair();
    const id = c.openStream(true)!;
    c.write(id, new Uint8Array(0), true);
    expect(c.pollStreamFrame(3)).toBeNull(); // type, ID, offset, length: 4 bytes at least
    expect(c.pollStreamFrame(4)).toMatchObject({ streamId: id, offset: 0, fin: true });
  });
});

describe('StreamManager: resets and STOP_SENDING', () => {
  it('application reset: RESET_STREAM with the bytes sent, resent when lost, closes on ack', () => {
    const [c, s] = pair();
    const id = c.openStream(false)!;
    c.write(id, bytes(500));
    const f = c.pollStreamFrame(200)!;
    s.onStreamFrame(id, f.offset, f.data, f.fin, 0);
    c.resetStream(id, 77n);
    expect(c.pollStreamFrame(1200)).toBeNull();
    const reset = {
      type: 'reset_stream',
      streamId: id,
      errorCode: 77n,
      finalSize: f.data.length,
    } as const;
    expect(drainControl(c)).toEqual([reset]);
    c.onControlFrameLost(reset);
    expect(drainControl(c)).toEqual([reset]);
    c.resetStream(id, 1); // a second reset is a no-op
    expect(drainControl(c)).toEqual([]);
    c.onControlFrameAcked(reset);
    expect(drainEvents(c)).toEqual([{ type: 'closed', streamId: id }]);
    deliverControl(s, reset, 0);
    expect(drainEvents(s).at(-1)).toEqual({ type: 'closed', streamId: id });
  });

  it('peer STOP_SENDING: stopped event and RESET_STREAM with the peer code (RFC 9000 §3.5)', () => {
    const [c, s] = pair();
    const id = c.openStream(true)!;
    c.write(id, bytes(50));
    flight(c, s, () => false, 0);
    drainEvents(s);
    s.stopSending(id, 99, 0);
    expect(drainControl(s)).toEqual([{ type: 'stop_sending', streamId: id, errorCode: 99 }]);
    s.onControlFrameLost({ type: 'stop_sending', streamId: id, errorCode: 99 });
    expect(drainControl(s)).toEqual([{ type: 'stop_sending', streamId: id, errorCode: 99 }]);
    c.onStopSending(id, 99);
    expect(drainEvents(c)).toContainEqual({ type: 'stopped', streamId: id, errorCode: 99 });
    expect(c.isWritable(id)).toBe(false);
    expect(() => c.write(id, bytes(1))).toThrow(TypeError);
    expect(drainControl(c)).toEqual([
      { type: 'reset_stream', streamId: id, errorCode: 99, finalSize: 50 },
    ]);
    s.onResetStream(id, 99, 50, 0);
    // The reader cancelled: no reset event for it, and no more STOP_SENDING.
    expect(drainEvents(s)).toEqual([]);
    s.onControlFrameLost({ type: 'stop_sending', streamId: id, errorCode: 99 });
    expect(drainControl(s)).toEqual([]);
  });

  it('events: readable is not repeated until polled, writable follows freed space', () => {
    const [c, s] = pair({}, {});
    const small = new StreamManager({ role: 'client', ...LIMITS, sendBufferSize: 100 });
    small.setPeerLimits(LIMITS);
    const id = small.openStream(true)!;
    expect(small.write(id, bytes(150))).toBe(100);
    const f = small.pollStreamFrame(1200)!;
    small.onStreamFrameAcked(id, f.offset, f.data.length, f.fin);
    expect(drainEvents(small)).toEqual([{ type: 'writable', streamId: id }]);
    const cid = c.openStream(true)!;
    s.onStreamFrame(cid, 0, bytes(5), false, 0);
    s.onStreamFrame(cid, 5, bytes(5), false, 0);
    expect(drainEvents(s).filter((e) => e.type === 'readable')).toHaveLength(1);
  });
});

describe('StreamManager: two endpoints over a lossy link (property)', () => {
  it('every stream delivers its bytes exactly, both ends close all streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 3000 }),
        (sizes, lossPattern, readStep) => {
          const [c, s] = pair(
            { initialMaxStreamDataBidiLocal: 2000 },
            {
              initialMaxStreamsBidi: 2,
              initialMaxData: 5000,
              initialMaxStreamDataBidiRemote: 1500,
            },
          );
          let tick = 0;
          const lose = () => lossPattern[tick++ % lossPattern.length]! && tick % 3 !== 0;
          const pending = sizes.map((n, i) => bytes(n, i));
          const written = new Map<number, { src: Uint8Array; at: number }>();
          const received = new Map<number, Uint8Array[]>();
          const echoed = new Map<number, Uint8Array[]>();
          let done = 0;
          for (let round = 0; round < 3000 && done < sizes.length; round++) {
            // Client: open what it can and write what fits.
            while (pending.length > 0) {
              const id = c.openStream(true);
              if (id === null) break;
              written.set(id, { src: pending.shift()!, at: 0 });
            }
            for (const [id, w] of written) {
              if (w.at > w.src.length || !c.isWritable(id)) continue;
              w.at += c.write(id, w.src.subarray(w.at), true);
              if (w.at === w.src.length) w.at++; // FIN taken
            }
            flight(c, s, lose, round);
            // Server: read, echo the length back and finish.
            for (const e of drainEvents(s)) {
              if (e.type !== 'readable') continue;
              for (
                let r = s.read(e.streamId, readStep, round);
                r !== null;
                r = s.read(e.streamId, readStep, round)
              ) {
                if (!('data' in r)) break;
                const parts = received.get(e.streamId) ?? [];
                parts.push(r.data);
                received.set(e.streamId, parts);
                if (r.fin)
                  s.write(
                    e.streamId,
                    Uint8Array.of(parts.reduce((n, p) => n + p.length, 0) & 0xff),
                    true,
                  );
              }
            }
            flight(s, c, lose, round);
            for (const e of drainEvents(c)) {
              if (e.type === 'readable') {
                const r = c.read(e.streamId, 10, round);
                if (r !== null && 'data' in r) echoed.set(e.streamId, [r.data]);
              }
              if (e.type === 'closed') done++;
            }
          }
          expect(done).toBe(sizes.length);
          for (const [id, { src }] of written) {
            expect(hex(Buffer.concat(received.get(id) ?? []))).toBe(hex(Buffer.from(src)));
            expect(echoed.get(id)?.[0]?.[0]).toBe(src.length & 0xff);
          }
          // Let the last acks and MAX_STREAMS through.
          for (let i = 0; i < 50; i++) {
            flight(c, s, () => false, 4000);
            flight(s, c, () => false, 4000);
          }
          expect(c.streamCount).toBe(0);
          expect(s.streamCount).toBe(0);
          expect(s.peerStreamAllowance.bidi).toBe(2 + sizes.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
