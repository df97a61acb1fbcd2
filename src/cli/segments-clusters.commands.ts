import type { Command } from 'commander';
import { ClusterRunInput, type ClusterRun } from '../modules/segments/index.js';
import { CliError, withBackend } from './context.js';

const whole = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliError(`${flag}: a whole number, got ${v}`, 2);
  return Number(v);
};

const FLAG: Record<string, string> = { k: '--k', kRange: '--k-min/--k-max', 'kRange.min': '--k-min', 'kRange.max': '--k-max', seed: '--seed', asOf: '--as-of', sample: '--sample' };

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const num = (x: number, digits = 1) => x.toFixed(digits);

/** The cluster profiles as a table: size, silhouette, the centroid in original units, what sets each apart. */
export function clustersTable(run: ClusterRun): string {
  const head = [
    `Clusters as of ${run.asOf}: ${run.customers.toLocaleString('en')} customers, k = ${run.k} ` +
      (run.chosenBy === 'silhouette' ? `(best silhouette of k ${run.kRange!.min}..${run.kRange!.max})` : '(given)') +
      `, seed ${run.seed}, silhouette ${run.silhouette === null ? '—' : num(run.silhouette, 3)}` +
      (run.silhouetteExact ? '' : ` (sample of ${run.silhouetteScored.toLocaleString('en')})`) +
      `, ${run.seconds.total} s`,
  ];
  const cols: Array<[string, number, (c: ClusterRun['clusters'][number]) => string]> = [
    ['#', 2, (c) => String(c.cluster)],
    ['name', 22, (c) => c.name],
    ['size', 9, (c) => c.size.toLocaleString('en')],
    ['share', 6, (c) => pct(c.share)],
    ['silh.', 6, (c) => (c.silhouette === null ? '—' : num(c.silhouette, 2))],
    ['days', 6, (c) => num(c.centroid.recency_days!.value, 0)],
    ['orders', 6, (c) => num(c.centroid.orders!.value)],
    ['spend ¥', 9, (c) => num(c.centroid.net_spend!.value, 0)],
    ['disc.', 6, (c) => pct(c.centroid.discount_share!.value)],
    ['price×', 6, (c) => num(c.centroid.price_ratio!.value, 2)],
    ['store', 6, (c) => pct(c.centroid.store_share!.value)],
    ['online', 6, (c) => pct(c.centroid.online_share!.value)],
    ['mini', 6, (c) => pct(c.centroid.miniprogram_share!.value)],
    ['shares', 6, (c) => num(c.centroid.shares!.value, 2)],
    ['refs', 5, (c) => num(c.centroid.referrals!.value)],
  ];
  const row = (cells: string[]) => cells.map((s, i) => (i === 1 ? s.padEnd(cols[i]![1]) : s.padStart(cols[i]![1]))).join(' ');
  const lines = [row(cols.map((c) => c[0])) + '  sets it apart (z)'];
  for (const c of run.clusters)
    lines.push(row(cols.map((col) => col[2](c))) + '  ' + c.distinguishing.map((d) => `${d.feature} ${d.z >= 0 ? '+' : ''}${num(d.z, 2)}`).join(', '));
  return [...head, ...lines].join('\n');
}

/**
 * `kemai segments clusters [--k N | --k-min A --k-max B] [--seed S] [--as-of DATE] [--sample N] [--latest] [--json]`:
 * cluster the customers (or show the latest run) and print the profiles.
 */
export function addClustersCommand(segments: Command): void {
  segments
    .command('clusters')
    .description('Cluster customers by behaviour (k-means, k by silhouette unless given), name the clusters and print their profiles')
    .option('--k <n>', 'number of clusters (default: chosen by silhouette in --k-min..--k-max)')
    .option('--k-min <n>', 'smallest k to try (default 2)')
    .option('--k-max <n>', 'largest k to try (default 8)')
    .option('--seed <n>', 'seed of every random choice (default 1): same seed, same data, same clusters')
    .option('--as-of <date>', 'business date the features are as of (default today)')
    .option('--sample <n>', 'points the silhouette is computed on (default 5000; exact below)')
    .option('--latest', 'show the latest run instead of running a new one')
    .option('--json', 'machine-readable output')
    .action(async (o: { k?: string; kMin?: string; kMax?: string; seed?: string; asOf?: string; sample?: string; latest?: boolean; json?: boolean }) => {
      const kMin = whole('--k-min', o.kMin);
      const kMax = whole('--k-max', o.kMax);
      const raw = {
        k: whole('--k', o.k),
        kRange: kMin === undefined && kMax === undefined ? undefined : { min: kMin ?? 2, max: kMax ?? Math.max(8, kMin ?? 2) },
        seed: whole('--seed', o.seed),
        asOf: o.asOf,
        sample: whole('--sample', o.sample),
      };
      const parsed = ClusterRunInput.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
      if (!parsed.success)
        throw new CliError(parsed.error.issues.map((i) => `${FLAG[i.path.join('.')] ?? i.path.join('.')}: ${i.message}`).join('\n'), 2);
      const run = await withBackend(async (b) => {
        if (o.latest) {
          const latest = b.mode === 'direct' ? await b.kemai.segments.clusters.latest() : await b.api.call<ClusterRun>('GET', '/api/v1/segments/clusters/latest');
          if (!latest) throw new CliError('No clustering has been run yet: run `kemai segments clusters` without --latest');
          return latest;
        }
        return b.mode === 'direct'
          ? b.kemai.segments.clusters.run(parsed.data, 'local-cli')
          : b.api.call<ClusterRun>('POST', '/api/v1/segments/clusters/runs', parsed.data);
      });
      console.log(o.json ? JSON.stringify(run, null, 2) : clustersTable(run));
    });
}

/** Adds `clusters` to `kemai segments` (created here when the segments commands have not made it). */
export function registerSegmentsClustersCommands(program: Command): void {
  const segments =
    program.commands.find((c) => c.name() === 'segments') ?? program.command('segments').description('Segments: RFM, value matrix, rule segments, clusters, exports');
  addClustersCommand(segments);
}
