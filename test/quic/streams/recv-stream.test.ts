import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import { ConnectionReceiveFlow } from '../../../quic/streams/flow-control.js';
import { RecvStream } from '../../../quic/streams/recv-stream.js';

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 17 + seed) & 0xff;
  return out;
}

/** Hex comparison: fast for large arrays, with a readable diff. */
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function make(window = 1000, connectionWindow = 1_000_000, maxWindow = window) {
  const connection = new ConnectionReceiveFlow(connectionWindow);
  const stream = new RecvStream({ initialWindow: window, maxWindow }, connection);
  return { connection, stream };
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

describe('RecvStream states (RFC 9000 §3.2)', () => {
  it('Recv -> Size Known -> Data Recvd -> Data Read', () => {
    const { stream } = make();
    expect(stream.state).toBe('recv');
    expect(stream.onData(10, bytes(10).subarray(0, 5), true, 0)).toBe(false); // gap at 0..10
    expect(stream.state).toBe('size-known');
    expect(stream.finalSize).toBe(15);
    expect(stream.onData(0, bytes(10), false, 0)).toBe(true);
    expect(stream.state).toBe('data-recvd');
    const r1 = stream.read(12);
    const expected = new Uint8Array([...bytes(10), ...bytes(10).subarray(0, 2)]);
    expect(r1).toEqual({ data: expected, fin: false });
    expect(stream.state).toBe('data-recvd');
    const r2 = stream.read(100);
    expect(r2).toMatchObject({ fin: true });
    expect(stream.state).toBe('data-read');
    expect(stream.isTerminal).toBe(true);
    expect(stream.read(100)).toBeNull();
  });

  it('an empty stream: FIN at offset 0 reads as an empty fin', () => {
    const { stream } = make();
    expect(stream.onData(0, new Uint8Array(0), true, 0)).toBe(true);
    expect(stream.state).toBe('data-recvd');
    expect(stream.read(10)).toEqual({ data: new Uint8Array(0), fin: true });
    expect(stream.state).toBe('data-read');
  });

  it('Recv -> Reset Recvd -> Reset Read; buffered data is dropped', () => {
    const { stream } = make();
    stream.onData(0, bytes(10), false, 0);
    expect(stream.onReset(9, 20, 0)).toBe(true);
    expect(stream.state).toBe('reset-recvd');
    expect(stream.readable).toBe(0);
    expect(stream.read(100)).toEqual({ resetCode: 9 });
    expect(stream.state).toBe('reset-read');
    expect(stream.read(100)).toBeNull();
    // Late data below the final size is ignored; beyond it is an error.
    expect(stream.onData(0, bytes(20), true, 0)).toBe(false);
    expect(codeOf(() => stream.onData(15, bytes(10), false, 0))).toBe(
      TransportErrorCode.FINAL_SIZE_ERROR,
    );
  });

  it('Size Known -> Reset Recvd', () => {
    const { stream } = make();
    stream.onData(5, bytes(5), true, 0);
    expect(stream.onReset(1n, 10, 0)).toBe(true);
    expect(stream.state).toBe('reset-recvd');
  });

  it('Data Recvd ignores a reset and keeps delivering the data', () => {
    const { stream } = make();
    stream.onData(0, bytes(8), true, 0);
    expect(stream.onReset(1, 8, 0)).toBe(false);
    expect(stream.state).toBe('data-recvd');
    expect(stream.read(100)).toMatchObject({ fin: true });
  });

  it('a second reset with the same final size is ignored', () => {
    const { stream } = make();
    stream.onReset(1, 8, 0);
    expect(stream.onReset(2, 8, 0)).toBe(false);
    expect(stream.read(10)).toEqual({ resetCode: 1 });
  });
});

describe('RecvStream final size (RFC 9000 §4.5)', () => {
  // Each case: a first frame that fixes the state, then the offending one.
  const cases: Array<[string, (s: RecvStream) => void, (s: RecvStream) => void]> = [
    [
      'a FIN changing the final size',
      (s) => s.onData(0, bytes(10), true, 0),
      (s) => s.onData(0, bytes(11), true, 0),
    ],
    [
      'a FIN below data received',
      (s) => s.onData(0, bytes(10), false, 0),
      (s) => s.onData(0, bytes(5), true, 0),
    ],
    [
      'data beyond the final size',
      (s) => s.onData(0, bytes(10), true, 0),
      (s) => s.onData(10, bytes(1), false, 0),
    ],
    [
      'a reset changing the final size',
      (s) => s.onData(0, bytes(10), true, 0),
      (s) => s.onReset(0, 12, 0),
    ],
    [
      'a reset below data received',
      (s) => s.onData(0, bytes(10), false, 0),
      (s) => s.onReset(0, 9, 0),
    ],
    [
      'a FIN after a reset with another size',
      (s) => s.onReset(0, 5, 0),
      (s) => s.onData(0, bytes(6), true, 0),
    ],
  ];
  for (const [name, setup, offend] of cases) {
    it(`${name} is a FINAL_SIZE_ERROR`, () => {
      const { stream } = make();
      setup(stream);
      expect(codeOf(() => offend(stream))).toBe(TransportErrorCode.FINAL_SIZE_ERROR);
    });
  }

  it('repeating the same final size is fine', () => {
    const { stream } = make();
    stream.onData(0, bytes(10), true, 0);
    stream.onData(5, bytes(5), true, 0);
    stream.onData(10, new Uint8Array(0), true, 0);
    expect(stream.finalSize).toBe(10);
  });
});

describe('RecvStream flow control (RFC 9000 §4.1)', () => {
  it('data beyond MAX_STREAM_DATA is a FLOW_CONTROL_ERROR', () => {
    const { stream } = make(100);
    stream.onData(0, bytes(100), false, 0);
    expect(codeOf(() => stream.onData(100, bytes(1), false, 0))).toBe(
      TransportErrorCode.FLOW_CONTROL_ERROR,
    );
    expect(codeOf(() => make(100).stream.onReset(0, 101, 0))).toBe(
      TransportErrorCode.FLOW_CONTROL_ERROR,
    );
  });

  it('buffer memory never exceeds the advertised window', () => {
    const { stream } = make(3000);
    stream.onData(2999, bytes(1), false, 0);
    expect(stream.window.limit).toBe(3000);
    // The ring would round 3000 up to 4096; it is capped at the window.
    expect((stream as unknown as { buffer: { capacity: number } }).buffer.capacity).toBe(3000);
    stream.onData(0, bytes(2999), false, 0);
    expect(stream.read(5000)).toMatchObject({ fin: false });
  });

  it('the largest offset, not the byte count, is charged to the connection', () => {
    const { stream, connection } = make(1000, 500);
    stream.onData(400, bytes(10), false, 0);
    expect(connection.received).toBe(410);
    expect(codeOf(() => stream.onData(490, bytes(11), false, 0))).toBe(
      TransportErrorCode.FLOW_CONTROL_ERROR,
    );
  });

  it('credit is released only when the application reads', () => {
    const { stream, connection } = make(1000, 10_000);
    stream.onData(0, bytes(1000), false, 0);
    expect(stream.takeWindowUpdate(0, 0)).toBeUndefined();
    expect(connection.window.consumed).toBe(0);
    stream.read(499);
    expect(stream.takeWindowUpdate(0, 0)).toBeUndefined();
    stream.read(1);
    expect(connection.window.consumed).toBe(500);
    expect(stream.takeWindowUpdate(0, 0)).toBe(1500);
    stream.onData(1000, bytes(500), false, 0); // now allowed
    expect(codeOf(() => stream.onData(1500, bytes(1), false, 0))).toBe(
      TransportErrorCode.FLOW_CONTROL_ERROR,
    );
  });

  it('no MAX_STREAM_DATA once the final size is known', () => {
    const { stream } = make(1000);
    stream.onData(0, bytes(900), true, 0);
    stream.read(900);
    expect(stream.takeWindowUpdate(0, 0)).toBeUndefined();
    expect(stream.currentLimitIfUseful()).toBeUndefined();
  });

  it('the window doubles when the reader keeps up within ~2 RTTs', () => {
    const { stream } = make(1000, 1_000_000, 8000);
    stream.onData(0, bytes(1000), false, 0);
    stream.read(600);
    expect(stream.takeWindowUpdate(5, 50)).toBe(600 + 2000);
    expect(stream.window.window).toBe(2000);
  });

  it('a reset releases the whole final size to the connection (RFC 9000 §4.5)', () => {
    const { stream, connection } = make(1000, 10_000);
    stream.onData(0, bytes(100), false, 0);
    stream.read(40);
    stream.onReset(0, 700, 0);
    expect(connection.received).toBe(700);
    expect(connection.window.consumed).toBe(700);
  });
});

describe('RecvStream STOP_SENDING (RFC 9000 §3.5)', () => {
  it('drops data, releases credit, still enforces limits', () => {
    const { stream, connection } = make(1000, 10_000);
    stream.onData(0, bytes(300), false, 0);
    expect(stream.stopSending()).toBe(true);
    expect(stream.stopSending()).toBe(false);
    expect(connection.window.consumed).toBe(300);
    expect(stream.readable).toBe(0);
    expect(stream.read(100)).toBeNull();
    // STREAM frames received after STOP_SENDING still count toward flow control.
    stream.onData(300, bytes(200), false, 0);
    expect(connection.received).toBe(500);
    expect(connection.window.consumed).toBe(500);
    expect(codeOf(() => stream.onData(900, bytes(200), false, 0))).toBe(
      TransportErrorCode.FLOW_CONTROL_ERROR,
    );
    expect(stream.onStopSendingLost()).toBe(true);
    // The peer's reset ends the stream without bothering the application.
    expect(stream.onReset(5, 500, 0)).toBe(false);
    expect(stream.state).toBe('reset-read');
    expect(stream.onStopSendingLost()).toBe(false);
  });

  it('a FIN on a stopped stream ends it (Data Read)', () => {
    const { stream } = make();
    stream.stopSending();
    stream.onData(50, bytes(10), true, 0);
    expect(stream.state).toBe('data-read');
  });

  it('in Data Recvd or Reset Recvd no STOP_SENDING is due and the stream ends', () => {
    const a = make().stream;
    a.onData(0, bytes(5), true, 0);
    expect(a.stopSending()).toBe(false);
    expect(a.state).toBe('data-read');
    const b = make().stream;
    b.onReset(1, 5, 0);
    expect(b.stopSending()).toBe(false);
    expect(b.state).toBe('reset-read');
  });
});

describe('RecvStream reassembly (property)', () => {
  it('random chunking, reordering and duplication yield the original bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 1000 }),
        (length, sizes, shuffle, readStep) => {
          const src = bytes(length, 3);
          const frames: Array<[number, number]> = [];
          for (let at = 0, i = 0; at < length; i++) {
            const n = Math.min(sizes[i % sizes.length]!, length - at);
            frames.push([at, n]);
            at += n;
          }
          if (frames.length === 0) frames.push([0, 0]);
          for (const [i, k] of shuffle.entries()) {
            if (i % 4 === 0)
              frames.push(frames[k % frames.length]!); // duplicate
            else {
              const a = k % frames.length;
              const b = (k >> 3) % frames.length;
              [frames[a], frames[b]] = [frames[b]!, frames[a]!];
            }
          }
          const { stream } = make(length + 1);
          const out: Uint8Array[] = [];
          let fin = false;
          for (const [at, n] of frames) {
            stream.onData(at, src.subarray(at, at + n), at + n === length, 0);
            const r = stream.read(readStep);
            if (r !== null && 'data' in r) {
              out.push(r.data);
              fin ||= r.fin;
            }
          }
          for (let r = stream.read(readStep); r !== null; r = stream.read(readStep)) {
            if ('data' in r) {
              out.push(r.data);
              fin ||= r.fin;
            }
          }
          expect(fin).toBe(true);
          expect(stream.state).toBe('data-read');
          expect(hex(Buffer.concat(out))).toBe(hex(Buffer.from(src)));
        },
      ),
    );
  });
});
