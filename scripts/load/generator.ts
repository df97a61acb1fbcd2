/**
 * scripts/load/generator.ts — the order-ingest load generator, run in its own process:
 *
 *   node bin/kemai-dev.js scripts/load/generator.ts --urls http://127.0.0.1:A,http://127.0.0.1:B --key KEY \
 *     --seconds 60 [--warmup 10] --concurrency 8 --batch 20 --prefix run1 --customers 2000 --out gen.json
 *
 * C loops each POST /api/v1/orders/batch with B orders to the servers in turn (loop i starts on server i mod N).
 * Every order has a unique externalId `<prefix>-<loop>-<seq>-<k>`; a failed request (network error, timeout, any
 * non-200, or an item answered "error") is retried with the same body — ingest is idempotent by channel + externalId —
 * until it is acknowledged or `--grace` seconds after the end. No new batches start after `--seconds`.
 * Out (JSON): acknowledged externalIds (unless --no-ids), request latencies (successful requests) and
 * acknowledgement latencies (first send → ack, with retries), errors by kind, a per-second timeline, and the counts of
 * the measured window (after --warmup).
 *
 * Orders: channel pos, 1–3 lines of placeholder SKUs at ¥10–¥500, placedAt = now; 5 % guests (no customer),
 * 3 % cancelled, the rest a member `memberNo` of a pool of --customers (so segments and points move).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

export interface GeneratorResult {
  startedAt: string;
  endedAt: string;
  seconds: number;
  warmupSeconds: number;
  servers: number;
  concurrency: number;
  batch: number;
  /** Orders acknowledged (each externalId once). */
  acked: number;
  /** Orders acknowledged in the measured window (after warm-up, before the end). */
  measuredOrders: number;
  measuredSeconds: number;
  ordersPerSecond: number;
  requests: number;
  failedRequests: number;
  /** Batches never acknowledged (grace ran out). */
  unacked: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  ackLatencyMs: { p50: number; p99: number; max: number };
  errors: Record<string, number>;
  /** One entry per second since start: [okOrders, failedRequests]. */
  timeline: Array<[number, number]>;
  ids?: string[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}

export interface GeneratorOptions {
  urls: string[];
  key: string;
  seconds: number;
  warmup: number;
  grace: number;
  concurrency: number;
  batch: number;
  prefix: string;
  customers: number;
  ids: boolean;
  timeoutMs: number;
}

export async function runGenerator(o: GeneratorOptions): Promise<GeneratorResult> {
  const t0 = Date.now();
  const endAt = t0 + o.seconds * 1000;
  const hardEnd = endAt + o.grace * 1000;
  const warmEnd = t0 + o.warmup * 1000;
  const ids: string[] = [];
  const lat: number[] = [];
  const ackLat: number[] = [];
  const errors: Record<string, number> = {};
  const timeline: Array<[number, number]> = [];
  let requests = 0;
  let failed = 0;
  let unacked = 0;
  let measured = 0;
  const sec = (t: number) => {
    const s = Math.floor((t - t0) / 1000);
    while (timeline.length <= s) timeline.push([0, 0]);
    return timeline[s]!;
  };
  const err = (kind: string) => {
    errors[kind] = (errors[kind] ?? 0) + 1;
    failed++;
    sec(Date.now())[1]++;
  };

  async function loop(i: number) {
    const rand = rng(0x5eed + i * 7919);
    let server = i % o.urls.length;
    for (let seq = 0; Date.now() < endAt; seq++) {
      const items = [];
      for (let k = 0; k < o.batch; k++) {
        const r = rand();
        const lines = [];
        const n = 1 + Math.floor(rand() * 3);
        for (let l = 0; l < n; l++) lines.push({ sku: `SKU-${1 + Math.floor(rand() * 200)}`, quantity: 1 + Math.floor(rand() * 3), unitPrice: yuan(1000 + Math.floor(rand() * 49_000)) });
        items.push({
          channel: 'pos',
          externalId: `${o.prefix}-${i}-${seq}-${k}`,
          storeCode: `S${1 + Math.floor(rand() * 5)}`,
          placedAt: new Date().toISOString(),
          ...(r < 0.03 ? { status: 'cancelled' } : {}),
          ...(r > 0.95 ? {} : { customer: { memberNo: `${o.prefix}-M${Math.floor(rand() * o.customers)}` } }),
          lines,
        });
      }
      const body = JSON.stringify({ items });
      const first = Date.now();
      let backoff = 100;
      for (;;) {
        const url = o.urls[server]!;
        const start = Date.now();
        requests++;
        let kind: string | null = null;
        try {
          const res = await fetch(`${url}/api/v1/orders/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${o.key}` },
            body,
            signal: AbortSignal.timeout(o.timeoutMs),
          });
          const text = await res.text();
          if (res.status !== 200) {
            let code = '';
            try {
              code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
            } catch {
              /* not json */
            }
            kind = `http_${res.status}${code ? `_${code}` : ''}`;
          } else {
            const out = JSON.parse(text) as { results: Array<{ status: string; error?: { code?: string } }> };
            const bad = out.results.find((x) => x.status === 'error');
            if (bad) kind = `item_error_${bad.error?.code ?? 'unknown'}`;
          }
        } catch (e) {
          const name = (e as Error).name;
          const cause = (e as { cause?: { code?: string } }).cause?.code;
          kind = name === 'TimeoutError' ? 'timeout' : `net_${cause ?? name}`;
        }
        const now = Date.now();
        if (kind === null) {
          lat.push(now - start);
          ackLat.push(now - first);
          for (const it of items) ids.push(it.externalId);
          sec(now)[0] += items.length;
          if (now >= warmEnd && now <= endAt) measured += items.length;
          break;
        }
        err(kind);
        if (now > hardEnd) {
          unacked++;
          break;
        }
        // Another server may be up; wait a little more each time.
        server = (server + 1) % o.urls.length;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(2000, backoff * 2);
      }
      server = (server + 1) % o.urls.length;
    }
  }

  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => loop(i)));
  lat.sort((a, b) => a - b);
  ackLat.sort((a, b) => a - b);
  const measuredSeconds = Math.max(0.001, (Math.min(Date.now(), endAt) - warmEnd) / 1000);
  return {
    startedAt: new Date(t0).toISOString(),
    endedAt: new Date().toISOString(),
    seconds: o.seconds,
    warmupSeconds: o.warmup,
    servers: o.urls.length,
    concurrency: o.concurrency,
    batch: o.batch,
    acked: ids.length,
    measuredOrders: measured,
    measuredSeconds,
    ordersPerSecond: measured / measuredSeconds,
    requests,
    failedRequests: failed,
    unacked,
    latencyMs: {
      p50: percentile(lat, 50),
      p90: percentile(lat, 90),
      p99: percentile(lat, 99),
      max: lat.at(-1) ?? 0,
      mean: lat.length ? lat.reduce((s, x) => s + x, 0) / lat.length : 0,
    },
    ackLatencyMs: { p50: percentile(ackLat, 50), p99: percentile(ackLat, 99), max: ackLat.at(-1) ?? 0 },
    errors,
    timeline,
    ...(o.ids ? { ids } : {}),
  };
}

const isMain = process.argv[1] && /generator\.ts$/.test(process.argv[1]);
if (isMain) {
  const { values } = parseArgs({
    options: {
      urls: { type: 'string' },
      key: { type: 'string' },
      seconds: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '0' },
      grace: { type: 'string', default: '120' },
      concurrency: { type: 'string', default: '8' },
      batch: { type: 'string', default: '20' },
      prefix: { type: 'string', default: `g${Date.now().toString(36)}` },
      customers: { type: 'string', default: '2000' },
      'timeout-ms': { type: 'string', default: '30000' },
      'no-ids': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      console.error(`generator: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      process.exit(2);
    }
    return n;
  };
  if (!values.urls || !values.key) {
    console.error('generator: --urls and --key are required');
    process.exit(2);
  }
  const result = await runGenerator({
    urls: values.urls.split(',').filter(Boolean),
    key: values.key,
    seconds: num('seconds', values.seconds, 1, 3600),
    warmup: num('warmup', values.warmup, 0, 600),
    grace: num('grace', values.grace, 0, 3600),
    concurrency: num('concurrency', values.concurrency, 1, 512),
    batch: num('batch', values.batch, 1, 1000),
    prefix: values.prefix!,
    customers: num('customers', values.customers, 1, 10_000_000),
    ids: !values['no-ids'],
    timeoutMs: num('timeout-ms', values['timeout-ms'], 100, 600_000),
  });
  const json = JSON.stringify(result);
  if (values.out) fs.writeFileSync(values.out, json);
  else process.stdout.write(json + '\n');
}
