import type { Db } from '../../platform/db/database.js';
import type { CustomerRefInput } from './customers.schemas.js';
import { IdentityResolver, type ResolveContext, type ResolvedRef } from './identity-resolution.js';
import { MergeEngine, type MergeOptions, type MergeParticipant, type MergeResult } from './merge.js';

export type { ResolveContext, ResolvedRef } from './identity-resolution.js';
export type { MergeParticipant, MergeOptions, MergeResult } from './merge.js';

export interface CustomersOptions {
  defaultRegion: string;
  strongIdentifiers: string[];
  timeZone: string;
}

export class CustomersService {
  private readonly mergeEngine = new MergeEngine();
  private readonly resolver: IdentityResolver;

  constructor(
    private readonly db: Db,
    private readonly opts: CustomersOptions,
  ) {
    this.resolver = new IdentityResolver(
      { defaultRegion: opts.defaultRegion, strongTypes: new Set(opts.strongIdentifiers) },
      this.mergeEngine,
    );
  }

  /** Orders, activity and later modules register how to move their records on merge/unmerge. */
  registerMergeParticipant(p: MergeParticipant): void {
    this.mergeEngine.register(p);
  }

  /**
   * Match each ref to one golden profile (creating one when nothing matches) inside the caller's
   * transaction. Batch-friendly: one round of lookups for the whole array. Invalid identifiers or
   * an unknown id throw a validation error (paths `customer.phone`, or `<i>.customer.phone` for
   * several refs) before anything is written.
   */
  async resolveCustomers(tx: Db, refs: CustomerRefInput[], ctx: ResolveContext): Promise<ResolvedRef[]> {
    return this.resolver.resolve(tx, refs, ctx);
  }

  /** Merge `absorbedId` into `survivorId` (in its own transaction unless `tx` is given). */
  async mergeCustomers(survivorId: string, absorbedId: string, opts: MergeOptions, tx?: Db): Promise<MergeResult> {
    if (tx) return this.mergeEngine.merge(tx, survivorId, absorbedId, opts);
    return this.db.transaction((t) => this.mergeEngine.merge(t, survivorId, absorbedId, opts));
  }

  /** Undo a merge: both profiles and every moved record come back as they were. */
  async unmergeCustomers(mergeId: string, actor: string, tx?: Db): Promise<MergeResult> {
    if (tx) return this.mergeEngine.unmerge(tx, mergeId, actor);
    return this.db.transaction((t) => this.mergeEngine.unmerge(t, mergeId, actor));
  }
}
