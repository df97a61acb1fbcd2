import type { VariableProvider } from '../messaging.contract.js';
import { NearbyStoresProvider } from './nearby-stores.js';
import { RecommendationProvider, type BasketModelSource } from './recommendation.js';
import { WinBackOfferProvider } from './win-back.js';
import { ReferralLinkProvider, type ReferralCodes } from './referral-link.js';
import { TierProvider, type ActiveTierSet } from './tier.js';

export { haversineKm, boundingBox, EARTH_RADIUS_KM, type LatLng } from './geo.js';
export { NearbyStoresProvider, NEARBY_RADIUS_KM, NEARBY_MAX, formatKm } from './nearby-stores.js';
export { RecommendationProvider, type BasketModelSource } from './recommendation.js';
export { WinBackOfferProvider, winBackDiscount, WIN_BACK_BANDS } from './win-back.js';
export { ReferralLinkProvider, type ReferralCodes } from './referral-link.js';
export { TierProvider, benefitsText, type ActiveTierSet } from './tier.js';

/** The personalisation variables of the ready-made journeys, for the send-time preparer's registry. */
export function personalisationProviders(deps: { basket: BasketModelSource; referrals: ReferralCodes; tiers: ActiveTierSet }): VariableProvider[] {
  return [
    new NearbyStoresProvider(),
    new RecommendationProvider(deps.basket),
    new WinBackOfferProvider(),
    new ReferralLinkProvider(deps.referrals),
    new TierProvider(deps.tiers),
  ];
}
