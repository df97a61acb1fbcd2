export {
  TiersService,
  TIER_CHANGED,
  TIERS_ACTOR,
  type TierChanged,
  type TierChanges,
  type TierSet,
  type ReviewCounts,
  type PointsAwarder,
  type GrowthEntryInput,
} from './tiers.service.js';
export {
  TierSetDefinition,
  TIER_PRESETS,
  MEMBERSHIP_PRESET,
  VIP_PRESET,
  tierFor,
  progressFor,
  birthdayIn,
  type TierBenefits,
  type TierPreset,
} from './domain/tiers.js';
export { registerTiersRoutes } from './http/tiers.routes.js';
export {
  growthBackWhenReturnsRecorded,
  growthAndTiersWhenMembersInteract,
  GROWTH_BACK_FROM_RETURNS_SUBSCRIBER,
  GROWTH_FROM_ACTIVITY_SUBSCRIBER,
} from './subscribers/growth-and-tiers-when-members-buy-return-or-interact.js';
export { runTiersDaily, scheduleTiersDaily, TIERS_DAILY_JOB, TIERS_DAILY_CRON } from './birthday.js';
export { ProgramService, pickRules, type ProgramVersion, type VersionedRules } from './program.service.js';
export {
  LedgerService,
  POINTS_EARNED,
  POINTS_REDEEMED,
  POINTS_EXPIRED,
  POINTS_REVERSED,
  POINTS_ADJUSTED,
  type PointsEvent,
  type PointsEvents,
  type Account,
  type StatementEntry,
  type ExpireSummary,
} from './ledger.service.js';
export { RedemptionService, type Reward, type Hold } from './redemption.service.js';
export { ProgramRules, DEFAULT_RULES, EVENT_KINDS, pointsToFen, type EventKind, type ProgramRulesInput } from './domain/program.js';
export { computeEarn, type EarnLine, type EarnFacts, type EarnResult } from './domain/earn.js';
export { registerLedgerRoutes, type LedgerRouteDeps } from './http/ledger.routes.js';
export { ACCRUE_SUBSCRIBER, accrueWhenOrdersPlacedOrImported } from './subscribers/accrue-when-orders-placed-or-imported.js';
export { REVERSE_POINTS_SUBSCRIBER, reversePointsWhenReturnsRecorded } from './subscribers/reverse-points-when-returns-recorded.js';
export { runPointsNightly, schedulePointsNightly, POINTS_NIGHTLY_JOB, POINTS_NIGHTLY_CRON } from './subscribers/expire-points-nightly.js';
export {
  ReferralsService,
  REFERRAL_REWARDED,
  REJECTION_REASONS,
  type Referral,
  type ReferralInput,
  type ReferralOutcome,
  type ReferralRewarded,
  type RejectionReason,
} from './referrals.service.js';
export { BadgesService, BADGE_AWARDED, type Badge, type BadgeAwarded, type BadgeProgress, type EarnedBadge } from './badges.service.js';
export { BadgeInput, BadgeRule, periodOf } from './domain/badges.js';
export { registerEngagementRoutes } from './http/engagement.routes.js';
export { REWARD_REFERRALS_SUBSCRIBER, rewardReferralsWhenOrdersPlaced } from './subscribers/reward-referrals-when-orders-placed.js';
export { AWARD_BADGES_SUBSCRIBER, awardBadgesWhenActivityOrOrdersRecorded } from './subscribers/award-badges-when-activity-or-orders-recorded.js';
export { scheduleSettleReferralsNightly, SETTLE_REFERRALS_JOB, SETTLE_REFERRALS_CRON } from './subscribers/settle-referrals-nightly.js';
