export { encodeBaskets, basketsOf, minCountFor, type Transactions } from './domain/transactions.js';
export { fpGrowth, type FrequentItemset, type FpGrowthOptions } from './domain/fpgrowth.js';
export { generateRules, measures, ItemsetCounts, type RuleById, type RuleOptions, type Measures } from './domain/rules.js';
export {
  mineItemsets,
  mineRules,
  sortRules,
  formatRule,
  type Itemset,
  type Rule,
  type RuleSort,
  type ItemsetMining,
  type RuleMining,
  type MiningOptions,
  type RuleMiningOptions,
} from './domain/mine.js';
export { frequentlyBoughtTogether, crossSell, bundles, type Recommendation, type RankOptions, type Bundle, type BundleOptions } from './domain/recommend.js';
export {
  buildModel,
  recommendFor,
  popularFor,
  dayOf,
  dateOf,
  type DatedBasket,
  type ModelOptions,
  type RecommendOptions,
  type PersonalModel,
  type PersonalRecommendation,
  type ReasonKind,
} from './domain/personal.js';
export { evaluate, averagePrecision, type Evaluation, type EvaluationOptions, type Metrics } from './domain/evaluate.js';
export { readBasketFile, defaultSeparator, BasketFileError, type BasketFile, type BasketFileOptions, type BasketFormat, type BasketSeparator } from './basket-file.js';
export { readHistoryFile, type HistoryFile, type HistoryFileOptions } from './history-file.js';
export {
  BasketService,
  BASKET_LEVELS,
  DEFAULT_SUGGEST_SUPPORT,
  DEFAULT_MODEL_MAX_AGE_MS,
  type PersonalQuery,
  type PersonalResult,
  type NamedItem,
  type EvaluationQuery,
  type BasketLevel,
  type BasketFilters,
  type RulesQuery,
  type SuggestQuery,
  type BundlesQuery,
  type RulesResult,
  type SuggestResult,
  type BundlesResult,
} from './basket.service.js';
export { registerBasketRoutes } from './http/basket.routes.js';
