import type { Db } from '../../platform/db/database.js';
import { RfmService } from './rfm/rfm.service.js';

/**
 * The segments module's entry point, reached as kemai.segments: RFM scores and the value matrix
 * (rfm/), rule and static segments with their membership (rules/, membership/), k-means
 * clusters (clusters/). Each part is a service of its own, hung here.
 */
export class SegmentsService {
  readonly rfm: RfmService;

  constructor(
    readonly db: Db,
    readonly deps: { timeZone: string },
  ) {
    this.rfm = new RfmService(db, deps);
  }

  get timeZone(): string {
    return this.deps.timeZone;
  }
}
