import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { conflict, invalid, zodIssues } from '../../platform/errors.js';
import { DEFAULT_RULES, ProgramRules } from './domain/program.js';

export interface ProgramVersion {
  version: number;
  effectiveFrom: Date;
  rules: ProgramRules;
  note: string | null;
  createdBy: string;
  createdAt: Date;
}

export type VersionedRules = ProgramRules & { version: number };

/** The version in force at `at` among versions sorted by effectiveFrom ascending; the default programme (0) before any. */
export function pickRules(versions: readonly ProgramVersion[], at: Date): VersionedRules {
  let found: ProgramVersion | undefined;
  for (const v of versions) {
    if (v.effectiveFrom.getTime() <= at.getTime()) found = v;
    else break;
  }
  return found ? { ...found.rules, version: found.version } : { ...DEFAULT_RULES, version: 0 };
}

/**
 * The programme's rules, versioned with effective dates. A version takes effect at its
 * effectiveFrom and is never edited: a change is a new version (n + 1) that starts at or after
 * now and after every existing one, so what earned points in the past stays explainable.
 */
export class ProgramService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Every version, oldest first. Rules are re-parsed so fields added later get their defaults. */
  async versions(db: Db = this.db): Promise<ProgramVersion[]> {
    const rows = await query<{ version: number; effective_from: string | Date; rules: unknown; note: string | null; created_by: string; created_at: string | Date }>(
      db,
      sql`select version, effective_from, rules, note, created_by, created_at from loyalty.program_versions order by effective_from`,
    );
    return rows.map((r) => ({
      version: r.version,
      effectiveFrom: new Date(r.effective_from),
      rules: ProgramRules.parse(r.rules),
      note: r.note,
      createdBy: r.created_by,
      createdAt: new Date(r.created_at),
    }));
  }

  /** The rules in force at an instant (the default programme when no version exists yet), with their version (0 = default). */
  async rulesAt(db: Db, at: Date): Promise<VersionedRules> {
    const rows = await query<{ version: number; rules: unknown }>(
      db,
      sql`select version, rules from loyalty.program_versions where effective_from <= ${at.toISOString()}::timestamptz
          order by effective_from desc limit 1`,
    );
    const row = rows[0];
    return row ? { ...ProgramRules.parse(row.rules), version: row.version } : { ...DEFAULT_RULES, version: 0 };
  }

  /** The rules in force now. */
  async current(): Promise<VersionedRules> {
    return this.rulesAt(this.db, this.clock.now());
  }

  /**
   * Version n + 1 from `effectiveFrom` (default now). `rules` is a full or partial rules document:
   * what it leaves out takes the defaults (not the previous version's values), so each version
   * reads on its own. Errors name the field (`rules.earn.points`, `effectiveFrom`).
   */
  async createVersion(input: { rules: unknown; effectiveFrom?: Date | undefined; note?: string | undefined }, actor: string): Promise<ProgramVersion> {
    const parsed = ProgramRules.safeParse(input.rules ?? {});
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues).map((i) => ({ ...i, path: i.path === '(root)' ? 'rules' : `rules.${i.path}` }));
      throw invalid('loyalty.rules_invalid', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    const now = this.clock.now();
    // A second of slack: "now" computed by the caller a moment ago is still now.
    const effectiveFrom = input.effectiveFrom ?? now;
    if (effectiveFrom.getTime() < now.getTime() - 1000)
      throw invalid('loyalty.effective_in_past', 'effectiveFrom: must not be in the past', [{ path: 'effectiveFrom', message: 'must not be in the past' }]);
    return this.db.transaction(async (tx) => {
      // One writer at a time: the version number and the "after every existing one" check.
      await tx.execute(sql`lock table loyalty.program_versions in exclusive mode`);
      const [last] = await query<{ version: number; effective_from: string | Date }>(
        tx,
        sql`select version, effective_from from loyalty.program_versions order by version desc limit 1`,
      );
      if (last && new Date(last.effective_from).getTime() >= effectiveFrom.getTime())
        throw conflict('loyalty.effective_not_after_last', `effectiveFrom must be after version ${last.version}'s (${new Date(last.effective_from).toISOString()})`, {
          issues: [{ path: 'effectiveFrom', message: `must be after ${new Date(last.effective_from).toISOString()}` }],
        });
      const version = (last?.version ?? 0) + 1;
      const [row] = await query<{ created_at: string | Date }>(
        tx,
        sql`insert into loyalty.program_versions (version, effective_from, rules, note, created_by)
            values (${version}, ${effectiveFrom.toISOString()}::timestamptz, ${JSON.stringify(parsed.data)}::jsonb, ${input.note ?? null}, ${actor})
            returning created_at`,
      );
      return { version, effectiveFrom, rules: parsed.data, note: input.note ?? null, createdBy: actor, createdAt: new Date(row!.created_at) };
    });
  }
}
