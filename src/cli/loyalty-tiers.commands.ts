import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { asOfOption, withBackend } from './context.js';
import type { ReviewCounts } from '../modules/loyalty/index.js';

type ReviewResult = ReviewCounts & { tierSet: string; asOf: string; dryRun: boolean };

/** `kemai loyalty review-tiers [--as-of DATE] [--dry-run]`: the yearly tier review, on the `loyalty` command. */
export function addReviewTiersCommand(loyalty: Command): void {
  loyalty
    .command('review-tiers')
    .description('Run the yearly tier review: upgrades, graces for members below their tier, downgrades where a grace ran out, ended manual tiers')
    .option('--as-of <date>', 'review as of this date (midnight, business time zone) or instant; default now')
    .option('--dry-run', 'only count what the review would do')
    .option('--json', 'machine-readable output')
    .action(async (o: { asOf?: string; dryRun?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const asOf = asOfOption(o.asOf, config.timeZone);
      const dryRun = !!o.dryRun;
      const r = await withBackend(
        async (b) =>
          b.mode === 'direct'
            ? b.kemai.tiers.reviewTiers(asOf, { dryRun, actor: 'cli' })
            : b.api.call<ReviewResult>('POST', '/api/v1/loyalty/tiers/review', { asOf: asOf.toISOString(), dryRun }),
        { config },
      );
      console.log(
        o.json
          ? JSON.stringify(r, null, 2)
          : `${r.dryRun ? 'Would change' : 'Changed'} tiers in ${r.tierSet} as of ${r.asOf}: ` +
              `${r.upgraded} upgraded, ${r.downgraded} downgraded, ${r.graceStarted} in grace, ${r.requalified} requalified, ` +
              `${r.manualEnded} manual ended, ${r.assigned} placed`,
      );
    });
}

/** Adds the tier commands to `kemai loyalty` (created here when the ledger's commands have not made it). */
export function registerLoyaltyTiersCommands(program: Command): void {
  const loyalty = program.commands.find((c) => c.name() === 'loyalty') ?? program.command('loyalty').description('Loyalty: points, tiers, referrals, badges');
  addReviewTiersCommand(loyalty);
}
