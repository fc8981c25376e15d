// Random peer input never escapes as anything but a TransportError, and the
// manager's memory stays within the limits it advertised.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../../quic/errors.js';
import { StreamManager } from '../../../quic/streams/stream-manager.js';
import type { StreamControlFrame } from '../../../quic/streams/types.js';

const LIMITS = {
  initialMaxData: 5000,
  initialMaxStreamDataBidiLocal: 800,
  initialMaxStreamDataBidiRemote: 800,
  initialMaxStreamDataUni: 800,
  initialMaxStreamsBidi: 4,
  initialMaxStreamsUni: 4,
};

const streamId = fc.integer({ min: 0, max: 40 });
const small = fc.integer({ min: 0, max: 1200 });
const peerInput = fc.oneof(
  fc.record({
    k: fc.constant('stream'),
    id: streamId,
    offset: fc.integer({ min: 0, max: 700 }), // mostly within the 800-byte windows
    len: fc.integer({ min: 0, max: 200 }),
    fin: fc.boolean(),
  }),
  fc.record({ k: fc.constant('reset'), id: streamId, code: fc.nat(), size: small }),
  fc.record({ k: fc.constant('stop'), id: streamId, code: fc.nat() }),
  fc.record({ k: fc.constant('maxData'), value: fc.integer({ min: 0, max: 100_000 }) }),
  fc.record({ k: fc.constant('maxStreamData'), id: streamId, value: small }),
  fc.record({
    k: fc.constant('maxStreams'),
    bidi: fc.boolean(),
    value: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({ k: fc.constant('blocked'), id: streamId, value: small }),
  fc.record({ k: fc.constant('app'), op: fc.integer({ min: 0, max: 5 }), id: streamId, n: small }),
  fc.record({ k: fc.constant('poll'), lose: fc.boolean() }),
);

describe('StreamManager fuzz (property)', () => {
  it('peer input only ever throws TransportError; state stays bounded', () => {
    let survived = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('client', 'server'),
        fc.array(peerInput, { maxLength: 80 }),
        (role, inputs) => {
          const m = new StreamManager({ role, ...LIMITS, sendBufferSize: 2000 });
          m.setPeerLimits(LIMITS);
          const sent: StreamControlFrame[] = [];
          for (const input of inputs) {
            try {
              apply(m, input, sent);
            } catch (e) {
              if (e instanceof TransportError) return; // the connection would close here
              if (e instanceof TypeError && input.k === 'app') continue; // application misuse
              throw e;
            }
            while (m.pollEvent() !== null) {}
            // Peer streams never exceed what we allowed; local ones what the peer allowed.
            // (+ 40: local streams, at most 20 per type, the largest MAX_STREAMS generated.)
            expect(m.streamCount).toBeLessThanOrEqual(
              m.peerStreamAllowance.bidi + m.peerStreamAllowance.uni + 40,
            );
            const rx = m.connectionReceive;
            expect(rx.received).toBeLessThanOrEqual(rx.limit);
            expect(rx.consumed).toBeLessThanOrEqual(rx.received);
            const tx = m.connectionSendCredit;
            expect(tx.used).toBeLessThanOrEqual(Math.max(tx.limit, 0));
          }
          survived++;
        },
      ),
      { numRuns: 300 },
    );
    // The generator reaches deep states, not only early errors.
    expect(survived).toBeGreaterThan(30);
  });
});

type Input = typeof peerInput extends fc.Arbitrary<infer T> ? T : never;

function apply(m: StreamManager, input: Input, sent: StreamControlFrame[]): void {
  switch (input.k) {
    case 'stream':
      m.onStreamFrame(input.id, input.offset, new Uint8Array(input.len), input.fin, 0);
      return;
    case 'reset':
      m.onResetStream(input.id, input.code, input.size, 0);
      return;
    case 'stop':
      m.onStopSending(input.id, input.code);
      return;
    case 'maxData':
      m.onMaxData(input.value);
      return;
    case 'maxStreamData':
      m.onMaxStreamData(input.id, input.value);
      return;
    case 'maxStreams':
      m.onMaxStreams(input.bidi, input.value);
      return;
    case 'blocked':
      m.onStreamDataBlocked(input.id, input.value);
      return;
    case 'app': {
      const ops = [
        () => m.openStream(input.n % 2 === 0),
        () => m.write(input.id, new Uint8Array(input.n), input.n % 3 === 0),
        () => m.read(input.id, input.n, 0),
        () => m.resetStream(input.id, input.n),
        () => m.stopSending(input.id, input.n, 0),
        () => m.updateRtt(input.n),
      ];
      ops[input.op]!();
      return;
    }
    case 'poll': {
      for (let f = m.pollStreamFrame(1200); f !== null; f = m.pollStreamFrame(1200)) {
        if (input.lose) m.onStreamFrameLost(f.streamId, f.offset, f.data.length, f.fin);
        else m.onStreamFrameAcked(f.streamId, f.offset, f.data.length, f.fin);
      }
      for (let f = m.pollControlFrame(); f !== null; f = m.pollControlFrame()) sent.push(f);
      for (const f of sent.splice(0)) {
        if (input.lose) m.onControlFrameLost(f);
        else m.onControlFrameAcked(f);
      }
      return;
    }
  }
}
