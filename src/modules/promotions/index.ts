export * from './promotions.schemas.js';
export { allocate } from './domain/allocate.js';
export { applyPromotion, priceInOrder, valueOf, inScope, lineAmount, type CartLine, type Scope, type Rule, type Promotion, type Applied, type Priced, type GiftLine } from './domain/rules.js';
export { bestCombination, MAX_COMBINATIONS, type Stacking, type StackablePromotion, type Best } from './domain/combine.js';
export { ineligibility, inHoldout, type Conditions, type CheckoutContext, type Ineligibility } from './domain/eligibility.js';
export {
  PromotionsService,
  PROMOTION_STATUSES,
  toStackable,
  type StoredPromotion,
  type PromotionStatus,
  type PromotionCounters,
  type PromotionLimits,
  type ActivePromotion,
  type NewPromotion,
  type PromotionPatch,
  type PromotionQuery,
  type SampleLine,
  type Preview,
} from './promotions.service.js';
export { registerPromotionsRoutes } from './http/promotions.routes.js';
export {
  CouponsService,
  CODE_ALPHABET,
  couponPromotion,
  randomCodes,
  type Coupon,
  type CouponStatus,
  type CouponTemplate,
  type CouponCandidate,
  type CouponRefusal,
  type CheckoutCoupons,
  type IssueRun,
  type TemplatePurpose,
} from './coupons.service.js';
export {
  scheduleCouponsNightly,
  COUPONS_NIGHTLY_JOB,
  NEW_MEMBER_COUPON_SUBSCRIBER,
  NEW_MEMBER_EVENTS,
  issueNewMemberCouponsWhenCustomersJoin,
} from './coupons.jobs.js';
export { registerCouponsRoutes } from './http/coupons.routes.js';
export {
  CheckoutService,
  parseCart,
  checkoutReturnsWhenReturnsRecorded,
  scheduleCheckoutExpiry,
  CHECKOUT_EXPIRE_JOB,
  CHECKOUT_RETURNS_SUBSCRIBER,
  type Quote,
  type QuoteLine,
  type QuoteApplied,
  type QuoteGift,
  type NotApplied,
  type Allocation,
  type Reservation,
  type ReservationStatus,
} from './checkout.service.js';
export { registerCheckoutRoutes } from './http/checkout.routes.js';
export { PromoResultsService, type PromotionResults, type IssueRunResults, type IssueRunSummary, type HoldoutComparison, type GroupResult } from './results.service.js';
export { registerPromoResultsRoutes } from './http/results.routes.js';
export { sample, welchInterval, twoProportionInterval, studentTQuantile, Z_975, type Sample, type Interval, type WelchInterval } from './domain/stats.js';
