import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound, zodIssues, type FieldIssue } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { EntryTriggers } from './entry.js';
import { DefinitionInput, JourneyInput, type Definition } from './journeys.schemas.js';
import { JourneyRunner, type RunnerDeps, type RunSummary } from './runner.js';
import { uplift, type Uplift } from './stats.js';

export const JOURNEY_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

export interface Journey {
  id: string;
  code: string;
  name: string;
  description: string | null;
  kind: 'journey' | 'campaign';
  status: JourneyStatus;
  currentVersion: number;
  /** The newest version (a draft when greater than currentVersion, or while the journey is a draft). */
  latestVersion: number;
  holdoutPercent: number;
  reentry: 'never' | 'after_exit' | 'cooldown';
  reentryDays: number | null;
  blueprint: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  counts: { entered: number; active: number; heldOut: number; converted: number };
}

export interface JourneyVersion {
  version: number;
  definition: Definition;
  note: string | null;
  createdBy: string;
  createdAt: string;
  publishedAt: string | null;
}

export const JourneyPatch = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    holdoutPercent: z.number().int().min(0).max(90).optional(),
    reentry: z.enum(['never', 'after_exit', 'cooldown']).optional(),
    reentryDays: z.number().int().min(1).max(3650).nullable().optional(),
  })
  .strict();
export type JourneyPatch = z.infer<typeof JourneyPatch>;

export interface StepStats {
  id: string;
  type: string;
  name: string | null;
  /** Enrollments waiting at (due to run) this step now. */
  now: number;
  ran: number;
  outcomes: Record<string, number>;
}

export interface JourneyStats {
  journeyId: string;
  code: string;
  entered: number;
  treated: number;
  holdout: number;
  byStatus: Record<string, number>;
  steps: StepStats[];
  messages: Record<string, number>;
  uplift: Uplift;
}

export interface Enrollment {
  id: string;
  journeyId: string;
  journeyCode?: string;
  journeyName?: string;
  version: number;
  customerId: string;
  entryKey: string;
  holdout: boolean;
  status: string;
  currentStep: string | null;
  stepSeq: number;
  nextRunAt: string | null;
  enteredAt: string;
  goalUntil: string | null;
  endedAt: string | null;
  endReason: string | null;
  convertedAt: string | null;
  conversionOrderId: string | null;
  revenueFen: number;
  context: Record<string, unknown>;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function toEnrollment(r: Row): Enrollment {
  return {
    id: String(r.id),
    journeyId: String(r.journey_id),
    ...(r.journey_code !== undefined ? { journeyCode: String(r.journey_code), journeyName: String(r.journey_name) } : {}),
    version: Number(r.version),
    customerId: String(r.customer_id),
    entryKey: String(r.entry_key),
    holdout: Number(r.holdout) === 1,
    status: String(r.status),
    currentStep: (r.current_step as string | null) ?? null,
    stepSeq: Number(r.step_seq),
    nextRunAt: iso(r.next_run_at),
    enteredAt: iso(r.entered_at)!,
    goalUntil: iso(r.goal_until),
    endedAt: iso(r.ended_at),
    endReason: (r.end_reason as string | null) ?? null,
    convertedAt: iso(r.converted_at),
    conversionOrderId: (r.conversion_order_id as string | null) ?? null,
    revenueFen: Number(r.revenue_fen),
    context: json<Record<string, unknown>>(r.context ?? {}),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses a definition; a bad one is a 400 naming each field (`steps.2.next: no step x`). */
export function parseDefinition(input: unknown, prefix = ''): Definition {
  const r = DefinitionInput.safeParse(input);
  if (!r.success) {
    const issues = zodIssues(r.error.issues).map((i) => ({ path: !prefix ? i.path : i.path === '(root)' ? prefix : `${prefix}.${i.path}`, message: i.message }));
    throw invalid('journeys.invalid_definition', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }
  return r.data;
}

/**
 * Journeys: definitions and their versions, publishing (checking the templates, coupon templates and segments a
 * definition names), status, the entry triggers, the step runner and the goal, and the stats against the holdout.
 */
export class JourneysService {
  private clockImpl: Clock;
  private readonly clock: Clock = { now: () => this.clockImpl.now() };
  readonly entry: EntryTriggers;
  readonly runner: JourneyRunner;

  constructor(
    private readonly db: Db,
    deps: Omit<RunnerDeps, 'clock'> & { clock?: Clock },
  ) {
    this.clockImpl = deps.clock ?? systemClock;
    this.entry = new EntryTriggers({ clock: this.clock, timeZone: deps.timeZone, onEntered: () => this.poke() });
    this.runner = new JourneyRunner(db, { ...deps, clock: this.clock });
  }

  /** Tests and benchmarks: a fake clock for entry, steps and the goal. */
  useClock(clock: Clock): void {
    this.clockImpl = clock;
  }

  // ------------------------------------------------------------------ definitions

  validate(input: unknown): Definition {
    return parseDefinition(input);
  }

  async create(input: unknown, actor: string): Promise<Journey> {
    const r = JourneyInput.safeParse(input);
    if (!r.success) {
      const issues = zodIssues(r.error.issues);
      throw invalid('journeys.invalid_journey', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    const j = r.data;
    if (j.reentry === 'cooldown' && !j.reentryDays) throw invalid('journeys.invalid_journey', 'reentryDays: needed with reentry cooldown', [{ path: 'reentryDays', message: 'needed with reentry cooldown' }]);
    const id = newId();
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (tx) => {
      const [dup] = await query(tx, sql`select 1 from journeys.journeys where code = ${j.code}`);
      if (dup) throw conflict('journeys.code_taken', `a journey has the code ${j.code}`);
      await query(
        tx,
        sql`insert into journeys.journeys (id, code, name, description, kind, status, current_version, holdout_percent, reentry, reentry_days, blueprint, created_by, created_at, updated_at)
            values (${id}, ${j.code}, ${j.name}, ${j.description ?? null}, ${j.kind}, 'draft', 1, ${j.holdoutPercent}, ${j.reentry}, ${j.reentryDays ?? null}, ${j.blueprint ?? null}, ${actor}, ${now}, ${now})`,
      );
      await query(tx, sql`insert into journeys.versions (journey_id, version, definition, created_by, created_at) values (${id}, 1, ${JSON.stringify(j.definition)}::jsonb, ${actor}, ${now})`);
    });
    return this.get(id);
  }

  private async row(db: Db, idOrCode: string): Promise<Row> {
    const r = UUID.test(idOrCode)
      ? await queryOne<Row>(db, sql`select * from journeys.journeys where id = ${idOrCode}::uuid`)
      : await queryOne<Row>(db, sql`select * from journeys.journeys where code = ${idOrCode}`);
    if (!r) throw notFound('journeys.not_found', `no journey ${idOrCode}`);
    return r;
  }

  private async list0(where: ReturnType<typeof sql>): Promise<Journey[]> {
    const rows = await query<Row>(
      this.db,
      sql`select j.*, (select max(version) from journeys.versions v where v.journey_id = j.id) as latest_version,
            coalesce(c.entered, 0) as entered, coalesce(c.active, 0) as active, coalesce(c.held, 0) as held, coalesce(c.converted, 0) as converted
          from journeys.journeys j
          left join lateral (
            select count(*)::int as entered, count(*) filter (where status = 'active')::int as active, count(*) filter (where status = 'held_out')::int as held,
              count(*) filter (where converted_at is not null)::int as converted
            from journeys.enrollments e where e.journey_id = j.id
          ) c on true
          where ${where} order by j.code collate "C"`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      code: String(r.code),
      name: String(r.name),
      description: (r.description as string | null) ?? null,
      kind: r.kind as Journey['kind'],
      status: r.status as JourneyStatus,
      currentVersion: Number(r.current_version),
      latestVersion: Number(r.latest_version),
      holdoutPercent: Number(r.holdout_percent),
      reentry: r.reentry as Journey['reentry'],
      reentryDays: r.reentry_days == null ? null : Number(r.reentry_days),
      blueprint: (r.blueprint as string | null) ?? null,
      createdBy: String(r.created_by),
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
      counts: { entered: Number(r.entered), active: Number(r.active), heldOut: Number(r.held), converted: Number(r.converted) },
    }));
  }

  async list(filter: { status?: JourneyStatus; kind?: string } = {}): Promise<Journey[]> {
    const parts = [sql`true`];
    if (filter.status) parts.push(sql`j.status = ${filter.status}`);
    if (filter.kind) parts.push(sql`j.kind = ${filter.kind}`);
    return this.list0(sql.join(parts, sql` and `));
  }

  async get(idOrCode: string): Promise<Journey & { versions: JourneyVersion[] }> {
    const r = await this.row(this.db, idOrCode);
    const [j] = await this.list0(sql`j.id = ${String(r.id)}::uuid`);
    return { ...j!, versions: await this.versions(j!.id) };
  }

  async versions(idOrCode: string): Promise<JourneyVersion[]> {
    const r = await this.row(this.db, idOrCode);
    const rows = await query<Row>(this.db, sql`select * from journeys.versions where journey_id = ${String(r.id)}::uuid order by version desc`);
    return rows.map((v) => ({
      version: Number(v.version),
      definition: json<Definition>(v.definition),
      note: (v.note as string | null) ?? null,
      createdBy: String(v.created_by),
      createdAt: iso(v.created_at)!,
      publishedAt: iso(v.published_at),
    }));
  }

  async update(idOrCode: string, input: unknown): Promise<Journey> {
    const r0 = JourneyPatch.safeParse(input);
    if (!r0.success) {
      const issues = zodIssues(r0.error.issues);
      throw invalid('journeys.invalid_journey', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    const p = r0.data;
    const r = await this.row(this.db, idOrCode);
    const reentry = p.reentry ?? (r.reentry as string);
    const days = p.reentryDays !== undefined ? p.reentryDays : (r.reentry_days as number | null);
    if (reentry === 'cooldown' && !days) throw invalid('journeys.invalid_journey', 'reentryDays: needed with reentry cooldown', [{ path: 'reentryDays', message: 'needed with reentry cooldown' }]);
    await query(
      this.db,
      sql`update journeys.journeys set name = ${p.name ?? String(r.name)}, description = ${p.description !== undefined ? p.description : ((r.description as string | null) ?? null)},
            holdout_percent = ${p.holdoutPercent ?? Number(r.holdout_percent)}, reentry = ${reentry}, reentry_days = ${days ?? null},
            updated_at = ${this.clock.now().toISOString()}::timestamptz
          where id = ${String(r.id)}::uuid`,
    );
    return this.get(String(r.id));
  }

  /** A new definition: edits the unpublished draft version in place, or opens version n + 1 (a draft until published). */
  async saveDefinition(idOrCode: string, input: unknown, actor: string, note?: string): Promise<JourneyVersion> {
    const def = parseDefinition(input);
    const r = await this.row(this.db, idOrCode);
    if (r.status === 'archived') throw conflict('journeys.archived', `journey ${String(r.code)} is archived`);
    const id = String(r.id);
    const now = this.clock.now().toISOString();
    return this.db.transaction(async (tx) => {
      const [latest] = await query<{ version: number; published_at: unknown }>(tx, sql`select version, published_at from journeys.versions where journey_id = ${id}::uuid order by version desc limit 1 for update`);
      let version: number;
      if (latest && latest.published_at == null) {
        version = Number(latest.version);
        await query(tx, sql`update journeys.versions set definition = ${JSON.stringify(def)}::jsonb, note = ${note ?? null}, created_by = ${actor}, created_at = ${now}::timestamptz where journey_id = ${id}::uuid and version = ${version}`);
      } else {
        version = Number(latest?.version ?? 0) + 1;
        await query(tx, sql`insert into journeys.versions (journey_id, version, definition, note, created_by, created_at) values (${id}::uuid, ${version}, ${JSON.stringify(def)}::jsonb, ${note ?? null}, ${actor}, ${now}::timestamptz)`);
      }
      await query(tx, sql`update journeys.journeys set updated_at = ${now}::timestamptz where id = ${id}::uuid`);
      return { version, definition: def, note: note ?? null, createdBy: actor, createdAt: now, publishedAt: null };
    });
  }

  /** What a definition names that does not exist: message templates, coupon templates, segments (field issues). */
  async references(def: Definition, db: Db = this.db): Promise<FieldIssue[]> {
    const issues: FieldIssue[] = [];
    const templates = new Set((await query<{ code: string }>(db, sql`select code from messaging.templates where status = 'active'`)).map((r) => r.code));
    const coupons = new Set((await query<{ code: string }>(db, sql`select code from promotions.coupon_templates where status = 'active'`)).map((r) => r.code));
    const segments = new Set((await query<{ code: string }>(db, sql`select code from segments.segments`)).map((r) => r.code));
    const seg = (code: string | undefined, path: string) => {
      if (code && !segments.has(code)) issues.push({ path, message: `no segment ${code}` });
    };
    const t = def.trigger;
    if (t.type === 'event') seg(t.filter?.segment, 'trigger.filter.segment');
    def.audience?.segments?.forEach((c, i) => seg(c, `audience.segments.${i}`));
    def.audience?.excludeSegments?.forEach((c, i) => seg(c, `audience.excludeSegments.${i}`));
    def.steps.forEach((s, i) => {
      if ((s.type === 'send' || s.type === 'task') && !templates.has(s.template)) issues.push({ path: `steps.${i}.template`, message: `no active message template ${s.template}` });
      if (s.type === 'coupon' && !coupons.has(s.template)) issues.push({ path: `steps.${i}.template`, message: `no active coupon template ${s.template}` });
      if (s.type === 'branch')
        s.branches.forEach((b, j) =>
          b.when.forEach((c, k) => {
            if (c.type === 'segment') seg(c.segment, `steps.${i}.branches.${j}.when.${k}.segment`);
            if (c.type === 'message' && !def.steps.some((x) => x.id === c.step && x.type === 'send'))
              issues.push({ path: `steps.${i}.branches.${j}.when.${k}.step`, message: `no send step ${c.step}` });
          }),
        );
    });
    return issues;
  }

  /**
   * Publishes the newest version: it becomes current (new entrants follow it) and the journey active. With migrate,
   * active enrollments of older versions move to it when their current step's id exists in it.
   */
  async publish(idOrCode: string, opts: { migrate?: boolean } = {}): Promise<Journey & { migrated: number }> {
    const r = await this.row(this.db, idOrCode);
    if (r.status === 'archived') throw conflict('journeys.archived', `journey ${String(r.code)} is archived`);
    const id = String(r.id);
    const now = this.clock.now().toISOString();
    const migrated = await this.db.transaction(async (tx) => {
      const [v] = await query<{ version: number; definition: unknown }>(tx, sql`select version, definition from journeys.versions where journey_id = ${id}::uuid order by version desc limit 1 for update`);
      const def = parseDefinition(json(v!.definition));
      const issues = await this.references(def, tx);
      if (issues.length) throw invalid('journeys.invalid_definition', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
      const version = Number(v!.version);
      await query(tx, sql`update journeys.versions set published_at = coalesce(published_at, ${now}::timestamptz) where journey_id = ${id}::uuid and version = ${version}`);
      await query(tx, sql`update journeys.journeys set status = 'active', current_version = ${version}, updated_at = ${now}::timestamptz where id = ${id}::uuid`);
      if (!opts.migrate) return 0;
      const moved = await query(
        tx,
        sql`update journeys.enrollments set version = ${version}
            where journey_id = ${id}::uuid and status = 'active' and version <> ${version} and current_step = any(${sql.param(def.steps.map((s) => s.id))}::text[])
            returning 1`,
      );
      return moved.length;
    });
    return { ...(await this.get(id)), migrated };
  }

  async pause(idOrCode: string): Promise<Journey> {
    return this.setStatus(idOrCode, 'paused', ['active']);
  }

  async resume(idOrCode: string): Promise<Journey> {
    return this.setStatus(idOrCode, 'active', ['paused']);
  }

  /** Archived: no more entries or steps; live passes end (exited, end_reason archived); the goal is still tracked. */
  async archive(idOrCode: string): Promise<Journey> {
    const r = await this.row(this.db, idOrCode);
    const id = String(r.id);
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (tx) => {
      await query(tx, sql`update journeys.journeys set status = 'archived', updated_at = ${now}::timestamptz where id = ${id}::uuid`);
      await query(
        tx,
        sql`update journeys.enrollments set status = 'exited', end_reason = 'archived', ended_at = ${now}::timestamptz, next_run_at = null
            where journey_id = ${id}::uuid and status in ('active', 'held_out')`,
      );
    });
    return this.get(id);
  }

  private async setStatus(idOrCode: string, to: JourneyStatus, from: JourneyStatus[]): Promise<Journey> {
    const r = await this.row(this.db, idOrCode);
    if (!from.includes(r.status as JourneyStatus)) throw conflict('journeys.invalid_status', `journey ${String(r.code)} is ${String(r.status)}; only a ${from.join(' or ')} journey can become ${to}`);
    await query(this.db, sql`update journeys.journeys set status = ${to}, updated_at = ${this.clock.now().toISOString()}::timestamptz where id = ${String(r.id)}::uuid`);
    return this.get(String(r.id));
  }

  // ------------------------------------------------------------------ running

  /** Date, inactivity and schedule triggers at `now` (idempotent per day / run). */
  async scanTriggers(now: Date = this.clock.now()): Promise<{ entered: number; journeys: number }> {
    return this.entry.scan(this.db, now);
  }

  async runDue(now: Date = this.clock.now()): Promise<RunSummary> {
    return this.runner.runDue(now);
  }

  /** Publish under another name (the benchmark's and blueprints' word). */
  async activate(idOrCode: string, _actor?: string): Promise<Journey & { migrated: number }> {
    return this.publish(idOrCode);
  }

  /** How often the in-process runner looks for due steps (ms) when started. */
  pollMs = 1000;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private again = false;
  private onRunnerError: (err: unknown) => void = () => undefined;

  /**
   * An in-process loop running due steps every pollMs and right after an event entered someone (poke): what keeps
   * trigger-to-send latency low where a minute's job would not. The job (scheduleJourneys) stays as the backstop.
   */
  startRunner(onError: (err: unknown) => void = () => undefined): void {
    this.onRunnerError = onError;
    this.timer ??= setInterval(() => this.poke(), this.pollMs);
    this.timer.unref?.();
  }

  poke(): void {
    if (!this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.runDue().catch((err: unknown) => this.onRunnerError(err));
      } while (this.again);
    })().finally(() => (this.running = undefined));
  }

  async stopRunner(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  // ------------------------------------------------------------------ reading

  async enrollments(idOrCode: string, q: { status?: string; step?: string; cursor?: string; limit?: number } = {}): Promise<{ items: Enrollment[]; nextCursor: string | null }> {
    const r = await this.row(this.db, idOrCode);
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const parts = [sql`journey_id = ${String(r.id)}::uuid`];
    if (q.status) parts.push(sql`status = ${q.status}`);
    if (q.step) parts.push(sql`current_step = ${q.step}`);
    if (q.cursor) {
      if (!UUID.test(q.cursor)) throw invalid('journeys.invalid_cursor', 'cursor: not a cursor', [{ path: 'cursor', message: 'not a cursor' }]);
      parts.push(sql`id > ${q.cursor}::uuid`);
    }
    const rows = await query<Row>(this.db, sql`select * from journeys.enrollments where ${sql.join(parts, sql` and `)} order by id limit ${limit + 1}`);
    const items = rows.slice(0, limit).map(toEnrollment);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  /** A customer's passes through journeys, newest first, with the steps each ran. */
  async forCustomer(customerId: string): Promise<Array<Enrollment & { steps: Array<{ seq: number; stepId: string; outcome: string; ranAt: string; detail: Record<string, unknown> }> }>> {
    if (!UUID.test(customerId)) throw invalid('journeys.invalid_customer', 'id: must be a uuid', [{ path: 'id', message: 'must be a uuid' }]);
    const rows = await query<Row>(
      this.db,
      sql`select e.*, j.code as journey_code, j.name as journey_name from journeys.enrollments e join journeys.journeys j on j.id = e.journey_id
          where e.customer_id = ${customerId}::uuid order by e.entered_at desc, e.id limit 200`,
    );
    const ids = rows.map((r) => String(r.id));
    const runs = ids.length
      ? await query<Row>(this.db, sql`select * from journeys.step_runs where customer_id = ${customerId}::uuid and enrollment_id = any(${sql.param(ids)}::uuid[]) order by enrollment_id, seq`)
      : [];
    return rows.map((r) => ({
      ...toEnrollment(r),
      steps: runs
        .filter((s) => String(s.enrollment_id) === String(r.id))
        .map((s) => ({ seq: Number(s.seq), stepId: String(s.step_id), outcome: String(s.outcome), ranAt: iso(s.ran_at)!, detail: json<Record<string, unknown>>(s.detail ?? {}) })),
    }));
  }

  async stats(idOrCode: string): Promise<JourneyStats> {
    const r = await this.row(this.db, idOrCode);
    const id = String(r.id);
    const [v] = await query<{ definition: unknown }>(this.db, sql`select definition from journeys.versions where journey_id = ${id}::uuid and version = ${Number(r.current_version)}`);
    const def = json<Definition>(v!.definition);
    const arms = await query<{ holdout: number; n: number; converted: number; revenue: string; squares: string }>(
      this.db,
      sql`select holdout, count(*)::int as n, count(converted_at)::int as converted, coalesce(sum(revenue_fen), 0)::text as revenue,
            coalesce(sum(revenue_fen::numeric * revenue_fen::numeric), 0)::text as squares
          from journeys.enrollments where journey_id = ${id}::uuid group by holdout`,
    );
    const totals = (h: number) => {
      const a = arms.find((x) => Number(x.holdout) === h);
      return { customers: Number(a?.n ?? 0), converted: Number(a?.converted ?? 0), revenueFen: Number(a?.revenue ?? 0), revenueSquaresFen: Number(a?.squares ?? 0) };
    };
    const byStatus = Object.fromEntries(
      (await query<{ status: string; n: number }>(this.db, sql`select status, count(*)::int as n from journeys.enrollments where journey_id = ${id}::uuid group by status order by status collate "C"`)).map((x) => [x.status, Number(x.n)]),
    );
    const at = await query<{ step: string; n: number }>(
      this.db,
      sql`select current_step as step, count(*)::int as n from journeys.enrollments where journey_id = ${id}::uuid and status = 'active' group by current_step`,
    );
    const ran = await query<{ step_id: string; outcome: string; n: number }>(
      this.db,
      sql`select step_id, outcome, count(*)::int as n from journeys.step_runs where journey_id = ${id}::uuid group by step_id, outcome order by step_id collate "C", outcome collate "C"`,
    );
    const messages = Object.fromEntries(
      (await query<{ status: string; n: number }>(this.db, sql`select status, count(*)::int as n from messaging.messages where journey_id = ${id}::uuid group by status order by status collate "C"`)).map((x) => [
        x.status,
        Number(x.n),
      ]),
    );
    const known = new Set(def.steps.map((s) => s.id));
    const stepIds = [...def.steps.map((s) => s.id), ...[...new Set(ran.map((x) => x.step_id))].filter((s) => !known.has(s))];
    const steps: StepStats[] = stepIds.map((sid) => {
      const s = def.steps.find((x) => x.id === sid);
      const mine = ran.filter((x) => x.step_id === sid);
      return {
        id: sid,
        type: s?.type ?? 'removed',
        name: s?.name ?? null,
        now: Number(at.find((x) => x.step === sid)?.n ?? 0),
        ran: mine.reduce((a, x) => a + Number(x.n), 0),
        outcomes: Object.fromEntries(mine.map((x) => [x.outcome, Number(x.n)])),
      };
    });
    const t = totals(0);
    const h = totals(1);
    return { journeyId: id, code: String(r.code), entered: t.customers + h.customers, treated: t.customers, holdout: h.customers, byStatus, steps, messages, uplift: uplift(t, h) };
  }
}
