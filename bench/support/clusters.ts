/**
 * Clustering figures for `npm run bench:segments -- --clusters` (bench/segments.bench.ts builds the data set and calls this):
 * a clustering run (features in SQL + k-means with k by silhouette + storing assignments and cluster segments) against
 * the feature query alone, measured alternately in the same process on the same data.
 *
 * The segments data set has orders and lines only; before measuring, this adds (once, idempotently) what the features
 * read besides: a catalog of the 2,000 SKUs in 8 top-level categories (so the price reference and category shares have
 * categories), and share events for 30% of the customers (1–4 each).
 */
import fs from 'node:fs';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { query, type Database } from '../../src/platform/db/database.js';
import type { Kemai } from '../../src/app/kemai.js';

const secs = (ms: number) => ms / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function enrich(database: Database): Promise<void> {
  const db = database.db;
  const [p] = await query<{ n: number }>(db, sql`select count(*)::int as n from catalog.products`);
  if (p!.n === 0) {
    await db.execute(sql`insert into catalog.products (id, sku, name, category_path)
      select md5('p' || g)::uuid, 'SKU' || lpad(g::text, 4, '0'), 'Product ' || g, array[(array['服装','美妆','食品','家居','母婴','鞋包','数码','运动'])[1 + g % 8], 'sub' || (g % 5)]
      from generate_series(0, 1999) g`);
  }
  const [c] = await query<{ n: number }>(db, sql`select count(*)::int as n from customers.customers`);
  const [e] = await query<{ have: number; want: number }>(
    db,
    sql`select (select count(*)::int from activity.events) as have,
               (select coalesce(sum(1 + g % 4), 0)::int from generate_series(1, ${c!.n}::int) g where g % 10 < 3) as want`,
  );
  if (e!.have < e!.want) {
    const chunk = 200_000;
    for (let lo = 1; lo <= c!.n; lo += chunk) {
      const hi = Math.min(c!.n, lo + chunk - 1);
      await db.execute(sql`
        insert into activity.events (id, customer_id, type, occurred_at, channel)
        select md5('e' || g || '-' || s)::uuid, md5('c' || g)::uuid, 'share',
               timestamptz '2024-01-01 00:00:00+08' + ((g::bigint * 7919 + s * 104729) % (730 * 86400)) * interval '1 second', 'miniprogram'
        from generate_series(${lo}::int, ${hi}::int) g
        cross join lateral generate_series(1, 1 + (g % 4)) s
        where g % 10 < 3
        on conflict (customer_id, id) do nothing`);
    }
    await db.execute(sql`analyze`);
  }
}

export async function benchClusters(p: {
  kemai: Kemai;
  database: Database;
  engine: string;
  runs: number;
  dry: boolean;
  asOf: string;
  command: string;
  results: string;
}): Promise<void> {
  const { kemai, database, asOf } = p;
  await enrich(database);
  const [facts] = await query<{ orders: number; lines: number; customers: number; events: number }>(
    database.db,
    sql`select (select count(*) from orders.orders)::int as orders, (select count(*) from orders.order_lines)::int as lines,
               (select count(*) from customers.customers)::int as customers, (select count(*) from activity.events)::int as events`,
  );
  const base: number[] = [];
  const total: number[] = [];
  const parts: Array<{ features: number; clustering: number; store: number }> = [];
  let last: Awaited<ReturnType<Kemai['segments']['clusters']['run']>> | undefined;
  // Alternate the feature query and the run; the first pair warms the cache and is not counted.
  for (let i = 0; i <= p.runs; i++) {
    let t0 = performance.now();
    const table = await kemai.segments.clusters.featureTable(asOf);
    const tb = performance.now() - t0;
    t0 = performance.now();
    const run = await kemai.segments.clusters.run({ asOf }, 'bench');
    const tr = performance.now() - t0;
    if (table.ids.length !== run.customers) throw new Error(`feature query saw ${table.ids.length} customers, the run ${run.customers}`);
    last = run;
    if (i > 0) {
      base.push(tb);
      total.push(tr);
      parts.push({ features: run.seconds.features, clustering: run.seconds.clustering, store: secs(tr) - run.seconds.features - run.seconds.clustering });
    }
    console.error(
      `  run ${i}: feature query ${secs(tb).toFixed(2)} s, clustering run ${secs(tr).toFixed(2)} s (features ${run.seconds.features} s, k-means ${run.seconds.clustering} s)${i === 0 ? ' (warm-up)' : ''}`,
    );
  }
  const mid = parts[total.indexOf(median(total))]!;
  const r = last!;
  const clusters = r.clusters.map((c) => `${c.name} ${c.size.toLocaleString('en')}`).join(', ');
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const row =
    `| ${p.engine} | ${facts!.customers.toLocaleString('en')} | ${facts!.orders.toLocaleString('en')} / ${facts!.lines.toLocaleString('en')} / ${facts!.events.toLocaleString('en')} | ` +
    `${r.customers.toLocaleString('en')} | **${secs(median(total)).toFixed(1)} s** | ${mid.features.toFixed(1)} s | ${mid.clustering.toFixed(1)} s | ${mid.store.toFixed(1)} s | ` +
    `${secs(median(base)).toFixed(1)} s | **${(median(total) / median(base)).toFixed(1)}×** | k = ${r.k} (silhouette ${r.silhouette?.toFixed(3)}, ${r.iterations} iterations): ${clusters} |`;
  const text = [
    `### Clustering run — ${p.engine}, run of ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus().length} cores, Node ${process.version}, load average at the end ${load} (other sessions were running). Command: \`${p.command}\`. ` +
      `Median of ${p.runs} run(s) after a warm-up, feature query and run alternating. The run: \`kemai.segments.clusters.run({asOf: '${asOf}'})\` — ` +
      'the two feature statements (category medians; per-customer features from order_facts, line_facts, event_facts, referral_facts), ' +
      `z-scores, k chosen by silhouette for k = 2..8 on a seeded ${(20_000).toLocaleString('en')}-customer sample (4 k-means++ starts each, silhouette on 5,000), ` +
      'the final fit on every customer (4 starts, Hamerly-accelerated Lloyd), then one transaction writing the run, every assignment with its features ' +
      'and the cluster segments, and the membership refresh of each cluster segment (members, log, entered/exited events, size history). ' +
      'Baseline: the feature query alone (both statements and the matrix in memory). Data: the segments data set plus a catalog (2,000 SKUs, 8 categories) ' +
      'and share events for 30% of the customers.',
    '',
    '| engine | customers | orders / lines / events | clustered | clustering run | of which features | k-means | store + members | feature query alone | ratio | result |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    row,
    '',
  ].join('\n');
  console.log(text);
  if (p.dry) return;
  const heading = '## Segments';
  let current = fs.readFileSync(p.results, 'utf8');
  if (!current.includes(heading)) current = `${current.trimEnd()}\n\n${heading}\n`;
  const at = current.indexOf(heading) + heading.length;
  const next = current.indexOf('\n## ', at);
  const insertAt = next === -1 ? current.length : next;
  current = `${current.slice(0, insertAt).trimEnd()}\n\n${text}${next === -1 ? '' : '\n'}${current.slice(insertAt)}`;
  fs.writeFileSync(p.results, current.endsWith('\n') ? current : `${current}\n`);
}
