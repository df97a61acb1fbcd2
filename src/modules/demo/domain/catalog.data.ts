import { Random } from './random.js';

/** The demo brand's stores: real districts and coordinates of well-known shopping streets. */
export interface DemoStore {
  code: string;
  name: string;
  city: string;
  district: string;
  address: string;
  lat: number;
  lng: number;
  openedOn: string;
  /** Guides (导购) working there, by staff code. */
  staff: string[];
}

const STORE_ROWS: Array<[string, string, string, string, string, number, number, string, number]> = [
  ['SH01', '上海南京西路店', '上海', '静安区', '南京西路1618号', 31.2292, 121.454, '2016-04-18', 8],
  ['SH02', '上海陆家嘴店', '上海', '浦东新区', '世纪大道8号', 31.2362, 121.5052, '2018-09-28', 6],
  ['BJ01', '北京三里屯店', '北京', '朝阳区', '三里屯路19号', 39.9336, 116.4547, '2017-05-20', 7],
  ['BJ02', '北京中关村店', '北京', '海淀区', '中关村大街15号', 39.9834, 116.3156, '2020-06-18', 5],
  ['HZ01', '杭州湖滨店', '杭州', '上城区', '延安路258号', 30.2577, 120.1643, '2018-04-01', 6],
  ['GZ01', '广州天河路店', '广州', '天河区', '天河路208号', 23.1322, 113.3265, '2019-01-12', 6],
  ['SZ01', '深圳海岸城店', '深圳', '南山区', '文心五路33号', 22.5171, 113.9352, '2019-11-08', 5],
  ['CD01', '成都春熙路店', '成都', '锦江区', '春熙路西段9号', 30.6571, 104.0806, '2021-03-26', 6],
  ['NJ01', '南京新街口店', '南京', '秦淮区', '中山南路1号', 32.042, 118.7843, '2021-09-30', 5],
  ['WH01', '武汉江汉路店', '武汉', '江汉区', '江汉路118号', 30.5802, 114.2899, '2022-12-10', 4],
];

export const DEMO_STORES: readonly DemoStore[] = STORE_ROWS.map(([code, name, city, district, address, lat, lng, openedOn, guides]) => ({
  code,
  name,
  city,
  district,
  address,
  lat,
  lng,
  openedOn,
  staff: Array.from({ length: guides }, (_, i) => `${code}-G${String(i + 1).padStart(2, '0')}`),
}));

export const CATEGORIES = ['服装', '美妆', '食品', '母婴', '家居'] as const;
export type Category = (typeof CATEGORIES)[number];
export type PriceBand = 'low' | 'mid' | 'high';

export interface DemoProduct {
  sku: string;
  name: string;
  path: string[];
  category: Category;
  brand: string;
  band: PriceBand;
  priceFen: number;
  consumable: boolean;
  season?: 'summer' | 'winter';
  /** Infant formula stage (1, 2, 3) or diaper size, for the new-parent buying rhythm. */
  stage?: number;
  size?: DiaperSize;
}

export const DIAPER_SIZES = ['NB', 'S', 'M', 'L', 'XL', '拉拉裤'] as const;
export type DiaperSize = (typeof DIAPER_SIZES)[number];

interface Leaf {
  path: string[];
  count: number;
  items: string[];
  /** Yuan ranges for the low, mid and high price bands. */
  prices: [[number, number], [number, number], [number, number]];
  consumable?: boolean;
  season?: 'summer' | 'winter';
  stage?: number;
  size?: DiaperSize;
}

const APPAREL_PRICES: Leaf['prices'] = [[99, 199], [259, 599], [899, 1999]];
const LEAVES: Leaf[] = [
  { path: ['服装', '女装', '连衣裙'], count: 22, items: ['真丝印花连衣裙', '碎花雪纺连衣裙', '法式方领连衣裙', '醋酸缎面连衣裙', '亚麻衬衫裙', '针织长袖连衣裙'], prices: APPAREL_PRICES, season: 'summer' },
  { path: ['服装', '女装', '衬衫'], count: 14, items: ['真丝衬衫', '棉质条纹衬衫', '雪纺衬衫', '牛津纺衬衫'], prices: [[89, 159], [229, 459], [699, 1299]] },
  { path: ['服装', '女装', '针织衫'], count: 14, items: ['羊绒开衫', '羊毛圆领毛衣', '马海毛毛衣', '针织背心'], prices: APPAREL_PRICES, season: 'winter' },
  { path: ['服装', '女装', '外套'], count: 16, items: ['双面呢大衣', '轻薄羽绒服', '西装外套', '经典风衣'], prices: [[299, 499], [699, 1299], [1599, 3999]], season: 'winter' },
  { path: ['服装', '男装', 'T恤'], count: 14, items: ['纯棉圆领T恤', '速干T恤', '印花T恤', '珠地Polo衫'], prices: [[49, 99], [129, 259], [299, 599]], season: 'summer' },
  { path: ['服装', '男装', '衬衫'], count: 10, items: ['免烫商务衬衫', '牛津纺衬衫', '亚麻衬衫'], prices: [[99, 169], [229, 399], [499, 999]] },
  { path: ['服装', '男装', '外套'], count: 14, items: ['连帽羽绒服', '立领夹克', '羊毛大衣', '三合一冲锋衣'], prices: [[299, 499], [699, 1299], [1599, 3599]], season: 'winter' },
  { path: ['服装', '男装', '裤装'], count: 14, items: ['休闲长裤', '直筒牛仔裤', '九分西裤', '束脚运动裤'], prices: [[79, 159], [199, 399], [499, 999]] },
  { path: ['服装', '配饰', '围巾'], count: 10, items: ['羊绒围巾', '真丝丝巾', '格纹羊毛围巾'], prices: [[59, 129], [199, 399], [599, 1299]], season: 'winter' },
  { path: ['服装', '配饰', '包袋'], count: 12, items: ['牛皮托特包', '链条斜挎包', '帆布托特包', '通勤双肩包'], prices: [[69, 199], [299, 699], [999, 2999]] },
  { path: ['服装', '配饰', '帽子'], count: 10, items: ['渔夫帽', '棒球帽', '针织毛线帽'], prices: [[39, 79], [99, 199], [259, 459]] },

  { path: ['美妆', '护肤', '精华'], count: 16, items: ['玻尿酸保湿精华 30ml', '烟酰胺亮肤精华 30ml', '视黄醇抗老精华 30ml', '二裂酵母精华 50ml'], prices: [[79, 159], [229, 459], [599, 1299]], consumable: true },
  { path: ['美妆', '护肤', '面霜'], count: 14, items: ['保湿面霜 50g', '修护面霜 50g', '紧致抗皱面霜 50g'], prices: [[69, 139], [199, 399], [599, 1599]], consumable: true },
  { path: ['美妆', '护肤', '面膜'], count: 14, items: ['补水面膜 5片装', '修护面膜 10片装', '清洁泥膜 100g'], prices: [[29.9, 69.9], [89, 169], [199, 399]], consumable: true },
  { path: ['美妆', '护肤', '洁面'], count: 12, items: ['氨基酸洁面乳 120g', '温和卸妆油 200ml', '绵密洁面泡沫 150ml'], prices: [[29.9, 59.9], [79, 159], [199, 329]], consumable: true },
  { path: ['美妆', '护肤', '防晒'], count: 10, items: ['清爽防晒乳 SPF50+ 50ml', '防晒喷雾 150ml'], prices: [[49.9, 89.9], [129, 229], [269, 459]], consumable: true, season: 'summer' },
  { path: ['美妆', '彩妆', '口红'], count: 14, items: ['丝绒哑光口红', '水光唇釉', '滋润润唇膏'], prices: [[39.9, 89.9], [129, 259], [299, 459]] },
  { path: ['美妆', '彩妆', '底妆'], count: 12, items: ['持妆粉底液 30ml', '轻薄气垫粉底', '遮瑕膏'], prices: [[59.9, 129], [169, 329], [399, 699]] },
  { path: ['美妆', '香氛', '香水'], count: 8, items: ['淡香水 50ml', '浓香水 100ml'], prices: [[99, 199], [299, 599], [899, 1899]] },
  { path: ['美妆', '个护', '洗发护发'], count: 10, items: ['控油洗发水 500ml', '修护护发素 500ml', '滋养发膜 200ml'], prices: [[29.9, 59.9], [69.9, 129], [159, 299]], consumable: true },

  { path: ['食品', '零食', '坚果'], count: 14, items: ['每日坚果 750g(30袋)', '夏威夷果 500g', '碧根果 500g', '巴旦木 500g'], prices: [[29.9, 59.9], [69.9, 129], [149, 259]], consumable: true },
  { path: ['食品', '零食', '饼干糕点'], count: 12, items: ['黄油曲奇 400g', '无糖苏打饼干 800g', '凤梨酥礼盒 12枚'], prices: [[19.9, 39.9], [49.9, 89.9], [99, 199]], consumable: true },
  { path: ['食品', '饮料', '茶'], count: 14, items: ['明前龙井 250g', '云南普洱 357g', '冷泡茶 12瓶', '花草茶 20包'], prices: [[29.9, 69.9], [99, 299], [399, 1299]], consumable: true },
  { path: ['食品', '饮料', '咖啡'], count: 12, items: ['挂耳咖啡 20包', '意式咖啡豆 500g', '冻干咖啡 24颗'], prices: [[39.9, 69.9], [79.9, 139], [159, 299]], consumable: true },
  { path: ['食品', '粮油', '大米'], count: 8, items: ['五常稻花香大米 5kg', '泰国茉莉香米 5kg'], prices: [[39.9, 59.9], [69.9, 99], [119, 199]], consumable: true },
  { path: ['食品', '粮油', '食用油'], count: 8, items: ['压榨花生油 5L', '特级初榨橄榄油 1L'], prices: [[49.9, 79.9], [89.9, 139], [159, 259]], consumable: true },
  { path: ['食品', '礼盒', '年货礼盒'], count: 12, items: ['年货坚果礼盒', '广式腊味礼盒', '名茶礼盒', '中秋月饼礼盒'], prices: [[99, 169], [199, 399], [499, 999]], consumable: true },
  { path: ['食品', '生鲜', '水果'], count: 10, items: ['智利车厘子 2kg', '赣南脐橙 5kg', '阳光玫瑰葡萄 2kg'], prices: [[49.9, 89.9], [99, 199], [229, 399]], consumable: true },
  { path: ['食品', '乳品', '牛奶'], count: 10, items: ['纯牛奶 250ml×24', '低温鲜牛奶 950ml', '风味酸奶 200g×12'], prices: [[19.9, 49.9], [59.9, 89.9], [99, 159]], consumable: true },

  { path: ['母婴', '奶粉', '1段'], count: 6, items: ['婴儿配方奶粉 1段 900g'], prices: [[168, 228], [258, 338], [368, 468]], consumable: true, stage: 1 },
  { path: ['母婴', '奶粉', '2段'], count: 6, items: ['较大婴儿配方奶粉 2段 900g'], prices: [[158, 218], [248, 328], [358, 458]], consumable: true, stage: 2 },
  { path: ['母婴', '奶粉', '3段'], count: 6, items: ['幼儿配方奶粉 3段 900g'], prices: [[148, 208], [238, 318], [338, 438]], consumable: true, stage: 3 },
  { path: ['母婴', '纸尿裤', 'NB'], count: 3, items: ['新生儿纸尿裤 NB 84片'], prices: [[69, 89], [99, 139], [149, 189]], consumable: true, size: 'NB' },
  { path: ['母婴', '纸尿裤', 'S'], count: 3, items: ['纸尿裤 S 76片'], prices: [[69, 89], [99, 139], [149, 189]], consumable: true, size: 'S' },
  { path: ['母婴', '纸尿裤', 'M'], count: 3, items: ['纸尿裤 M 64片'], prices: [[69, 89], [99, 139], [149, 189]], consumable: true, size: 'M' },
  { path: ['母婴', '纸尿裤', 'L'], count: 3, items: ['纸尿裤 L 54片'], prices: [[69, 89], [99, 139], [149, 189]], consumable: true, size: 'L' },
  { path: ['母婴', '纸尿裤', 'XL'], count: 3, items: ['纸尿裤 XL 44片'], prices: [[69, 89], [99, 139], [149, 189]], consumable: true, size: 'XL' },
  { path: ['母婴', '纸尿裤', '拉拉裤'], count: 4, items: ['成长拉拉裤 XL 40片', '成长拉拉裤 XXL 36片'], prices: [[69, 89], [99, 139], [149, 189]], consumable: true, size: '拉拉裤' },
  { path: ['母婴', '辅食', '米粉果泥'], count: 6, items: ['高铁米粉 225g', '有机果泥 100g×6'], prices: [[29.9, 49.9], [59.9, 89.9], [99, 139]], consumable: true },
  { path: ['母婴', '洗护', '湿巾润肤'], count: 5, items: ['婴儿手口湿巾 80抽×6包', '婴儿润肤乳 200ml'], prices: [[29.9, 49.9], [59.9, 99], [109, 169]], consumable: true },
  { path: ['母婴', '童装'], count: 12, items: ['纯棉连体衣', '婴儿爬服', '儿童连帽卫衣', '儿童羽绒服'], prices: [[59, 99], [129, 259], [299, 699]] },
  { path: ['母婴', '玩具'], count: 10, items: ['早教布书', '大颗粒积木', '安抚玩偶'], prices: [[39, 79], [99, 199], [229, 459]] },

  { path: ['家居', '床品', '四件套'], count: 10, items: ['纯棉四件套 1.8m', '天丝四件套 1.8m', '长绒棉四件套 1.5m'], prices: [[159, 299], [399, 799], [999, 2499]] },
  { path: ['家居', '床品', '枕芯被芯'], count: 8, items: ['天然乳胶枕', '桑蚕丝被', '白鹅绒被'], prices: [[99, 199], [299, 699], [899, 2999]], season: 'winter' },
  { path: ['家居', '厨具', '锅具'], count: 8, items: ['不粘炒锅 32cm', '珐琅铸铁锅 24cm', '不锈钢汤锅'], prices: [[99, 199], [259, 599], [799, 1599]] },
  { path: ['家居', '餐具'], count: 8, items: ['骨瓷餐具套装', '耐热玻璃杯 6只', '日式碗碟套装'], prices: [[59, 129], [159, 399], [499, 1299]] },
  { path: ['家居', '收纳'], count: 8, items: ['可折叠收纳箱 3个装', '植绒衣架 20只', '抽屉式收纳柜'], prices: [[29.9, 69.9], [89, 199], [229, 499]] },
  { path: ['家居', '家纺', '毛巾浴巾'], count: 8, items: ['长绒棉毛巾 3条装', '纯棉浴巾'], prices: [[29.9, 59.9], [69.9, 129], [159, 299]] },
  { path: ['家居', '清洁', '洗衣清洁'], count: 10, items: ['浓缩洗衣液 3kg', '植物洗洁精 1.5kg', '衣物柔顺剂 2.5L'], prices: [[19.9, 39.9], [49.9, 79.9], [89.9, 149]], consumable: true },
  { path: ['家居', '香薰'], count: 10, items: ['大豆香薰蜡烛', '无火藤条香薰 200ml'], prices: [[39, 89], [129, 259], [299, 599]] },
];

const BRANDS: Record<Category, Record<PriceBand, string[]>> = {
  服装: { low: ['简町', '客脉优选'], mid: ['棉里', '城野'], high: ['素言', '木槿'] },
  美妆: { low: ['水漾', '客脉优选'], mid: ['露华', '初研'], high: ['澄肌'] },
  食品: { low: ['客脉优选', '果语'], mid: ['禾田记', '茶小满'], high: ['山野集'] },
  母婴: { low: ['悦宝'], mid: ['安贝', '小象乐'], high: ['贝护'] },
  家居: { low: ['客脉优选'], mid: ['素居', '暖巢'], high: ['栖木'] },
};

const SKU_PREFIX: Record<Category, string> = { 服装: 'A', 美妆: 'B', 食品: 'F', 母婴: 'M', 家居: 'H' };
const VARIANTS: Record<Category, string[]> = {
  服装: ['燕麦色', '雾霾蓝', '经典黑', '奶白', '酒红', '橄榄绿', '灰粉', '藏青'],
  美妆: ['经典款', '清爽型', '滋润型', '限定版', '敏感肌款'],
  食品: ['原味', '家庭装', '礼盒装', '轻享装', '尝鲜装'],
  母婴: ['经典装', '升级款', '量贩装', '轻薄款'],
  家居: ['米白', '浅灰', '雾蓝', '原木色', '豆沙粉'],
};
const BAND_ORDER: PriceBand[] = ['low', 'mid', 'low', 'high', 'mid'];
const BAND_INDEX: Record<PriceBand, 0 | 1 | 2> = { low: 0, mid: 1, high: 2 };

/** ~500 SKUs; prices and brands vary with the seed, the shape (categories, counts) does not. */
export function buildProducts(seed: string): DemoProduct[] {
  const r = Random.forPath(seed, 'catalog');
  const next: Record<Category, number> = { 服装: 1001, 美妆: 1001, 食品: 1001, 母婴: 1001, 家居: 1001 };
  const names = new Set<string>();
  const products: DemoProduct[] = [];
  for (const leaf of LEAVES) {
    const category = leaf.path[0] as Category;
    for (let i = 0; i < leaf.count; i++) {
      const band = BAND_ORDER[(i + leaf.path.length) % BAND_ORDER.length]!;
      const brand = r.pick(BRANDS[category][band]);
      const item = leaf.items[i % leaf.items.length]!;
      let name = `${brand} ${item}`;
      if (names.has(name)) name = `${name} ${r.pick(VARIANTS[category])}`;
      for (let k = 2; names.has(name); k++) name = `${brand} ${item} ${k}号款`;
      names.add(name);
      const [lo, hi] = leaf.prices[BAND_INDEX[band]];
      products.push({
        sku: `${SKU_PREFIX[category]}${next[category]++}`,
        name,
        path: leaf.path,
        category,
        brand,
        band,
        priceFen: retailPrice(lo + r.float() * (hi - lo)),
        consumable: leaf.consumable ?? false,
        ...(leaf.season ? { season: leaf.season } : {}),
        ...(leaf.stage ? { stage: leaf.stage } : {}),
        ...(leaf.size ? { size: leaf.size } : {}),
      });
    }
  }
  return products;
}

/** Shelf prices end in 9: 39.90, 259.00, 1299.00. */
function retailPrice(yuan: number): number {
  if (yuan < 100) return Math.round((Math.floor(yuan / 10) * 10 + 9.9) * 100);
  if (yuan < 1000) return (Math.floor(yuan / 10) * 10 + 9) * 100;
  return (Math.floor(yuan / 100) * 100 + 99) * 100;
}
