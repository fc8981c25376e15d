// Loads the RFC 8448 (draft-ietf-tls-tls13-vectors) traces extracted into
// test/fixtures/tls/tls13-traces.json by test/fixtures/tls/extract-traces.mjs.
import { readFileSync } from 'node:fs';

export interface TraceStep {
  readonly actor: 'client' | 'server';
  readonly title: string;
  readonly fields: Record<string, string>;
}

export type TraceName = 'Simple 1-RTT Handshake' | 'Resumed 0-RTT Handshake' | 'HelloRetryRequest';

const traces = JSON.parse(
  readFileSync(new URL('../../fixtures/tls/tls13-traces.json', import.meta.url), 'utf8'),
) as Record<TraceName, TraceStep[]>;

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The field of the n-th step (0-based) of the trace whose actor and title
 * start as given and that carries the field ("(same as server)" steps do not).
 */
export function traceField(
  trace: TraceName,
  actor: 'client' | 'server',
  titlePrefix: string,
  field: string,
  nth = 0,
): Uint8Array {
  const matches = traces[trace].filter(
    (s) => s.actor === actor && s.title.startsWith(titlePrefix) && field in s.fields,
  );
  const step = matches[nth];
  if (!step) throw new Error(`no step ${nth} "${actor} ${titlePrefix}" in ${trace}`);
  return fromHex(step.fields[field]!);
}
