// Every state of RFC 9000 §3.1 (sending part) and §3.2 (receiving part)
// crossed with every input: the resulting state, or the error.
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../../quic/errors.js';
import { ConnectionReceiveFlow } from '../../../quic/streams/flow-control.js';
import { type RecvState, RecvStream } from '../../../quic/streams/recv-stream.js';
import { type SendState, SendStream } from '../../../quic/streams/send-stream.js';

const data = (n: number) => new Uint8Array(n).fill(7);
const BIG = 1 << 30;

function outcome(act: () => unknown, state: () => string): string {
  try {
    act();
  } catch (e) {
    if (e instanceof TransportError) return `error ${e.code}`;
    if (e instanceof TypeError) return 'TypeError';
    throw e;
  }
  return state();
}

describe('receiving part: state x input (RFC 9000 §3.2, §4.5)', () => {
  // Every setup ends with the final size, when known, equal to 15.
  const setups: Record<RecvState, (s: RecvStream) => void> = {
    recv: () => {},
    'size-known': (s) => s.onData(10, data(5), true, 0),
    'data-recvd': (s) => s.onData(0, data(15), true, 0),
    'data-read': (s) => {
      s.onData(0, data(15), true, 0);
      s.read(100);
    },
    'reset-recvd': (s) => s.onReset(1, 15, 0),
    'reset-read': (s) => {
      s.onReset(1, 15, 0);
      s.read(100);
    },
  };
  const inputs: Record<string, (s: RecvStream) => unknown> = {
    data: (s) => s.onData(0, data(5), false, 0),
    'data+fin': (s) => s.onData(0, data(15), true, 0),
    reset: (s) => s.onReset(2, 15, 0),
    read: (s) => s.read(100),
    stop: (s) => s.stopSending(),
    'data beyond final size': (s) => s.onData(15, data(1), false, 0),
    'fin changing final size': (s) => s.onData(0, data(16), true, 0),
    'reset changing final size': (s) => s.onReset(2, 14, 0),
  };
  const E = 'error 6'; // FINAL_SIZE_ERROR
  const expected: Record<RecvState, string[]> = {
    // data, data+fin, reset, read, stop, beyond, fin changed, reset changed
    recv: [
      'recv',
      'data-recvd',
      'reset-recvd',
      'recv',
      'recv',
      'recv',
      'data-recvd',
      'reset-recvd',
    ],
    'size-known': ['size-known', 'data-recvd', 'reset-recvd', 'size-known', 'data-read', E, E, E],
    'data-recvd': ['data-recvd', 'data-recvd', 'data-recvd', 'data-read', 'data-read', E, E, E],
    'data-read': ['data-read', 'data-read', 'data-read', 'data-read', 'data-read', E, E, E],
    'reset-recvd': [
      'reset-recvd',
      'reset-recvd',
      'reset-recvd',
      'reset-read',
      'reset-read',
      E,
      E,
      E,
    ],
    'reset-read': ['reset-read', 'reset-read', 'reset-read', 'reset-read', 'reset-read', E, E, E],
  };
  for (const [from, setup] of Object.entries(setups) as Array<
    [RecvState, (s: RecvStream) => void]
  >) {
    Object.entries(inputs).forEach(([name, input], i) => {
      it(`${from} + ${name} -> ${expected[from][i]}`, () => {
        const s = new RecvStream(
          { initialWindow: 1000, maxWindow: 1000 },
          new ConnectionReceiveFlow(BIG),
        );
        setup(s);
        expect(s.state).toBe(from);
        expect(
          outcome(
            () => input(s),
            () => s.state,
          ),
        ).toBe(expected[from][i]);
      });
    });
  }
});

describe('sending part: state x input (RFC 9000 §3.1)', () => {
  // Every setup writes 10 bytes.
  const setups: Record<SendState, (s: SendStream) => void> = {
    ready: (s) => s.write(data(10)),
    send: (s) => {
      s.write(data(10));
      s.nextFrame(100, BIG);
    },
    'data-sent': (s) => {
      s.write(data(10), true);
      s.nextFrame(100, BIG);
    },
    'data-recvd': (s) => {
      s.write(data(10), true);
      s.nextFrame(100, BIG);
      s.onAcked(0, 10, true);
    },
    'reset-sent': (s) => {
      s.write(data(10));
      s.resetStream(1);
    },
    'reset-recvd': (s) => {
      s.write(data(10));
      s.resetStream(1);
      s.onResetAcked();
    },
  };
  const inputs: Record<string, (s: SendStream) => unknown> = {
    'send a frame': (s) => s.nextFrame(100, BIG),
    'write fin': (s) => s.write(new Uint8Array(0), true),
    'all acked': (s) => s.onAcked(0, 10, true),
    'all lost': (s) => s.onLost(0, 10, true),
    reset: (s) => s.resetStream(2),
    STOP_SENDING: (s) => s.onStopSending(3),
    'RESET_STREAM acked': (s) => s.onResetAcked(),
  };
  const T = 'TypeError';
  const expected: Record<SendState, string[]> = {
    // frame, write fin, acked, lost, reset, stop, reset acked
    ready: ['send', 'ready', 'ready', 'ready', 'reset-sent', 'reset-sent', 'ready'],
    send: ['send', 'send', 'send', 'send', 'reset-sent', 'reset-sent', 'send'],
    'data-sent': [
      'data-sent',
      T,
      'data-recvd',
      'data-sent',
      'reset-sent',
      'reset-sent',
      'data-sent',
    ],
    'data-recvd': [
      'data-recvd',
      T,
      'data-recvd',
      'data-recvd',
      'data-recvd',
      'data-recvd',
      'data-recvd',
    ],
    'reset-sent': [
      'reset-sent',
      T,
      'reset-sent',
      'reset-sent',
      'reset-sent',
      'reset-sent',
      'reset-recvd',
    ],
    'reset-recvd': [
      'reset-recvd',
      T,
      'reset-recvd',
      'reset-recvd',
      'reset-recvd',
      'reset-recvd',
      'reset-recvd',
    ],
  };
  for (const [from, setup] of Object.entries(setups) as Array<
    [SendState, (s: SendStream) => void]
  >) {
    Object.entries(inputs).forEach(([name, input], i) => {
      it(`${from} + ${name} -> ${expected[from][i]}`, () => {
        const s = new SendStream(BIG, BIG);
        setup(s);
        expect(s.state).toBe(from);
        expect(
          outcome(
            () => input(s),
            () => s.state,
          ),
        ).toBe(expected[from][i]);
      });
    });
  }
});
