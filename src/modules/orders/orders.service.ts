import type { Db } from '../../platform/db/database.js';
import type { CustomersService } from '../customers/index.js';
import type { CatalogService } from '../catalog/index.js';

export class OrdersService {
  constructor(
    readonly db: Db,
    readonly deps: { customers: CustomersService; catalog: CatalogService; timeZone: string },
  ) {}
}
