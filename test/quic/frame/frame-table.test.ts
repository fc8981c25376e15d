import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import {
  checkFrameAllowed,
  countsInFlight,
  frameInfo,
  frameTypeName,
  isAckEliciting,
  isProbing,
} from '../../../quic/frame/frame-table.js';
import { PacketType } from '../../../quic/packet/packet-type.js';

// RFC 9000 §12.4, Table 3, copied verbatim from the RFC text, plus RFC 9221
// §4 (DATAGRAM: 0-RTT and 1-RTT only, §5.2 ack-eliciting).
const TABLE_3 = `
    | 0x00       | PADDING              | Section 19.1  | IH01 | NP   |
    | 0x01       | PING                 | Section 19.2  | IH01 |      |
    | 0x02-0x03  | ACK                  | Section 19.3  | IH_1 | NC   |
    | 0x04       | RESET_STREAM         | Section 19.4  | __01 |      |
    | 0x05       | STOP_SENDING         | Section 19.5  | __01 |      |
    | 0x06       | CRYPTO               | Section 19.6  | IH_1 |      |
    | 0x07       | NEW_TOKEN            | Section 19.7  | ___1 |      |
    | 0x08-0x0f  | STREAM               | Section 19.8  | __01 | F    |
    | 0x10       | MAX_DATA             | Section 19.9  | __01 |      |
    | 0x11       | MAX_STREAM_DATA      | Section 19.10 | __01 |      |
    | 0x12-0x13  | MAX_STREAMS          | Section 19.11 | __01 |      |
    | 0x14       | DATA_BLOCKED         | Section 19.12 | __01 |      |
    | 0x15       | STREAM_DATA_BLOCKED  | Section 19.13 | __01 |      |
    | 0x16-0x17  | STREAMS_BLOCKED      | Section 19.14 | __01 |      |
    | 0x18       | NEW_CONNECTION_ID    | Section 19.15 | __01 | P    |
    | 0x19       | RETIRE_CONNECTION_ID | Section 19.16 | __01 |      |
    | 0x1a       | PATH_CHALLENGE       | Section 19.17 | __01 | P    |
    | 0x1b       | PATH_RESPONSE        | Section 19.18 | ___1 | P    |
    | 0x1c-0x1d  | CONNECTION_CLOSE     | Section 19.19 | ih01 | N    |
    | 0x1e       | HANDSHAKE_DONE       | Section 19.20 | ___1 |      |
    | 0x30-0x31  | DATAGRAM             | RFC 9221 §4   | __01 |      |
`;

interface Row {
  type: number;
  name: string;
  pkts: string;
  spec: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  for (const line of TABLE_3.trim().split('\n')) {
    const [range, name, , pkts, spec] = line
      .split('|')
      .slice(1, 6)
      .map((c) => c.trim());
    const [lo, hi] = range!.split('-').map((h) => Number.parseInt(h, 16));
    for (let t = lo!; t <= (hi ?? lo!); t++)
      out.push({ type: t, name: name!, pkts: pkts!, spec: spec! });
  }
  return out;
}

const COLUMNS = [PacketType.Initial, PacketType.Handshake, PacketType.ZeroRtt, PacketType.OneRtt];

function allowedByRfc(row: Row, column: number): boolean {
  const mark = row.pkts[column]!;
  // RFC 9000 §12.4: "ih": Only a CONNECTION_CLOSE frame of type 0x1c can
  // appear in Initial or Handshake packets.
  if (mark === 'i' || mark === 'h') return row.type === 0x1c;
  return mark !== '_';
}

describe('frame table matches RFC 9000 Table 3', () => {
  const table = rows();

  it('covers every frame type of the RFC and nothing else below 0x40', () => {
    const known = new Set(table.map((r) => r.type));
    for (let t = 0; t < 0x40; t++)
      expect(frameInfo(t) !== undefined, `0x${t.toString(16)}`).toBe(known.has(t));
    expect(frameInfo(0x40)).toBeUndefined();
    expect(frameInfo(-1)).toBeUndefined();
  });

  for (const row of rows()) {
    it(`0x${row.type.toString(16)} ${row.name}: Pkts ${row.pkts}, Spec '${row.spec}'`, () => {
      expect(frameTypeName(row.type).startsWith(row.name)).toBe(true);
      COLUMNS.forEach((packetType, column) => {
        if (allowedByRfc(row, column)) {
          expect(() => checkFrameAllowed(row.type, packetType)).not.toThrow();
        } else {
          expect(() => checkFrameAllowed(row.type, packetType)).toThrow(
            expect.objectContaining({
              code: TransportErrorCode.PROTOCOL_VIOLATION,
              frameType: row.type,
            }),
          );
        }
      });
      for (const packetType of [PacketType.Retry, PacketType.VersionNegotiation]) {
        expect(() => checkFrameAllowed(row.type, packetType)).toThrow(TransportError);
      }
      expect(isAckEliciting(row.type)).toBe(!row.spec.includes('N'));
      expect(countsInFlight(row.type)).toBe(!row.spec.includes('C'));
      expect(isProbing(row.type)).toBe(row.spec.includes('P'));
      expect(frameInfo(row.type)!.flowControlled).toBe(row.spec.includes('F'));
    });
  }

  it('unknown frame types are FRAME_ENCODING_ERROR', () => {
    for (const t of [0x1f, 0x20, 0x2f, 0x32, 0x3f, 0x40, 0x4000]) {
      expect(() => checkFrameAllowed(t, PacketType.OneRtt)).toThrow(
        expect.objectContaining({ code: TransportErrorCode.FRAME_ENCODING_ERROR, frameType: t }),
      );
      expect(isAckEliciting(t)).toBe(false);
    }
  });
});
