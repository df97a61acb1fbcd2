import type { Db } from '../../platform/db/database.js';
import type { CustomerRefInput } from './customers.schemas.js';

export interface ResolvedRef {
  /** null for a guest: the ref named no identifier. */
  customerId: string | null;
  created: boolean;
}

/**
 * Modules whose records belong to a customer register here, so a merge moves their records to
 * the survivor and an unmerge moves exactly those records back.
 */
export interface MergeParticipant {
  name: string;
  /** Move every record of `fromId` to `toId`; return the ids moved (kept on the merge). */
  moveRecords(tx: Db, fromId: string, toId: string): Promise<string[]>;
  /** Move the given records back to `toId` (the restored profile). */
  restoreRecords(tx: Db, ids: string[], toId: string): Promise<void>;
}

export interface ResolveContext {
  /** Where the record came from: 'api', 'import:orders', 'demo', … (kept on identifiers). */
  source: string;
  /** Who acts when a merge happens: 'system:identity-resolution' unless a person does it. */
  actor?: string;
}

export class CustomersService {
  private readonly participants: MergeParticipant[] = [];

  constructor(
    private readonly db: Db,
    private readonly opts: { defaultRegion: string; strongIdentifiers: string[]; timeZone: string },
  ) {}

  registerMergeParticipant(p: MergeParticipant): void {
    this.participants.push(p);
  }

  /**
   * Match each ref to one golden profile (creating one when nothing matches) inside the caller's
   * transaction. Batch-friendly: one round of lookups for the whole array.
   */
  async resolveCustomers(_tx: Db, _refs: CustomerRefInput[], _ctx: ResolveContext): Promise<ResolvedRef[]> {
    throw new Error('not implemented yet (issue 3, customers)');
  }
}
