import { sql } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { localDate } from '../../../platform/clock.js';
import { AppError, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { MembershipService } from '../membership/membership.service.js';
import { categoryStatsSql, featuresSql, topCategories, type CategoryStat, type FeatureRow } from './features.sql.js';
import { KMEANS_DEFAULTS, SilhouetteSample, kmeans, sampleRows, silhouette, standardise, takeRows, weightColumns, type KMeansResult, type Matrix } from './kmeans.js';
import { BASE_FEATURES, categoryFeature, distinguishingFeatures, featureWeights, nameClusters, transform, untransform, type FeatureSpec } from './personas.js';

export interface ClusterRunInput {
  /** The number of clusters; without it k is chosen by silhouette in kRange. */
  k?: number;
  kRange?: { min: number; max: number };
  seed?: number;
  /** Business date (YYYY-MM-DD); default today in the business time zone. */
  asOf?: string;
  /** Points the silhouette is computed on (a seeded sample above it; exact at or below). */
  sample?: number;
  /** k-means++ starts per fit. */
  restarts?: number;
}

export const CLUSTER_DEFAULTS = { kRange: { min: 2, max: 8 }, seed: 1, sample: 5_000, restarts: KMEANS_DEFAULTS.restarts } as const;

/** Above this many customers, k is chosen on a seeded sample of this many; the final fit uses everyone. */
export const SELECTION_ROWS = 20_000;

/** Runs whose per-customer assignments are kept (older runs keep their profiles only). */
export const KEEP_ASSIGNMENTS_OF_RUNS = 3;

export interface FeatureView extends FeatureSpec {
  /** Mean and population sd of the transformed feature (the z-score standardisation of this run). */
  mean: number;
  sd: number;
  /** Weight of the feature's z-score in the distance (1/√g for a feature of a group of g). */
  weight: number;
}

export interface ClusterProfile {
  cluster: number;
  name: string;
  label: string;
  persona: string;
  /** The persona's score (z units); null for mainstream. */
  score: number | null;
  /** The segment (kind 'cluster') holding this cluster's customers while this is the latest run. */
  segmentCode: string;
  size: number;
  share: number;
  /** Mean silhouette of the cluster's scored points; null when none was in the sample. */
  silhouette: number | null;
  /** Per feature: the centroid's z-score and its value in original units (z un-standardised, then the log undone). */
  centroid: Record<string, { z: number; value: number }>;
  distinguishing: Array<{ feature: string; label: string; z: number; value: number; direction: 'high' | 'low' }>;
}

export interface ClusterRun {
  id: string;
  asOf: string;
  k: number;
  seed: number;
  /** 'given' when k was asked for, 'silhouette' when chosen in kRange. */
  chosenBy: 'given' | 'silhouette';
  kRange: { min: number; max: number } | null;
  /** Silhouette of each k tried (on the selection sample). */
  silhouetteByK: Array<{ k: number; silhouette: number | null }>;
  customers: number;
  /** Mean silhouette of the final clustering; `silhouetteExact` false when computed on a seeded sample of `silhouetteScored`. */
  silhouette: number | null;
  silhouetteExact: boolean;
  silhouetteScored: number;
  restarts: number;
  iterations: number;
  converged: boolean;
  inertia: number;
  features: FeatureView[];
  clusters: ClusterProfile[];
  seconds: { features: number; clustering: number; total: number };
  createdBy: string;
  createdAt: string;
}

export interface CustomerCluster {
  customerId: string;
  runId: string;
  asOf: string;
  cluster: number;
  name: string;
  label: string;
  segmentCode: string;
  /** The customer's features in original units and as z-scores of the run. */
  features: Record<string, { value: number; z: number }>;
}

/** The code of the segment a named cluster of the latest run fills. */
export const clusterSegmentCode = (name: string) => `cluster_${name}`;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** Customers with everything the features need, ready for k-means. */
export interface FeatureTable {
  ids: string[];
  specs: FeatureSpec[];
  /** Original units, n × d. */
  raw: Matrix;
  /** Transformed (log where skewed), n × d: the matrix that gets standardised. */
  transformed: Matrix;
}

/**
 * k-means clusters of customers on standardised behaviour features (RFM, discount share, unit price
 * vs category median, category and channel mix, shares and referrals), each named from its centroid.
 * Same data, same seed, same clusters: rows are sorted by customer id before clustering and every
 * random choice comes from the seed.
 */
export class ClustersService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
    private readonly membership: MembershipService,
  ) {}

  /** The feature table as of a business date (exported for the benchmark). */
  async featureTable(asOf: string): Promise<FeatureTable> {
    const tz = this.deps.timeZone;
    const stats = (await query<CategoryStat>(this.db, categoryStatsSql(asOf, tz))).map((s) => ({
      category: s.category,
      median_unit_fen: Number(s.median_unit_fen),
      spend_fen: Number(s.spend_fen),
    }));
    const top = topCategories(stats);
    const rows = await query<FeatureRow>(this.db, featuresSql({ asOf, timeZone: tz, categories: stats, top }));
    const specs = [...BASE_FEATURES, ...top.map(categoryFeature)];
    const n = rows.length;
    const d = specs.length;
    const raw = new Float64Array(n * d);
    const transformed = new Float64Array(n * d);
    const base = BASE_FEATURES.map((f) => f.key as keyof FeatureRow);
    const ids: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      ids[i] = r.customer_id;
      for (let f = 0; f < base.length; f++) raw[i * d + f] = Number(r[base[f]!]);
      const paid = Number(r.line_paid_fen);
      for (let c = 0; c < top.length; c++) raw[i * d + base.length + c] = paid > 0 && r.top_fen ? Number(r.top_fen[c]) / paid : 0;
      for (let f = 0; f < d; f++) transformed[i * d + f] = transform(specs[f]!.transform, raw[i * d + f]!);
    }
    return { ids, specs, raw: { values: raw, n, d }, transformed: { values: transformed, n, d } };
  }

  /** Computes the features, clusters, names the clusters, stores the run and refreshes the cluster segments. */
  async run(input: ClusterRunInput, actor: string): Promise<ClusterRun> {
    const started = performance.now();
    const asOf = input.asOf ?? localDate(new Date(), this.deps.timeZone);
    const seed = input.seed ?? CLUSTER_DEFAULTS.seed;
    const sample = input.sample ?? CLUSTER_DEFAULTS.sample;
    const restarts = input.restarts ?? CLUSTER_DEFAULTS.restarts;
    const kRange = input.k === undefined ? (input.kRange ?? CLUSTER_DEFAULTS.kRange) : null;
    if (kRange && kRange.max < kRange.min)
      throw invalid('segments.invalid_k_range', 'kRange.max must not be below kRange.min', [{ path: 'kRange.max', message: 'must not be below kRange.min' }]);

    const table = await this.featureTable(asOf);
    const featureSeconds = seconds(started);
    const n = table.ids.length;
    const least = input.k ?? Math.max(2, kRange!.min);
    if (n < least + (input.k === undefined ? 1 : 0)) {
      const path = input.k === undefined ? 'kRange.min' : 'k';
      throw invalid('segments.too_few_customers', `${n} customer(s) with orders up to ${asOf}: too few for ${least} clusters`, [
        { path, message: `${n} customer(s) with orders up to ${asOf}` },
      ]);
    }
    await yieldToIo();
    const clusterStart = performance.now();
    const std = standardise(table.transformed);
    const weights = featureWeights(table.specs);
    // k-means, and the silhouette, work in the weighted z space; profiles report plain z-scores.
    const z = weightColumns(std.matrix, weights);

    let k = input.k ?? 0;
    const silhouetteByK: Array<{ k: number; silhouette: number | null }> = [];
    let fitted: KMeansResult | undefined;
    if (kRange) {
      // Silhouette needs 2 ≤ k ≤ n − 1.
      const max = Math.min(kRange.max, n - 1);
      const rows = sampleRows(n, SELECTION_ROWS, seed);
      const selection = rows.length === n ? z : takeRows(z, rows);
      const scoring = new SilhouetteSample(selection, { limit: sample, seed });
      let best = -Infinity;
      for (let kk = Math.max(2, kRange.min); kk <= max; kk++) {
        const fit = kmeans(selection, { k: kk, seed, restarts });
        await yieldToIo();
        const s = scoring.score(fit.labels, kk).score;
        silhouetteByK.push({ k: kk, silhouette: finite(s) });
        // Ties keep the smaller k.
        if (Number.isFinite(s) && s > best) {
          best = s;
          k = kk;
          fitted = rows.length === n ? fit : undefined;
        }
        await yieldToIo();
      }
      if (k === 0) k = Math.max(2, kRange.min);
    }
    const result = fitted ?? kmeans(z, { k, seed, restarts });
    await yieldToIo();
    const sil = silhouette(z, result.labels, k, { limit: sample, seed });
    const clusteringSeconds = seconds(clusterStart);

    const features: FeatureView[] = table.specs.map((s, f) => ({ ...s, mean: std.means[f]!, sd: std.sds[f]!, weight: weights[f]! }));
    const clusters = this.profiles(result, features, sil.perCluster, n);
    const id = newId();
    const run: ClusterRun = {
      id,
      asOf,
      k,
      seed,
      chosenBy: kRange ? 'silhouette' : 'given',
      kRange: kRange ? { ...kRange } : null,
      silhouetteByK,
      customers: n,
      silhouette: finite(sil.score),
      silhouetteExact: sil.exact,
      silhouetteScored: sil.scored,
      restarts,
      iterations: result.iterations,
      converged: result.converged,
      inertia: result.inertia,
      features,
      clusters,
      seconds: { features: featureSeconds, clustering: clusteringSeconds, total: 0 },
      createdBy: actor,
      createdAt: '',
    };
    await this.store(run, table, result.labels);
    run.seconds.total = seconds(started);
    await query(this.db, sql`update segments.cluster_runs set features = features || ${JSON.stringify({ seconds: run.seconds })}::jsonb where id = ${id}`);
    return (await this.getRun(id))!;
  }

  private profiles(result: KMeansResult, features: FeatureView[], perCluster: Float64Array, n: number): ClusterProfile[] {
    const d = features.length;
    const keys = features.map((f) => f.key);
    const centroids = Array.from({ length: result.k }, (_, c) => Object.fromEntries(keys.map((key, f) => [key, result.centroids[c * d + f]! / features[f]!.weight])));
    const names = nameClusters(centroids);
    const valueOf = (f: number, zv: number) => untransform(features[f]!.transform, features[f]!.mean + zv * features[f]!.sd);
    return centroids.map((centroid, c) => ({
      cluster: c,
      ...names[c]!,
      segmentCode: clusterSegmentCode(names[c]!.name),
      size: result.sizes[c]!,
      share: result.sizes[c]! / n,
      silhouette: finite(perCluster[c]!),
      centroid: Object.fromEntries(keys.map((key, f) => [key, { z: centroid[key]!, value: valueOf(f, centroid[key]!) }])),
      distinguishing: distinguishingFeatures(centroid, keys).map((x) => {
        const f = keys.indexOf(x.feature);
        return { feature: x.feature, label: features[f]!.label, z: x.z, value: valueOf(f, x.z), direction: x.direction };
      }),
    }));
  }

  /**
   * One transaction: the run, every customer's cluster with their features (original units, in the
   * run's feature order), and the cluster segments of the latest run — one per cluster name, upserted
   * by code with definition {runId, cluster}; cluster segments the run no longer has are deactivated
   * and emptied. Assignments of runs older than the last few are deleted. Then each cluster segment
   * is refreshed by the membership service (a customer who stays in a same-named cluster stays a
   * member with their entered_at; entries and exits are logged and published as
   * segments.customer.entered / exited).
   */
  private async store(run: ClusterRun, table: FeatureTable, labels: Int32Array): Promise<void> {
    const { id } = run;
    const params = {
      features: run.features,
      chosenBy: run.chosenBy,
      kRange: run.kRange,
      silhouetteByK: run.silhouetteByK,
      customers: run.customers,
      silhouetteExact: run.silhouetteExact,
      silhouetteScored: run.silhouetteScored,
      restarts: run.restarts,
      iterations: run.iterations,
      converged: run.converged,
      inertia: run.inertia,
      selectionRows: SELECTION_ROWS,
      seconds: run.seconds,
    };
    const d = table.raw.d;
    const at = new Date();
    const segments: Array<{ id: string; code: string; created: boolean }> = [];
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into segments.cluster_runs (id, as_of, k, seed, features, clusters, silhouette, created_by)
        values (${id}, ${run.asOf}::date, ${run.k}, ${run.seed}, ${JSON.stringify(params)}::jsonb, ${JSON.stringify(run.clusters)}::jsonb,
                ${run.silhouette}, ${run.createdBy})`);
      const chunk = 10_000;
      for (let from = 0; from < table.ids.length; from += chunk) {
        const to = Math.min(table.ids.length, from + chunk);
        const ids = table.ids.slice(from, to);
        const clusters = Array.from(labels.subarray(from, to));
        const feats: string[] = [];
        for (let i = from; i < to; i++) feats.push(JSON.stringify(Array.from(table.raw.values.subarray(i * d, i * d + d))));
        await tx.execute(sql`
          insert into segments.cluster_assignments (run_id, customer_id, cluster, features)
          select ${id}, u.customer_id, u.cluster, u.features::jsonb
          from unnest(${sql.param(ids)}::uuid[], ${sql.param(clusters)}::smallint[], ${sql.param(feats)}::text[]) as u(customer_id, cluster, features)`);
      }
      for (const c of run.clusters) {
        const description = `k-means cluster ${c.cluster} of run ${id} (as of ${run.asOf}): ` + c.distinguishing.map((x) => `${x.label} ${x.direction}`).join(', ');
        const row = await queryOne<{ id: string; inserted: boolean }>(
          tx,
          sql`insert into segments.segments (id, code, name, description, kind, definition, created_by)
              values (${newId()}, ${c.segmentCode}, ${`Cluster: ${c.label}`}, ${description}, 'cluster',
                      ${JSON.stringify({ runId: id, cluster: c.cluster })}::jsonb, ${run.createdBy})
              on conflict (code) do update set name = excluded.name, description = excluded.description, definition = excluded.definition,
                active = true, updated_at = now()
              where segments.segments.kind = 'cluster'
              returning id, (xmax = 0) as inserted`,
        );
        if (!row)
          throw new AppError('conflict', 'segments.code_taken', `segment code ${c.segmentCode} belongs to a segment that is not a cluster; rename it to let clustering use the code`);
        segments.push({ id: row.id, code: c.segmentCode, created: Boolean(row.inserted) });
      }
      // Cluster segments this run does not have any more: deactivated and emptied (their members exit).
      const stale = await query<{ id: string; code: string }>(
        tx,
        sql`update segments.segments set active = false, size = 0, refreshed_at = ${at.toISOString()}::timestamptz, updated_at = now()
            where kind = 'cluster' and active and id <> all(${sql.param(segments.map((g) => g.id))}::uuid[]) returning id, code`,
      );
      for (const seg of stale) {
        const { exited } = await this.membership.apply(tx, seg, sql`select null::uuid as id where false`, at, 'refresh');
        await tx.execute(sql`insert into segments.size_history (segment_id, at, size, entered, exited)
                             values (${seg.id}, ${at.toISOString()}::timestamptz, 0, 0, ${exited.length}) on conflict do nothing`);
      }
      await tx.execute(sql`
        delete from segments.cluster_assignments where run_id in (
          select id from segments.cluster_runs order by created_at desc, id desc offset ${KEEP_ASSIGNMENTS_OF_RUNS})`);
    });
    // Members through the membership machinery: entries and exits logged and published, size and its history.
    for (const seg of segments) await this.membership.refresh(seg.id, { reason: seg.created ? 'created' : 'refresh' });
  }

  /** The latest run (by creation), or null before the first. */
  async latest(): Promise<ClusterRun | null> {
    const row = await queryOne<{ id: string }>(this.db, sql`select id from segments.cluster_runs order by created_at desc, id desc limit 1`);
    return row ? this.getRun(row.id) : null;
  }

  async getRun(id: string): Promise<ClusterRun | null> {
    const r = await queryOne<{
      id: string;
      as_of: string | Date;
      k: number;
      seed: number;
      features: Record<string, unknown>;
      clusters: ClusterProfile[];
      silhouette: number | null;
      created_by: string;
      created_at: string | Date;
    }>(this.db, sql`select id, as_of::text as as_of, k, seed, features, clusters, silhouette, created_by, created_at from segments.cluster_runs where id = ${id}`);
    if (!r) return null;
    const p = (typeof r.features === 'string' ? JSON.parse(r.features) : r.features) as Omit<ClusterRun, 'id' | 'asOf' | 'k' | 'seed' | 'clusters'>;
    const clusters = (typeof r.clusters === 'string' ? JSON.parse(r.clusters) : r.clusters) as ClusterProfile[];
    return {
      id: r.id,
      asOf: String(r.as_of),
      k: r.k,
      seed: r.seed,
      chosenBy: p.chosenBy,
      kRange: p.kRange,
      silhouetteByK: p.silhouetteByK,
      customers: p.customers,
      silhouette: r.silhouette === null ? null : Number(r.silhouette),
      silhouetteExact: p.silhouetteExact,
      silhouetteScored: p.silhouetteScored,
      restarts: p.restarts,
      iterations: p.iterations,
      converged: p.converged,
      inertia: p.inertia,
      features: p.features,
      clusters,
      seconds: p.seconds,
      createdBy: r.created_by,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  /** A customer's cluster in the latest run (a merged-away id answers for its survivor). */
  async customerCluster(customerId: string): Promise<CustomerCluster> {
    const run = await this.latest();
    if (!run) throw notFound('segments.no_cluster_run', 'No clustering has been run yet');
    const row = await queryOne<{ customer_id: string; cluster: number; features: number[] | string }>(
      this.db,
      sql`select a.customer_id, a.cluster, a.features from segments.cluster_assignments a
          where a.run_id = ${run.id}
            and a.customer_id = (select coalesce(c.merged_into, c.id) from customers.customer_facts c where c.id = ${customerId})`,
    );
    if (!row) throw notFound('segments.customer_not_clustered', `Customer ${customerId} is not in the latest clustering (as of ${run.asOf}): no orders by then, or not a customer`);
    const values = (typeof row.features === 'string' ? JSON.parse(row.features) : row.features) as number[];
    const profile = run.clusters[row.cluster]!;
    return {
      customerId: row.customer_id,
      runId: run.id,
      asOf: run.asOf,
      cluster: row.cluster,
      name: profile.name,
      label: profile.label,
      segmentCode: profile.segmentCode,
      features: Object.fromEntries(
        run.features.map((f, i) => {
          const value = values[i]!;
          return [f.key, { value, z: f.sd > 0 ? (transform(f.transform, value) - f.mean) / f.sd : 0 }];
        }),
      ),
    };
  }
}
