import type { DemoChannel } from './calendar.js';
import type { Category, PriceBand } from './catalog.data.js';
import type { FamilyStage, IncomeBand } from './people.data.js';

/**
 * The kinds of customer the source articles describe (价格敏感型、品质追求型、社交属性型, new
 * mothers, …). Each persona drives who the person is and how they buy; segmentation and
 * clustering later have to find these groups again from behaviour alone.
 */
export interface Persona {
  key: PersonaKey;
  label: string;
  /** Fraction of the people. */
  population: number;
  age: [number, number];
  female: number;
  occupations: Readonly<Record<string, number>>;
  income: Readonly<Partial<Record<IncomeBand, number>>>;
  family: Readonly<Partial<Record<FamilyStage, number>>>;
  /** Probability of using each channel at all. */
  channels: Readonly<Record<DemoChannel, number>>;
  /** Relative share of orders among the channels the person uses. */
  channelMix: Readonly<Record<DemoChannel, number>>;
  /** Mean orders a year while active, before the person's own heaviness factor. */
  ordersPerYear: number;
  /** How strongly the person answers shopping festivals (1 = like everyone). */
  promoSensitivity: number;
  categories: Readonly<Partial<Record<Category, number>>>;
  bands: Readonly<Record<PriceBand, number>>;
  /** Chance of each further line in a basket (geometric). */
  moreLines: number;
  member: number;
  email: number;
  /** Per order: chance of sharing it / reviewing it. */
  share: number;
  review: number;
  /** Browsing sessions a year that end without an order. */
  browsePerYear: number;
}

export type PersonaKey =
  | 'price_sensitive'
  | 'quality_seeking'
  | 'social_sharer'
  | 'new_mother'
  | 'office_worker'
  | 'student'
  | 'senior'
  | 'family_shopper'
  | 'browser';

export const PERSONAS: readonly Persona[] = [
  {
    key: 'price_sensitive',
    label: '价格敏感',
    population: 0.2,
    age: [25, 55],
    female: 0.65,
    occupations: { 企业职员: 4, 销售: 2, 个体经营: 2, 自由职业: 1, 工厂技术员: 1 },
    income: { under_5k: 3, '5k_10k': 4.5, '10k_20k': 2, '20k_50k': 0.5 },
    family: { single: 3, couple: 2, young_children: 2, school_children: 2, empty_nest: 1 },
    channels: { pos: 0.5, online: 0.85, miniprogram: 0.5 },
    channelMix: { pos: 1, online: 2, miniprogram: 1 },
    ordersPerYear: 2.1,
    promoSensitivity: 2.5,
    categories: { 服装: 2, 美妆: 2, 食品: 3, 母婴: 0.5, 家居: 2.5 },
    bands: { low: 0.7, mid: 0.27, high: 0.03 },
    moreLines: 0.42,
    member: 0.6,
    email: 0.35,
    share: 0.04,
    review: 0.08,
    browsePerYear: 2.5,
  },
  {
    key: 'quality_seeking',
    label: '品质追求',
    population: 0.13,
    age: [28, 50],
    female: 0.6,
    occupations: { 企业管理者: 3, 医生: 1.5, 律师: 1, 设计师: 1.5, 工程师: 2, 金融从业者: 2 },
    income: { '5k_10k': 0.5, '10k_20k': 3.5, '20k_50k': 4.5, over_50k: 1.5 },
    family: { single: 2, couple: 3, young_children: 2, school_children: 2 },
    channels: { pos: 0.85, online: 0.6, miniprogram: 0.4 },
    channelMix: { pos: 2, online: 1, miniprogram: 0.6 },
    ordersPerYear: 1.7,
    promoSensitivity: 0.5,
    categories: { 服装: 3.5, 美妆: 3, 食品: 1.5, 家居: 2 },
    bands: { low: 0.1, mid: 0.45, high: 0.45 },
    moreLines: 0.32,
    member: 0.8,
    email: 0.55,
    share: 0.05,
    review: 0.12,
    browsePerYear: 1.5,
  },
  {
    key: 'social_sharer',
    label: '社交分享',
    population: 0.12,
    age: [20, 35],
    female: 0.8,
    occupations: { 新媒体运营: 2, 设计师: 1.5, 销售: 1, 企业职员: 2, 自由职业: 1.5 },
    income: { under_5k: 1, '5k_10k': 4.5, '10k_20k': 3.5, '20k_50k': 1 },
    family: { single: 6, couple: 3, young_children: 1 },
    channels: { pos: 0.5, online: 0.6, miniprogram: 0.9 },
    channelMix: { pos: 0.8, online: 1, miniprogram: 2 },
    ordersPerYear: 2.2,
    promoSensitivity: 1.3,
    categories: { 服装: 3.5, 美妆: 4, 食品: 1.5, 家居: 1 },
    bands: { low: 0.35, mid: 0.5, high: 0.15 },
    moreLines: 0.38,
    member: 0.75,
    email: 0.4,
    share: 0.45,
    review: 0.35,
    browsePerYear: 3,
  },
  {
    key: 'new_mother',
    label: '新手妈妈',
    population: 0.09,
    age: [24, 36],
    female: 1,
    occupations: { 企业职员: 3, 教师: 1.5, 护士: 1, 全职妈妈: 2.5, 设计师: 1 },
    income: { under_5k: 1, '5k_10k': 3.5, '10k_20k': 4, '20k_50k': 1.5 },
    family: { new_parent: 1 },
    channels: { pos: 0.55, online: 0.8, miniprogram: 0.75 },
    channelMix: { pos: 0.7, online: 1.5, miniprogram: 1.2 },
    ordersPerYear: 1.2,
    promoSensitivity: 1.5,
    categories: { 服装: 1.5, 美妆: 1.5, 食品: 1.5, 母婴: 4.5, 家居: 1 },
    bands: { low: 0.3, mid: 0.5, high: 0.2 },
    moreLines: 0.42,
    member: 0.85,
    email: 0.45,
    share: 0.15,
    review: 0.2,
    browsePerYear: 2.5,
  },
  {
    key: 'office_worker',
    label: '都市白领',
    population: 0.17,
    age: [23, 40],
    female: 0.55,
    occupations: { 企业职员: 4, 程序员: 2, 会计: 1, 市场专员: 1.5, 公务员: 1, 销售: 1 },
    income: { under_5k: 0.5, '5k_10k': 3, '10k_20k': 4.5, '20k_50k': 2 },
    family: { single: 4, couple: 3, young_children: 2 },
    channels: { pos: 0.55, online: 0.85, miniprogram: 0.6 },
    channelMix: { pos: 0.8, online: 1.6, miniprogram: 1 },
    ordersPerYear: 2.1,
    promoSensitivity: 1.1,
    categories: { 服装: 3, 美妆: 2.5, 食品: 2.5, 母婴: 0.5, 家居: 1.5 },
    bands: { low: 0.35, mid: 0.5, high: 0.15 },
    moreLines: 0.34,
    member: 0.65,
    email: 0.6,
    share: 0.08,
    review: 0.1,
    browsePerYear: 2,
  },
  {
    key: 'student',
    label: '学生党',
    population: 0.09,
    age: [18, 23],
    female: 0.6,
    occupations: { 学生: 1 },
    income: { under_5k: 9, '5k_10k': 1 },
    family: { single: 1 },
    channels: { pos: 0.35, online: 0.7, miniprogram: 0.8 },
    channelMix: { pos: 0.6, online: 1.2, miniprogram: 1.5 },
    ordersPerYear: 1.6,
    promoSensitivity: 1.8,
    categories: { 服装: 3.5, 美妆: 3.5, 食品: 2.5, 家居: 0.5 },
    bands: { low: 0.75, mid: 0.23, high: 0.02 },
    moreLines: 0.3,
    member: 0.5,
    email: 0.55,
    share: 0.2,
    review: 0.15,
    browsePerYear: 3,
  },
  {
    key: 'senior',
    label: '银发族',
    population: 0.08,
    age: [60, 75],
    female: 0.55,
    occupations: { 退休: 9, 个体经营: 1 },
    income: { under_5k: 4.5, '5k_10k': 4.5, '10k_20k': 1 },
    family: { empty_nest: 1, retired: 2 },
    channels: { pos: 0.95, online: 0.15, miniprogram: 0.35 },
    channelMix: { pos: 3, online: 0.3, miniprogram: 0.5 },
    ordersPerYear: 2.2,
    promoSensitivity: 0.6,
    categories: { 服装: 1.5, 美妆: 0.5, 食品: 5, 母婴: 0.5, 家居: 2.5 },
    bands: { low: 0.5, mid: 0.4, high: 0.1 },
    moreLines: 0.45,
    member: 0.7,
    email: 0.05,
    share: 0.02,
    review: 0.02,
    browsePerYear: 0.3,
  },
  {
    key: 'family_shopper',
    label: '家庭采购',
    population: 0.07,
    age: [32, 50],
    female: 0.7,
    occupations: { 企业职员: 3, 教师: 1.5, 个体经营: 1.5, 公务员: 1.5 },
    income: { '5k_10k': 3, '10k_20k': 4.5, '20k_50k': 2, over_50k: 0.5 },
    family: { young_children: 1, school_children: 2 },
    channels: { pos: 0.8, online: 0.7, miniprogram: 0.6 },
    channelMix: { pos: 1.5, online: 1.2, miniprogram: 1 },
    ordersPerYear: 2.9,
    promoSensitivity: 1.2,
    categories: { 服装: 2, 美妆: 1, 食品: 3.5, 母婴: 1, 家居: 2.5 },
    bands: { low: 0.4, mid: 0.45, high: 0.15 },
    moreLines: 0.5,
    member: 0.75,
    email: 0.35,
    share: 0.05,
    review: 0.08,
    browsePerYear: 1.5,
  },
  {
    // Prospects: browse the shop and the mini-program, never buy; half of them sign up.
    key: 'browser',
    label: '浏览未购',
    population: 0.05,
    age: [20, 45],
    female: 0.6,
    occupations: { 企业职员: 3, 学生: 1, 自由职业: 1 },
    income: { under_5k: 2, '5k_10k': 3, '10k_20k': 2 },
    family: { single: 3, couple: 2, young_children: 1 },
    channels: { pos: 0, online: 0.6, miniprogram: 0.4 },
    channelMix: { pos: 0, online: 1, miniprogram: 1 },
    ordersPerYear: 0,
    promoSensitivity: 1,
    categories: { 服装: 3, 美妆: 3, 食品: 2, 家居: 1 },
    bands: { low: 0.5, mid: 0.4, high: 0.1 },
    moreLines: 0,
    member: 0,
    email: 0,
    share: 0,
    review: 0,
    browsePerYear: 4,
  },
];
