import type { Db } from '../../platform/db/database.js';
import type { CustomersService } from '../customers/index.js';

export class ActivityService {
  constructor(
    readonly db: Db,
    readonly deps: { customers: CustomersService; timeZone: string },
  ) {}
}
