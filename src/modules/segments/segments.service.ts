import type { Db } from '../../platform/db/database.js';
import { SegmentReportsService } from './rfm/reports.service.js';
import { RfmService } from './rfm/rfm.service.js';
import { ClustersService } from './clusters/clusters.service.js';
import { MembershipService } from './membership/membership.service.js';
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

  get timeZone(): string {
    return this.deps.timeZone;
  }
}
