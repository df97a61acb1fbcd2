import type { Db } from '../../../platform/db/database.js';

/** RFM per customer as of a date, the seeds' four value classes, the named RFM segments and the value matrix. */
export class RfmService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}
}
