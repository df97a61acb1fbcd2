import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { pgArray } from '../../platform/db/arrays.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { RuleInput, RulePatch, type Notify, type ScopeType } from './listening.schemas.js';
import type { NotificationsService } from './notifications.service.js';
import { evaluateRule, nextAlertState, HOUR_MS, type OpenSpike, type SpikeFinding, type SpikeRule } from './spikes/index.js';

export interface Rule {
  id: string;
  name: string;
  scopeType: ScopeType;
  scopeKey: string;
  metric: 'volume' | 'negative_share';
  windowMinutes: number;
  increasePct: number;
  minCount: number;
  alpha: number;
  minNegativeShare: number | null;
  timeZone: string;
  notify: Notify;
  opensCrisis: boolean;
  ownerId: string | null;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string | null;
  scopeType: string;
  scopeKey: string;
  status: 'open' | 'closed';
  openedAt: string;
  lastSeenAt: string;
  closedAt: string | null;
  finding: SpikeFinding;
  peak: SpikeFinding;
  crisisId: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

export interface ScanSummary {
  at: string;
  rules: number;
  scopes: number;
  opened: number;
  updated: number;
  closed: number;
  notices: number;
}

/** Called when a rule with `opensCrisis` opens an alert (the crises module opens one, in the same transaction). */
export type CrisisOpener = (tx: Db, alert: Alert, rule: Rule) => Promise<string | null>;

/** The seeds' example: mentions of a problem up 500 % within an hour. Installed by `ensureDefaults`. */
export const DEFAULT_RULES: ReadonlyArray<Omit<RuleInput, 'notify' | 'timeZone' | 'enabled' | 'opensCrisis' | 'alpha'> & { opensCrisis: boolean }> = [
  { name: '品牌声量 1 小时内 +500% Brand mentions +500% within 1 h', scopeType: 'brand', scopeKey: '*', metric: 'volume', windowMinutes: 60, increasePct: 500, minCount: 30, opensCrisis: false },
  { name: '关键词 1 小时内 +500% A keyword +500% within 1 h', scopeType: 'keyword', scopeKey: '*', metric: 'volume', windowMinutes: 60, increasePct: 500, minCount: 20, opensCrisis: false },
  // The seeds' crisis trigger: a product's mentions up 500 % within the hour open a crisis.
  { name: '单品声量 1 小时内 +500% A product’s mentions +500% within 1 h', scopeType: 'product', scopeKey: '*', metric: 'volume', windowMinutes: 60, increasePct: 500, minCount: 20, opensCrisis: true },
  // A share cannot pass 100 %: against a usual 25–35 % only doubling is possible, so the share rules ask for ×2 and ≥ 40 %.
  { name: '单品负面占比飙升 A product’s negative share spikes', scopeType: 'product', scopeKey: '*', metric: 'negative_share', windowMinutes: 60, increasePct: 100, minCount: 20, minNegativeShare: 0.4, opensCrisis: false },
  { name: '门店负面占比飙升 A store’s negative share spikes', scopeType: 'store', scopeKey: '*', metric: 'negative_share', windowMinutes: 120, increasePct: 100, minCount: 15, minNegativeShare: 0.4, opensCrisis: false },
];

const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
const SERIES_DAYS = 29;
/** Keys of a '*' rule looked at per scan: the busiest of the window. */
const MAX_KEYS = 200;

export function toRule(r: Record<string, unknown>): Rule {
  return {
    id: String(r.id),
    name: String(r.name),
    scopeType: r.scope_type as ScopeType,
    scopeKey: String(r.scope_key),
    metric: r.metric as Rule['metric'],
    windowMinutes: Number(r.window_minutes),
    increasePct: Number(r.increase_pct),
    minCount: Number(r.min_count),
    alpha: Number(r.alpha),
    minNegativeShare: r.min_negative_share == null ? null : Number(r.min_negative_share),
    timeZone: String(r.time_zone),
    notify: r.notify as Notify,
    opensCrisis: Boolean(r.opens_crisis),
    ownerId: (r.owner_id as string | null) ?? null,
    enabled: Boolean(r.enabled),
    createdBy: String(r.created_by),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export function toAlert(r: Record<string, unknown>): Alert {
  return {
    id: String(r.id),
    ruleId: String(r.rule_id),
    ruleName: (r.rule_name as string | null) ?? null,
    scopeType: String(r.scope_type),
    scopeKey: String(r.scope_key),
    status: r.status as Alert['status'],
    openedAt: iso(r.opened_at)!,
    lastSeenAt: iso(r.last_seen_at)!,
    closedAt: iso(r.closed_at),
    finding: r.finding as SpikeFinding,
    peak: r.peak as SpikeFinding,
    crisisId: (r.crisis_id as string | null) ?? null,
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    acknowledgedAt: iso(r.acknowledged_at),
  };
}

const spikeRule = (r: Rule): SpikeRule => ({
  id: r.id,
  metric: r.metric,
  windowMinutes: r.windowMinutes,
  increasePct: r.increasePct,
  minCount: r.minCount,
  alpha: r.alpha,
  ...(r.minNegativeShare !== null ? { minNegativeShare: r.minNegativeShare } : {}),
});

function checkZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw invalid('listening.bad_time_zone', `timeZone: unknown time zone ${tz}`, [{ path: 'timeZone', message: 'unknown time zone' }]);
  }
}

/** Describes a finding for people: "关键词 起球: 84 mentions in the hour to 21:00, expected 6.2 (+1255 %)". */
export function describe(rule: Rule, scopeKey: string, f: SpikeFinding): { subject: string; body: string } {
  const what = rule.metric === 'volume' ? `${f.observed} 条提及 mentions (预期 expected ${f.expected.toFixed(1)}, +${Math.round(f.increasePct)}%)` : `负面占比 negative share ${Math.round(f.negativeShare * 100)}% (基线 baseline ${Math.round(f.baselineShare * 100)}%, n=${f.observed})`;
  const scope = rule.scopeType === 'brand' ? '品牌 brand' : `${rule.scopeType} ${scopeKey}`;
  return { subject: `舆情预警 Spike: ${scope} — ${rule.name}`, body: `${scope}: ${what}, ${new Date(f.windowStart).toISOString()} – ${new Date(f.windowEnd).toISOString()}, p = ${f.pValue.toExponential(2)}` };
}

/**
 * Spike rules and their alerts. `scan` (a job every 5 minutes) evaluates each enabled rule on the hourly stats — the
 * window ends at the end of the current hour, so a spike is seen while the hour is still running — opens an alert when
 * a rule fires (one open alert per rule and scope key: the partial unique index makes concurrent scans agree), updates
 * its peak while the spike lasts, closes it after quiet evaluations, and queues the staff notices.
 */
export class AlertsService {
  private readonly clock: Clock;
  private crisisOpener: CrisisOpener | null = null;
  /** Told when a rule's crisis could not open (the alert stays open). */
  onCrisisError: ((err: unknown, alert: Alert) => void) | null = null;
  constructor(
    private readonly db: Db,
    private readonly notifications: NotificationsService,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  /** Lets the crises module open a crisis when a rule with opensCrisis opens an alert. */
  useCrisisOpener(opener: CrisisOpener): void {
    this.crisisOpener = opener;
  }

  async listRules(): Promise<Rule[]> {
    return (await query<Record<string, unknown>>(this.db, sql`select * from listening.rules order by created_at, id`)).map(toRule);
  }

  async getRule(id: string): Promise<Rule> {
    const r = await queryOne<Record<string, unknown>>(this.db, sql`select * from listening.rules where id = ${id}::uuid`);
    if (!r) throw notFound('listening.rule_not_found', `no rule ${id}`);
    return toRule(r);
  }

  async createRule(input: unknown, actor: string): Promise<Rule> {
    const v = RuleInput.parse(input);
    checkZone(v.timeZone);
    const id = newId();
    const now = this.clock.now().toISOString();
    await this.db.execute(
      sql`insert into listening.rules (id, name, scope_type, scope_key, metric, window_minutes, increase_pct, min_count, alpha, min_negative_share, time_zone, notify, opens_crisis, owner_id, enabled, created_by, created_at, updated_at)
          values (${id}::uuid, ${v.name}, ${v.scopeType}, ${v.scopeType === 'brand' ? '*' : v.scopeKey}, ${v.metric}, ${v.windowMinutes}, ${v.increasePct}, ${v.minCount}, ${v.alpha},
                  ${v.minNegativeShare ?? null}, ${v.timeZone}, ${JSON.stringify(v.notify)}::jsonb, ${v.opensCrisis}, ${v.ownerId ?? null}::uuid, ${v.enabled}, ${actor}, ${now}::timestamptz, ${now}::timestamptz)`,
    );
    return this.getRule(id);
  }

  async updateRule(id: string, patch: unknown): Promise<Rule> {
    const p = RulePatch.parse(patch);
    const current = await this.getRule(id);
    const { id: _id, createdBy: _by, createdAt: _at, updatedAt: _up, minNegativeShare, ownerId, ...rest } = current;
    const merged = RuleInput.parse({ ...rest, ...(minNegativeShare !== null ? { minNegativeShare } : {}), ...(ownerId !== null ? { ownerId } : {}), ...p });
    checkZone(merged.timeZone);
    await this.db.execute(
      sql`update listening.rules set name = ${merged.name}, scope_type = ${merged.scopeType}, scope_key = ${merged.scopeType === 'brand' ? '*' : merged.scopeKey}, metric = ${merged.metric},
            window_minutes = ${merged.windowMinutes}, increase_pct = ${merged.increasePct}, min_count = ${merged.minCount}, alpha = ${merged.alpha},
            min_negative_share = ${merged.minNegativeShare ?? null}, time_zone = ${merged.timeZone}, notify = ${JSON.stringify(merged.notify)}::jsonb,
            opens_crisis = ${merged.opensCrisis}, owner_id = ${merged.ownerId ?? null}::uuid, enabled = ${merged.enabled}, updated_at = ${this.clock.now().toISOString()}::timestamptz
          where id = ${id}::uuid`,
    );
    return this.getRule(id);
  }

  /** Deletes a rule; its alerts stay (closed if open). */
  async deleteRule(id: string): Promise<void> {
    await this.getRule(id);
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`update listening.alerts set status = 'closed', closed_at = ${this.clock.now().toISOString()}::timestamptz where rule_id = ${id}::uuid and status = 'open'`);
      await tx.execute(sql`delete from listening.rules where id = ${id}::uuid`);
    });
  }

  /** Installs the default rules when there are none. */
  async ensureDefaults(actor: string, notify: Partial<Notify> = {}): Promise<Rule[]> {
    const existing = await this.listRules();
    if (existing.length > 0) return existing;
    for (const r of DEFAULT_RULES) await this.createRule({ ...r, notify: { console: true, emails: [], webhooks: [], ...notify } }, actor);
    return this.listRules();
  }

  async listAlerts(q: { status: 'open' | 'closed' | 'all'; limit: number }): Promise<Alert[]> {
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select a.*, r.name as rule_name from listening.alerts a left join listening.rules r on r.id = a.rule_id
          ${q.status === 'all' ? sql`` : sql`where a.status = ${q.status}`} order by a.opened_at desc, a.id desc limit ${q.limit}`,
    );
    return rows.map(toAlert);
  }

  async getAlert(id: string, tx: Db = this.db): Promise<Alert> {
    const r = await queryOne<Record<string, unknown>>(tx, sql`select a.*, r.name as rule_name from listening.alerts a left join listening.rules r on r.id = a.rule_id where a.id = ${id}::uuid`);
    if (!r) throw notFound('listening.alert_not_found', `no alert ${id}`);
    return toAlert(r);
  }

  async acknowledge(id: string, actor: string): Promise<Alert> {
    const a = await this.getAlert(id);
    if (a.acknowledgedAt) throw conflict('listening.already_acknowledged', `acknowledged by ${a.acknowledgedBy} at ${a.acknowledgedAt}`);
    await this.db.execute(sql`update listening.alerts set acknowledged_by = ${actor}, acknowledged_at = ${this.clock.now().toISOString()}::timestamptz where id = ${id}::uuid and acknowledged_at is null`);
    return this.getAlert(id);
  }

  /** The scope keys a rule looks at now: its own key, or the busiest keys of the window plus those with an open alert. */
  private async keysOf(rule: Rule, windowStart: Date): Promise<string[]> {
    if (rule.scopeType === 'brand') return ['*'];
    if (rule.scopeKey !== '*') return [rule.scopeKey];
    const rows = await query<{ k: string }>(
      this.db,
      sql`(select scope_key as k from listening.hourly_stats where scope_type = ${rule.scopeType} and hour >= ${windowStart.toISOString()}::timestamptz
           group by scope_key having sum(mentions) >= ${rule.minCount} order by sum(mentions) desc limit ${MAX_KEYS})
          union select scope_key from listening.alerts where rule_id = ${rule.id}::uuid and status = 'open'`,
    );
    return rows.map((r) => r.k).sort();
  }

  /** Evaluates every enabled rule now (or at `at`); see the class comment. */
  async scan(at: Date = this.clock.now()): Promise<ScanSummary> {
    const windowEnd = new Date(Math.ceil((at.getTime() + 1) / HOUR_MS) * HOUR_MS);
    const rules = (await this.listRules()).filter((r) => r.enabled);
    const out: ScanSummary = { at: at.toISOString(), rules: rules.length, scopes: 0, opened: 0, updated: 0, closed: 0, notices: 0 };
    // Hours before listening began are unknown, not quiet: the history starts at the first hour anything was heard.
    const first = await queryOne<{ h: Date | string | null }>(this.db, sql`select min(hour) as h from listening.hourly_stats where scope_type = 'brand'`);
    const heardFrom = first?.h ? new Date(first.h).getTime() : windowEnd.getTime();
    for (const rule of rules) {
      const windowStart = new Date(windowEnd.getTime() - rule.windowMinutes * 60_000);
      const keys = await this.keysOf(rule, windowStart);
      if (keys.length === 0) continue;
      const since = new Date(Math.min(windowEnd.getTime() - HOUR_MS, Math.max(windowEnd.getTime() - SERIES_DAYS * 86_400_000, heardFrom)));
      const rows = await query<{ k: string; hour: Date | string; m: number; n: number }>(
        this.db,
        sql`select scope_key as k, hour, mentions as m, negatives as n from listening.hourly_stats
            where scope_type = ${rule.scopeType} and scope_key = any(${pgArray(keys, 'text')}) and hour >= ${since.toISOString()}::timestamptz and hour < ${windowEnd.toISOString()}::timestamptz`,
      );
      const byKey = new Map<string, Array<{ hour: Date; mentions: number; negatives: number }>>();
      for (const r of rows) {
        let list = byKey.get(r.k);
        if (!list) byKey.set(r.k, (list = []));
        list.push({ hour: new Date(r.hour), mentions: r.m, negatives: r.n });
      }
      const open = new Set(
        (await query<{ k: string }>(this.db, sql`select scope_key as k from listening.alerts where rule_id = ${rule.id}::uuid and status = 'open'`)).map((r) => r.k),
      );
      for (const key of keys) {
        out.scopes++;
        const finding = evaluateRule(spikeRule(rule), { buckets: byKey.get(key) ?? [], historyStart: since }, windowEnd, rule.timeZone);
        if (!finding && !open.has(key)) continue;
        const r = await this.apply(rule, key, finding, at);
        if (r.action === 'open') out.opened++;
        else if (r.action === 'update') out.updated++;
        else if (r.action === 'close') out.closed++;
        out.notices += r.notices;
      }
    }
    return out;
  }

  /** One rule and key's evaluation applied to its open alert (in one transaction, the open alert locked). */
  private async apply(rule: Rule, key: string, finding: SpikeFinding | null, at: Date): Promise<{ action: string; notices: number }> {
    return this.db.transaction(async (tx) => {
      const open = await queryOne<Record<string, unknown>>(
        tx,
        sql`select * from listening.alerts where rule_id = ${rule.id}::uuid and scope_type = ${rule.scopeType} and scope_key = ${key} and status = 'open' for update`,
      );
      if (!open && !finding) return { action: 'none', notices: 0 };
      const previous = open ? (open.state as OpenSpike) : null;
      const next = nextAlertState(previous, finding, at);
      const now = at.toISOString();
      if (next.action === 'open') {
        const id = newId();
        const inserted = await query<{ id: string }>(
          tx,
          sql`insert into listening.alerts (id, rule_id, scope_type, scope_key, status, opened_at, last_seen_at, finding, peak, state)
              values (${id}::uuid, ${rule.id}::uuid, ${rule.scopeType}, ${key}, 'open', ${now}::timestamptz, ${now}::timestamptz,
                      ${JSON.stringify(finding)}::jsonb, ${JSON.stringify(finding)}::jsonb, ${JSON.stringify(next.state)}::jsonb)
              on conflict (rule_id, scope_type, scope_key) where status = 'open' do nothing returning id`,
        );
        if (inserted.length === 0) return { action: 'none', notices: 0 };
        const alert = await this.getAlert(id, tx);
        const text = describe(rule, key, finding!);
        let notices = await this.notifications.queue(tx, rule.notify, { kind: 'spike', alertId: id, subject: text.subject, body: text.body, payload: { ruleId: rule.id, scopeType: rule.scopeType, scopeKey: key, finding } });
        // A spike back in a scope whose crisis is still running joins that crisis instead of opening another.
        const running = rule.opensCrisis
          ? await queryOne<{ id: string }>(tx, sql`select id from listening.crises where status <> 'closed' and scope_type = ${rule.scopeType} and scope_key = ${key} order by opened_at desc limit 1`)
          : undefined;
        if (running) {
          await tx.execute(sql`update listening.alerts set crisis_id = ${running.id}::uuid where id = ${id}::uuid`);
          await tx.execute(
            sql`insert into listening.crisis_events (id, crisis_id, kind, actor, at, body, detail)
                values (${newId()}::uuid, ${running.id}::uuid, 'alert', 'system:listening', ${now}::timestamptz, ${text.body}, ${JSON.stringify({ alertId: id, ruleId: rule.id })}::jsonb)`,
          );
        } else if (rule.opensCrisis && this.crisisOpener) {
          // In a savepoint: a crisis that cannot open (no owner to give it) leaves the alert and its notices standing.
          const opener = this.crisisOpener;
          const crisisId = await tx.transaction((sp) => opener(sp, alert, rule)).catch((err: unknown) => {
            this.onCrisisError?.(err, alert);
            return null;
          });
          if (crisisId) notices++;
        }
        return { action: 'open', notices };
      }
      if (!open) return { action: 'none', notices: 0 };
      if (next.action === 'update') {
        const peak = open.peak as SpikeFinding;
        const higher = finding && (rule.metric === 'volume' ? finding.observed > peak.observed : finding.negativeShare > peak.negativeShare);
        await tx.execute(
          sql`update listening.alerts set last_seen_at = ${now}::timestamptz, finding = ${JSON.stringify(finding)}::jsonb, state = ${JSON.stringify(next.state)}::jsonb
              ${higher ? sql`, peak = ${JSON.stringify(finding)}::jsonb` : sql``} where id = ${String(open.id)}::uuid`,
        );
        return { action: 'update', notices: 0 };
      }
      if (next.action === 'close') {
        await tx.execute(sql`update listening.alerts set status = 'closed', closed_at = ${now}::timestamptz, state = ${JSON.stringify(next.state)}::jsonb where id = ${String(open.id)}::uuid`);
        return { action: 'close', notices: 0 };
      }
      await tx.execute(sql`update listening.alerts set state = ${JSON.stringify(next.state)}::jsonb where id = ${String(open.id)}::uuid`);
      return { action: 'none', notices: 0 };
    });
  }
}
