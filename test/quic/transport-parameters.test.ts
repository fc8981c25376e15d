import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferWriter } from '../../quic/coding/writer.js';
import { TransportError, TransportErrorCode } from '../../quic/errors.js';
import {
  checkConnectionIdParameters,
  decodeTransportParameters,
  defaultTransportParameters,
  encodeTransportParameters,
  greaseTransportParameterId,
  isReservedTransportParameterId,
  type TransportParameters,
} from '../../quic/transport-parameters.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const { TRANSPORT_PARAMETER_ERROR } = TransportErrorCode;

const CID = hex('0102030405060708');

function decodeError(bytes: Uint8Array, sender: 'client' | 'server' = 'server'): TransportError {
  try {
    decodeTransportParameters(bytes, sender);
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error(`decoded without error: ${toHex(bytes)}`);
}

/** One parameter (id, raw value) appended to a valid server base set. */
function withParameter(id: number, value: Uint8Array, base = serverBase()): Uint8Array {
  const w = BufferWriter.growable();
  w.writeBytes(encodeTransportParameters(base));
  w.writeVarint(id);
  w.writeVarint(value.length);
  w.writeBytes(value);
  return w.bytes();
}

function serverBase(): TransportParameters {
  return {
    ...defaultTransportParameters(),
    initialSourceConnectionId: CID,
    originalDestinationConnectionId: hex('aabb'),
  };
}

function varintBytes(v: number | bigint): Uint8Array {
  const w = BufferWriter.growable();
  if (typeof v === 'bigint') w.writeVarintBig(v);
  else w.writeVarint(v);
  return w.bytes();
}

/** Normalise views for deep equality. */
function plain(p: TransportParameters): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)));
}

const cid = fc.uint8Array({ maxLength: 20 });
const varint = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: 0, max: 2 ** 30 }),
  fc.maxSafeNat(),
);
const serverParameters: fc.Arbitrary<TransportParameters> = fc.record({
  originalDestinationConnectionId: cid,
  maxIdleTimeout: varint,
  statelessResetToken: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), {
    nil: undefined,
  }),
  maxUdpPayloadSize: fc.integer({ min: 1200, max: 65527 }),
  initialMaxData: varint,
  initialMaxStreamDataBidiLocal: varint,
  initialMaxStreamDataBidiRemote: varint,
  initialMaxStreamDataUni: varint,
  initialMaxStreamsBidi: varint,
  initialMaxStreamsUni: varint,
  ackDelayExponent: fc.integer({ min: 0, max: 20 }),
  maxAckDelay: fc.integer({ min: 0, max: 2 ** 14 - 1 }),
  disableActiveMigration: fc.boolean(),
  preferredAddress: fc.option(
    fc.record({
      ipv4Address: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      ipv4Port: fc.nat({ max: 65535 }),
      ipv6Address: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      ipv6Port: fc.nat({ max: 65535 }),
      connectionId: fc.uint8Array({ minLength: 1, maxLength: 20 }),
      statelessResetToken: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    }),
    { nil: undefined },
  ),
  activeConnectionIdLimit: fc.integer({ min: 2, max: 2 ** 40 }),
  initialSourceConnectionId: cid,
  retrySourceConnectionId: fc.option(cid, { nil: undefined }),
  maxDatagramFrameSize: varint,
  versionInformation: fc.option(
    fc.record({
      chosenVersion: fc.integer({ min: 1, max: 0xffffffff }),
      availableVersions: fc.array(fc.integer({ min: 1, max: 0xffffffff }), { maxLength: 4 }),
    }),
    { nil: undefined },
  ),
});

describe('transport parameters: round trips (RFC 9000 §18)', () => {
  it('every parameter round trips (server role)', () => {
    fc.assert(
      fc.property(serverParameters, (params) => {
        const decoded = decodeTransportParameters(encodeTransportParameters(params), 'server');
        expect(plain(decoded)).toEqual(plain(params));
      }),
      { numRuns: 500 },
    );
  });

  it('client parameters round trip with the client role', () => {
    const params = {
      ...defaultTransportParameters(),
      initialSourceConnectionId: CID,
      initialMaxData: 1 << 20,
    };
    expect(plain(decodeTransportParameters(encodeTransportParameters(params), 'client'))).toEqual(
      plain(params),
    );
  });

  it('absent parameters take the RFC defaults', () => {
    const decoded = decodeTransportParameters(hex('0f 00'), 'client');
    expect(decoded).toMatchObject({
      maxIdleTimeout: 0,
      maxUdpPayloadSize: 65527,
      ackDelayExponent: 3,
      maxAckDelay: 25,
      activeConnectionIdLimit: 2,
      initialMaxData: 0,
      disableActiveMigration: false,
      maxDatagramFrameSize: 0,
      preferredAddress: undefined,
    });
    expect(decoded.initialSourceConnectionId?.length).toBe(0);
  });

  it('encodes known bytes: integers as varints in id/length/value', () => {
    const params = {
      ...defaultTransportParameters(),
      initialSourceConnectionId: hex('aa'),
      maxIdleTimeout: 30000,
      initialMaxData: 0x10,
    };
    expect(toHex(encodeTransportParameters(params))).toBe('010480007530' + '040110' + '0f01aa');
  });

  it('unknown and reserved (GREASE) parameters are ignored, and can be sent', () => {
    expect([0, 1, 2, 1000].map(greaseTransportParameterId)).toEqual([27, 58, 89, 31027]);
    expect(isReservedTransportParameterId(58) && !isReservedTransportParameterId(59)).toBe(true);
    const bytes = encodeTransportParameters(serverBase(), {
      grease: [
        { id: greaseTransportParameterId(7), value: hex('deadbeef') },
        { id: 0x3fff_ffff, value: new Uint8Array(0) },
      ],
    });
    expect(plain(decodeTransportParameters(bytes, 'server'))).toEqual(plain(serverBase()));
  });

  it('integers above 2^53-1 saturate', () => {
    const decoded = decodeTransportParameters(
      withParameter(0x04, varintBytes(2n ** 62n - 1n)),
      'server',
    );
    expect(decoded.initialMaxData).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('transport parameters: validation (RFC 9000 §7.4, §18.2)', () => {
  const invalid: [string, number, Uint8Array][] = [
    ['max_udp_payload_size 1199', 0x03, varintBytes(1199)],
    ['ack_delay_exponent 21', 0x0a, varintBytes(21)],
    ['max_ack_delay 2^14', 0x0b, varintBytes(2 ** 14)],
    ['active_connection_id_limit 1', 0x0e, varintBytes(1)],
    ['active_connection_id_limit 0', 0x0e, varintBytes(0)],
    ['initial_max_streams_bidi 2^60+1', 0x08, varintBytes(2n ** 60n + 1n)],
    ['initial_max_streams_uni 2^62-1', 0x09, varintBytes(2n ** 62n - 1n)],
    ['stateless_reset_token of 15 bytes', 0x02, new Uint8Array(15)],
    ['stateless_reset_token of 17 bytes', 0x02, new Uint8Array(17)],
    ['disable_active_migration with a value', 0x0c, hex('00')],
    ['integer with trailing bytes', 0x01, hex('0500')],
    ['integer truncated', 0x01, hex('40')],
    ['integer empty', 0x04, new Uint8Array(0)],
    ['initial_source_connection_id of 21 bytes', 0x0f, new Uint8Array(21)],
    ['retry_source_connection_id of 21 bytes', 0x10, new Uint8Array(21)],
    ['version_information of 3 bytes', 0x11, hex('000001')],
    ['version_information chosen 0', 0x11, hex('00000000')],
    ['version_information available 0', 0x11, hex('00000001 00000000')],
  ];
  for (const [name, id, value] of invalid) {
    it(`rejects ${name}`, () => {
      const base = serverBase();
      // Put the parameter in a set that does not already contain it.
      if (id === 0x0f) base.initialSourceConnectionId = undefined;
      const err = decodeError(withParameter(id, value, base));
      expect(err.code).toBe(TRANSPORT_PARAMETER_ERROR);
      // Failing for its own reason, not a duplicate or a missing parameter.
      expect(err.reason).not.toMatch(/duplicate|missing|omitted/);
      expect(err.reason.length).toBeGreaterThan(0);
    });
  }

  it('accepts the boundary values', () => {
    for (const [id, value] of [
      [0x03, varintBytes(1200)],
      [0x0a, varintBytes(20)],
      [0x0b, varintBytes(2 ** 14 - 1)],
      [0x0e, varintBytes(2)],
      [0x08, varintBytes(2n ** 60n)],
    ] as const) {
      expect(() => decodeTransportParameters(withParameter(id, value), 'server')).not.toThrow();
    }
  });

  it('rejects duplicates', () => {
    const once = withParameter(0x01, varintBytes(5));
    const w = BufferWriter.growable();
    w.writeBytes(once);
    w.writeBytes(hex('01 01 06'));
    expect(decodeError(w.bytes()).reason).toMatch(/duplicate/);
    const grease = encodeTransportParameters(serverBase(), {
      grease: [
        { id: 27, value: hex('01') },
        { id: 27, value: hex('02') },
      ],
    });
    expect(decodeError(grease).code).toBe(TRANSPORT_PARAMETER_ERROR);
  });

  it('a client sending server-only parameters is TRANSPORT_PARAMETER_ERROR', () => {
    const client = { ...defaultTransportParameters(), initialSourceConnectionId: CID };
    const preferred = hex(`7f000001 1151 ${'00'.repeat(16)} 0000 04 01020304 ${'ee'.repeat(16)}`);
    for (const [id, value] of [
      [0x00, hex('aabb')],
      [0x02, new Uint8Array(16)],
      [0x0d, preferred],
      [0x10, hex('aa')],
    ] as const) {
      const bytes = withParameter(id, value, client);
      expect(decodeError(bytes, 'client').code).toBe(TRANSPORT_PARAMETER_ERROR);
      expect(() =>
        decodeTransportParameters(
          withParameter(id, value, {
            ...serverBase(),
            originalDestinationConnectionId: id === 0 ? undefined : hex('aabb'),
          }),
          'server',
        ),
      ).not.toThrow();
    }
  });

  it('preferred_address with a zero-length CID is TRANSPORT_PARAMETER_ERROR', () => {
    const zeroCid = hex(`7f000001 1151 ${'00'.repeat(16)} 0000 00 ${'ee'.repeat(16)}`);
    expect(decodeError(withParameter(0x0d, zeroCid)).code).toBe(TRANSPORT_PARAMETER_ERROR);
  });

  it('missing initial_source_connection_id, or a server missing original_destination_connection_id (RFC 9000 §7.3)', () => {
    expect(decodeError(new Uint8Array(0), 'client').reason).toMatch(/initial_source_connection_id/);
    expect(decodeError(hex('0f 00'), 'server').reason).toMatch(
      /original_destination_connection_id/,
    );
  });

  it('every truncated prefix fails with TRANSPORT_PARAMETER_ERROR or decodes a shorter valid set', () => {
    fc.assert(
      fc.property(serverParameters, (params) => {
        const bytes = encodeTransportParameters(params);
        for (let n = 0; n < bytes.length; n++) {
          try {
            decodeTransportParameters(bytes.subarray(0, n), 'server');
          } catch (e) {
            expect(e).toBeInstanceOf(TransportError);
            expect((e as TransportError).code).toBe(TRANSPORT_PARAMETER_ERROR);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('truncation inside a parameter is always an error', () => {
    const bytes = encodeTransportParameters({ ...serverBase(), maxIdleTimeout: 30000 });
    // original_destination_connection_id (00 02 aabb) comes first, then 01 04 80007530.
    for (const n of [1, 2, 3, 5, 6, 7, 8, 9]) {
      expect(decodeError(bytes.subarray(0, n)).code).toBe(TRANSPORT_PARAMETER_ERROR);
    }
  });

  it('arbitrary bytes throw nothing but TransportError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom('client', 'server') as fc.Arbitrary<'client' | 'server'>,
        (bytes, sender) => {
          try {
            decodeTransportParameters(bytes, sender);
          } catch (e) {
            expect(e).toBeInstanceOf(TransportError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the encoder refuses values the decoder would reject', () => {
    for (const bad of [
      { maxUdpPayloadSize: 1000 },
      { ackDelayExponent: 21 },
      { maxAckDelay: 2 ** 14 },
      { activeConnectionIdLimit: 1 },
      { initialMaxStreamsBidi: 2 ** 60 + 2 ** 10 },
      { statelessResetToken: new Uint8Array(3) },
      { initialSourceConnectionId: new Uint8Array(21) },
      { maxIdleTimeout: -1 },
    ]) {
      expect(
        () => encodeTransportParameters({ ...serverBase(), ...bad }),
        JSON.stringify(bad),
      ).toThrow(TypeError);
    }
  });
});

describe('checkConnectionIdParameters (RFC 9000 §7.3)', () => {
  const server = { ...serverBase(), retrySourceConnectionId: undefined };
  it('accepts matching CIDs', () => {
    expect(() =>
      checkConnectionIdParameters(server, 'server', {
        initialSourceConnectionId: CID,
        originalDestinationConnectionId: hex('aabb'),
      }),
    ).not.toThrow();
    expect(() =>
      checkConnectionIdParameters({ ...server, retrySourceConnectionId: hex('77') }, 'server', {
        initialSourceConnectionId: CID,
        originalDestinationConnectionId: hex('aabb'),
        retrySourceConnectionId: hex('77'),
      }),
    ).not.toThrow();
  });
  it('rejects mismatches, a missing or unexpected retry_source_connection_id', () => {
    const expected = {
      initialSourceConnectionId: CID,
      originalDestinationConnectionId: hex('aabb'),
    };
    for (const [params, exp] of [
      [{ ...server, initialSourceConnectionId: hex('01') }, expected],
      [{ ...server, originalDestinationConnectionId: hex('aabc') }, expected],
      [{ ...server, retrySourceConnectionId: hex('77') }, expected],
      [server, { ...expected, retrySourceConnectionId: hex('77') }],
    ] as const) {
      expect(() => checkConnectionIdParameters(params, 'server', exp)).toThrow(
        expect.objectContaining({ code: TRANSPORT_PARAMETER_ERROR }),
      );
    }
  });
});
