import type { Db } from '../../platform/db/database.js';
import { SegmentReportsService } from './rfm/reports.service.js';
import { RfmService } from './rfm/rfm.service.js';
import { ClustersService } from './clusters/clusters.service.js';
import { MembershipService, summarise } from './membership/membership.service.js';
import type { RfmRun, RfmRunInput } from './rfm/rfm.service.js';
import { RuleSegmentsService, type CustomerDirectory } from './rules/rule-segments.service.js';

/**
 * The segments module's entry point, reached as kemai.segments: RFM scores and the value matrix
 * (rfm/), rule and static segments with their membership (rules/, membership/), k-means
 * clusters (clusters/). Each part is a service of its own, hung here.
 */
export class SegmentsService {
  readonly rfm: RfmService;
  readonly clusters: ClustersService;
  readonly reports: SegmentReportsService;
  /** Membership of every segment: full refreshes, incremental updates, entry / exit events, size history. */
  readonly membership: MembershipService;
  /** Rule and static segments: CRUD, live count and sample, static lists, members. */
  readonly lists: RuleSegmentsService;

  constructor(
    readonly db: Db,
    readonly deps: { timeZone: string; defaultRegion?: string; customers?: CustomerDirectory },
  ) {
    this.membership = new MembershipService(db, { timeZone: deps.timeZone });
    this.lists = new RuleSegmentsService(db, this.membership, deps.customers, { timeZone: deps.timeZone, defaultRegion: deps.defaultRegion ?? 'CN' });
    this.rfm = new RfmService(db, deps);
    this.clusters = new ClustersService(db, deps, this.membership);
    this.reports = new SegmentReportsService(db, deps);
  }

  private queueRfmRefresh: ((runId: string) => Promise<string | null>) | undefined;

  /** With a job queue, the members of the segments an RFM run changes are refreshed by a job (see runRfm). */
  useQueue(queue: ((runId: string) => Promise<string | null>) | undefined): void {
    this.queueRfmRefresh = queue;
  }

  /**
   * An RFM run, then the members of every segment that reads its scores (the RFM and value system segments,
   * rule segments with rfm conditions), so `segments.members` and the entered / exited events follow the new
   * scores at once rather than at the nightly refresh. With a job queue (the server) the refresh is a durable
   * job and the run answers at once (a million customers take minutes); without one (tests, scripts) it runs
   * here, after the run's transaction.
   */
  async runRfm(input: RfmRunInput, actor: string): Promise<RfmRun & { members: RfmMembersRefresh }> {
    const run = await this.rfm.run(input, actor);
    if (this.queueRfmRefresh) return { ...run, members: { status: 'queued', jobId: await this.queueRfmRefresh(run.id) } };
    return { ...run, members: { status: 'done', ...summarise(await this.membership.refreshAll({ uses: 'rfm' })) } };
  }

  get timeZone(): string {
    return this.deps.timeZone;
  }
}

export type RfmMembersRefresh =
  | { status: 'queued'; jobId: string | null }
  | { status: 'done'; segments: number; entered: number; exited: number };
