import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReassemblyBuffer } from '../../../quic/streams/reassembly-buffer.js';
import { SendStream } from '../../../quic/streams/send-stream.js';

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 13 + seed) & 0xff;
  return out;
}

/** Hex comparison: fast for large arrays, with a readable diff. */
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const BIG = 1 << 30;

describe('SendStream states (RFC 9000 §3.1)', () => {
  it('Ready -> Send -> Data Sent -> Data Recvd', () => {
    const s = new SendStream(1000, 10_000);
    expect(s.state).toBe('ready');
    expect(s.write(bytes(100))).toBe(100);
    expect(s.state).toBe('ready'); // writing alone does not leave Ready
    const f1 = s.nextFrame(60, BIG)!;
    expect(f1).toMatchObject({ offset: 0, fin: false, newBytes: 60 });
    expect(s.state).toBe('send');
    s.write(new Uint8Array(0), true);
    const f2 = s.nextFrame(60, BIG)!;
    expect(f2).toMatchObject({ offset: 60, fin: true, newBytes: 40 });
    expect(f2.data).toEqual(bytes(100).subarray(60));
    expect(s.state).toBe('data-sent');
    expect(s.nextFrame(60, BIG)).toBeNull();
    s.onAcked(60, 40, true);
    expect(s.state).toBe('data-sent');
    s.onAcked(0, 60, false);
    expect(s.state).toBe('data-recvd');
    expect(s.isTerminal).toBe(true);
    expect(s.buffered).toBe(0);
  });

  it('an empty stream with FIN sends one zero-length frame, even with no credit', () => {
    const s = new SendStream(0, 100);
    s.write(new Uint8Array(0), true);
    expect(s.nextFrame(100, 0)).toMatchObject({ offset: 0, fin: true, newBytes: 0 });
    expect(s.state).toBe('data-sent');
    s.onAcked(0, 0, true);
    expect(s.state).toBe('data-recvd');
  });

  it('Ready -> Send by STREAM_DATA_BLOCKED', () => {
    const s = new SendStream(0, 100);
    s.write(bytes(10));
    expect(s.nextFrame(100, BIG)).toBeNull();
    expect(s.isBlockedByPeer).toBe(true);
    expect(s.takeBlocked()).toBe(0);
    expect(s.state).toBe('send');
  });

  it('Ready -> Reset Sent (final size 0) -> Reset Recvd', () => {
    const s = new SendStream(100, 100);
    s.write(bytes(10));
    expect(s.resetStream(7)).toBe(true);
    expect(s.state).toBe('reset-sent');
    expect(s.reset).toEqual({ errorCode: 7, finalSize: 0 });
    expect(s.nextFrame(100, BIG)).toBeNull();
    expect(s.onResetLost()).toBe(true);
    s.onResetAcked();
    expect(s.state).toBe('reset-recvd');
    expect(s.onResetLost()).toBe(false);
    expect(s.isTerminal).toBe(true);
  });

  it('Send -> Reset Sent: the final size is the bytes sent, not written (RFC 9000 §4.5)', () => {
    const s = new SendStream(1000, 1000);
    s.write(bytes(500));
    s.nextFrame(200, BIG);
    expect(s.resetStream(1n)).toBe(true);
    expect(s.reset).toEqual({ errorCode: 1n, finalSize: 200 });
    expect(s.buffered).toBe(0);
  });

  it('Data Sent -> Reset Sent; lost data after a reset is not resent', () => {
    const s = new SendStream(1000, 1000);
    s.write(bytes(50), true);
    s.nextFrame(100, BIG);
    expect(s.state).toBe('data-sent');
    expect(s.resetStream(3)).toBe(true);
    s.onLost(0, 50, true);
    expect(s.nextFrame(100, BIG)).toBeNull();
    expect(s.reset?.finalSize).toBe(50);
  });

  it('illegal transitions are no-ops or TypeErrors', () => {
    const done = new SendStream(100, 100);
    done.write(bytes(5), true);
    done.nextFrame(100, BIG);
    done.onAcked(0, 5, true);
    expect(done.state).toBe('data-recvd');
    expect(done.resetStream(1)).toBe(false); // Data Recvd is terminal
    expect(done.onStopSending(1)).toBe(false);
    done.onLost(0, 5, true);
    expect(done.nextFrame(100, BIG)).toBeNull();
    expect(() => done.write(bytes(1))).toThrow(TypeError);

    const reset = new SendStream(100, 100);
    reset.resetStream(1);
    expect(reset.resetStream(2)).toBe(false); // already Reset Sent
    expect(reset.reset?.errorCode).toBe(1);
    expect(() => reset.write(bytes(1))).toThrow(TypeError);
    expect(reset.onAcked(0, 1, false)).toBe(false);

    const finished = new SendStream(100, 100);
    finished.write(bytes(1), true);
    expect(() => finished.write(bytes(1))).toThrow(TypeError); // write after FIN
    finished.onResetAcked(); // no reset was sent: ignored
    expect(finished.state).toBe('ready');
  });

  it('RFC 9000 §3.5: STOP_SENDING resets with the peer code in Ready, Send and Data Sent', () => {
    for (const sent of [0, 1, 2]) {
      const s = new SendStream(100, 100);
      s.write(bytes(20), sent === 2);
      if (sent > 0) s.nextFrame(100, BIG);
      expect(s.onStopSending(42)).toBe(true);
      expect(s.state).toBe('reset-sent');
      expect(s.reset?.errorCode).toBe(42);
    }
  });
});

describe('SendStream sending', () => {
  it('bounded buffer: write() returns the accepted count, writable after acks', () => {
    const s = new SendStream(BIG, 100);
    expect(s.write(bytes(150))).toBe(100);
    expect(s.writeCapacity).toBe(0);
    expect(s.write(bytes(10), true)).toBe(0); // FIN not taken with the bytes
    expect(s.writable).toBe(true);
    const f = s.nextFrame(40, BIG)!;
    expect(s.onAcked(f.offset, f.data.length, f.fin)).toBe(true); // space freed: writable
    expect(s.writeCapacity).toBe(40);
    expect(s.onAcked(f.offset, f.data.length, f.fin)).toBe(false); // duplicate ack
  });

  it('honours payload size, stream credit and connection credit', () => {
    const s = new SendStream(100, 1000);
    s.write(bytes(500));
    expect(s.nextFrame(30, BIG)?.data.length).toBe(30);
    expect(s.nextFrame(1000, 20)?.data.length).toBe(20);
    expect(s.nextFrame(1000, BIG)?.data.length).toBe(50); // stream limit 100
    expect(s.nextFrame(1000, BIG)).toBeNull();
    expect(s.hasCreditedData).toBe(false);
    expect(s.takeBlocked()).toBe(100);
    expect(s.takeBlocked()).toBeUndefined(); // once per limit
    expect(s.onMaxStreamData(50)).toBe(false); // smaller: ignored
    expect(s.onMaxStreamData(300)).toBe(true);
    expect(s.nextFrame(1000, BIG)).toMatchObject({ offset: 100, newBytes: 200 });
    expect(s.takeBlocked()).toBe(300);
  });

  it('resends a lost STREAM_DATA_BLOCKED only while blocked at that limit', () => {
    const s = new SendStream(10, 1000);
    s.write(bytes(20));
    s.nextFrame(100, BIG);
    expect(s.takeBlocked()).toBe(10);
    expect(s.onBlockedLost(10)).toBe(true);
    expect(s.takeBlocked()).toBe(10);
    s.onMaxStreamData(15);
    expect(s.onBlockedLost(10)).toBe(false);
  });

  it('retransmits lost ranges first, as ranges, skipping what was acked since', () => {
    const s = new SendStream(BIG, BIG);
    const src = bytes(300);
    s.write(src);
    const frames = [s.nextFrame(100, BIG)!, s.nextFrame(100, BIG)!, s.nextFrame(50, BIG)!];
    expect(frames.map((f) => f.offset)).toEqual([0, 100, 200]);
    s.onAcked(120, 30, false); // a later retransmission covering 120..150 was acked
    s.onLost(100, 100, false);
    s.onLost(0, 100, false);
    const r1 = s.nextFrame(1000, BIG)!;
    expect(r1).toMatchObject({ offset: 0, newBytes: 0 });
    expect(r1.data).toEqual(src.subarray(0, 120)); // 0..100 and 100..120 coalesce
    const r2 = s.nextFrame(1000, BIG)!;
    expect(r2.offset).toBe(150);
    expect(r2.data).toEqual(src.subarray(150, 200));
    // Then new data.
    expect(s.nextFrame(1000, BIG)).toMatchObject({ offset: 250, newBytes: 50 });
  });

  it('a lost FIN is resent, alone when its data was acked', () => {
    const s = new SendStream(BIG, BIG);
    s.write(bytes(10), true);
    const f = s.nextFrame(100, BIG)!;
    expect(f.fin).toBe(true);
    s.onAcked(0, 10, false); // say the data was acked via another frame, FIN not
    s.onLost(0, 10, true);
    expect(s.nextFrame(100, BIG)).toMatchObject({ offset: 10, fin: true, newBytes: 0 });
    expect(s.nextFrame(100, BIG)).toBeNull();
    s.onAcked(10, 0, true);
    expect(s.state).toBe('data-recvd');
  });

  it('a lost last range carries the FIN again', () => {
    const s = new SendStream(BIG, BIG);
    s.write(bytes(10), true);
    s.nextFrame(100, BIG);
    s.onLost(0, 10, true);
    const r = s.nextFrame(4, BIG)!;
    expect(r).toMatchObject({ offset: 0, fin: false });
    const last = s.nextFrame(100, BIG)!;
    expect(last).toMatchObject({ offset: 4, fin: true });
    expect(last.data.length).toBe(6);
  });

  it('any pattern of loss and acknowledgement delivers every byte exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 20, max: 700 }),
        (length, someFates, payload) => {
          const fates = [...someFates, 1]; // at least one delivery per cycle: progress
          const src = bytes(length, 5);
          const s = new SendStream(BIG, BIG);
          expect(s.write(src, true)).toBe(length);
          const receiver = new ReassemblyBuffer();
          let finAt: number | undefined;
          let step = 0;
          const inFlight: Array<{ offset: number; length: number; fin: boolean }> = [];
          for (let guard = 0; s.state !== 'data-recvd'; guard++) {
            if (guard > 20_000) throw new Error('no progress');
            const f = s.nextFrame(payload, BIG);
            if (f !== null) {
              inFlight.push({ offset: f.offset, length: f.data.length, fin: f.fin });
              // Fate 0: lost; otherwise delivered (and later acked).
              if (fates[step++ % fates.length] !== 0) {
                receiver.insert(f.offset, f.data);
                if (f.fin) finAt = f.offset + f.data.length;
                inFlight[inFlight.length - 1]!.length = -1 - f.data.length; // mark delivered
              }
              continue;
            }
            // Nothing to send: resolve everything in flight.
            for (const p of inFlight.splice(0)) {
              if (p.length < 0) s.onAcked(p.offset, -1 - p.length, p.fin);
              else s.onLost(p.offset, p.length, p.fin);
            }
          }
          expect(finAt).toBe(length);
          expect(hex(Buffer.from(receiver.read(BIG)))).toBe(hex(Buffer.from(src)));
        },
      ),
    );
  });
});
