// Wall time per method, measured inside a running process: preload it into
// a bench process (after `npm run build` and the bench's own tsc step):
//
//   node --import ./dist/bench/method-timing.js dist/bench/quic-server.js ...
//   METHOD_TIMING=quic/connection/connection.js:Connection,crypto/tls/server.js:TlsServer \
//     node --import ./dist/bench/method-timing.js ...
//
// Every method of each listed class (modules relative to dist/) is wrapped;
// at exit the process prints, per method, calls, inclusive and exclusive ms
// (exclusive: minus the wrapped methods it called), most exclusive first.
// Why not only --cpu-prof: a sampling profile attributes native work to the
// JS frame that called it and says little about costs that only show in the
// busy, two-process setting. This found that node:crypto's createHmac cost
// ~10 us a call inside the bench server (~5 us in a loop on its own), which
// the profile had spread over a dozen rows.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEFAULT_CLASSES = [
  'quic/connection/connection.js:Connection',
  'quic/endpoint/endpoint.js:Endpoint',
  'crypto/tls/server.js:TlsServer',
  'crypto/tls/client.js:TlsClient',
  'crypto/tls/key-schedule.js:KeySchedule',
  'src/quic/connection-driver.js:ConnectionDriver',
  'src/quic/server-listener.js:QuicListener',
];

interface Timing {
  calls: number;
  inclusive: number;
  exclusive: number;
}

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const timings = new Map<string, Timing>();
/** Per open wrapped call: time spent in wrapped calls it made. */
const nested: number[] = [];

function wrap(prototype: Record<string, unknown>, name: string, label: string): void {
  const original = prototype[name] as (...args: unknown[]) => unknown;
  prototype[name] = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    nested.push(0);
    try {
      return original.apply(this, args);
    } finally {
      const spent = performance.now() - started;
      const inner = nested.pop()!;
      if (nested.length > 0) nested[nested.length - 1]! += spent;
      const t = timings.get(label) ?? { calls: 0, inclusive: 0, exclusive: 0 };
      t.calls++;
      t.inclusive += spent;
      t.exclusive += spent - inner;
      timings.set(label, t);
    }
  };
}

const specs = process.env.METHOD_TIMING?.split(',').filter(Boolean) ?? DEFAULT_CLASSES;
for (const spec of specs) {
  const [file, className] = spec.split(':');
  const module = (await import(pathToFileURL(join(dist, file!)).href)) as Record<string, unknown>;
  const cls = module[className!] as { prototype: Record<string, unknown> } | undefined;
  if (!cls) throw new Error(`method-timing: ${file} has no export ${className}`);
  for (const name of Object.getOwnPropertyNames(cls.prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
    if (name !== 'constructor' && typeof descriptor?.value === 'function') {
      wrap(cls.prototype, name, `${className}.${name}`);
    }
  }
}

process.on('exit', () => {
  const rows = [...timings].sort((a, b) => b[1].exclusive - a[1].exclusive).slice(0, 40);
  console.error(`method-timing (pid ${process.pid}): calls, inclusive ms, exclusive ms`);
  for (const [label, t] of rows) {
    console.error(
      `  ${label.padEnd(44)} ${String(t.calls).padStart(9)} ${t.inclusive.toFixed(1).padStart(10)} ${t.exclusive.toFixed(1).padStart(10)}`,
    );
  }
});
