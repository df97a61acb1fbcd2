export {
  TiersService,
  TIER_CHANGED,
  TIERS_ACTOR,
  type TierChanged,
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
  growthAndTiersWhenOrdersChange,
  growthBackWhenReturnsRecorded,
  growthAndTiersWhenMembersInteract,
  GROWTH_FROM_ORDERS_SUBSCRIBER,
  GROWTH_BACK_FROM_RETURNS_SUBSCRIBER,
  GROWTH_FROM_ACTIVITY_SUBSCRIBER,
} from './subscribers/growth-and-tiers-when-members-buy-return-or-interact.js';
export { runTiersDaily, scheduleTiersDaily, TIERS_DAILY_JOB, TIERS_DAILY_CRON } from './birthday.js';
