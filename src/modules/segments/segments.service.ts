import type { Db } from '../../platform/db/database.js';
import { SegmentReportsService } from './rfm/reports.service.js';
import { RfmService } from './rfm/rfm.service.js';
import { ClustersService } from './clusters/clusters.service.js';

/**
 * The segments module's entry point, reached as kemai.segments: RFM scores and the value matrix
 * (rfm/), rule and static segments with their membership (rules/, membership/), k-means
 * clusters (clusters/). Each part is a service of its own, hung here.
 */
export class SegmentsService {
  readonly rfm: RfmService;
  readonly clusters: ClustersService;
  readonly reports: SegmentReportsService;

  constructor(
    readonly db: Db,
    readonly deps: { timeZone: string },
  ) {
    this.rfm = new RfmService(db, deps);
    this.clusters = new ClustersService(db, deps);
    this.reports = new SegmentReportsService(db, deps);
  }

  get timeZone(): string {
    return this.deps.timeZone;
  }
}
