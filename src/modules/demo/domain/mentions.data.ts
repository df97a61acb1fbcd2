/**
 * Word banks for the demo brand's social-listening mentions (all text written for Kemai's demo).
 *
 * Templates carry slots the generator fills in:
 * {P} a product (full name or the item alone), {S} a store's name, {C} a city, {B} the brand,
 * {K} the crisis keyword, {N} a price in yuan, {D} a number of days, {M} minutes, {X} a small count.
 * A mention is assembled from a platform opener, one or two clauses of its sentiment and aspect, a closer
 * and, on some platforms, topic tags — so a few hundred fragments give hundreds of thousands of texts.
 * Clauses have no final punctuation unless they are questions; the generator ends the sentence.
 * A product clause may start with `[word/word]`: it is only said of products whose name contains one of the words
 * (no 冲奶粉 for a diaper); `[!word/word]` keeps it from products whose name contains one (no 起球 for a bag).
 */

export const MENTION_SOURCES = ['weibo', 'xiaohongshu', 'douyin', 'wechat', 'dianping', 'ecommerce'] as const;
export type MentionSource = (typeof MENTION_SOURCES)[number];
export type Sentiment = 'positive' | 'neutral' | 'negative';
/** What an opinion is about; quality and praise of a product depend on its category. */
export type Aspect = 'price' | 'quality' | 'delivery' | 'service' | 'staff' | 'environment';
/** What a neutral mention is: a question, news or a repost of it, or a plain diary line. */
export type NeutralKind = 'question' | 'news' | 'diary';

/** Share of mentions per platform. */
export const SOURCE_SHARES: Readonly<Record<MentionSource, number>> = {
  weibo: 0.3,
  xiaohongshu: 0.25,
  douyin: 0.15,
  dianping: 0.15,
  ecommerce: 0.1,
  wechat: 0.05,
};

/** During a product crisis the talk moves to Weibo and short video. */
export const CRISIS_SOURCE_SHARES: Readonly<Record<MentionSource, number>> = {
  weibo: 0.45,
  xiaohongshu: 0.2,
  douyin: 0.2,
  dianping: 0,
  ecommerce: 0.1,
  wechat: 0.05,
};

/** Among the mentions that are not negative, the share that is positive (review sites praise, news is neutral). */
export const POSITIVE_AMONG_NON_NEGATIVE: Readonly<Record<MentionSource, number>> = {
  weibo: 0.5,
  xiaohongshu: 0.75,
  douyin: 0.65,
  wechat: 0.35,
  dianping: 0.8,
  ecommerce: 0.85,
};

/** What people write about on each platform: reviews of stores on Dianping, of products in shops. */
export const ASPECT_WEIGHTS: Readonly<Record<MentionSource, Readonly<Record<Aspect, number>>>> = {
  weibo: { price: 2, quality: 3, delivery: 2, service: 3, staff: 1, environment: 0.5 },
  xiaohongshu: { price: 2, quality: 5, delivery: 0.5, service: 1, staff: 1, environment: 1 },
  douyin: { price: 3, quality: 4, delivery: 1, service: 1, staff: 0.5, environment: 0.5 },
  wechat: { price: 2, quality: 2, delivery: 1, service: 2, staff: 1, environment: 1 },
  dianping: { price: 1, quality: 1, delivery: 0, service: 2, staff: 4, environment: 4 },
  ecommerce: { price: 2, quality: 5, delivery: 3, service: 1, staff: 0, environment: 0 },
};

export const NEUTRAL_WEIGHTS: Readonly<Record<MentionSource, Readonly<Record<NeutralKind, number>>>> = {
  weibo: { question: 3, news: 4, diary: 3 },
  xiaohongshu: { question: 5, news: 1, diary: 4 },
  douyin: { question: 4, news: 2, diary: 4 },
  wechat: { question: 1, news: 8, diary: 1 },
  dianping: { question: 4, news: 1, diary: 5 },
  ecommerce: { question: 6, news: 0, diary: 4 },
};

/** Share of English posts (expats, cross-border shoppers). */
export const ENGLISH_SHARE = 0.05;

/** City → province short name (the IP location platforms show) and weight for cities without a store. */
export const CITY_REGIONS: Readonly<Record<string, { region: string; weight: number }>> = {
  上海: { region: '上海', weight: 10 },
  北京: { region: '北京', weight: 9 },
  杭州: { region: '浙江', weight: 4 },
  广州: { region: '广东', weight: 5 },
  深圳: { region: '广东', weight: 5 },
  成都: { region: '四川', weight: 4 },
  南京: { region: '江苏', weight: 3 },
  武汉: { region: '湖北', weight: 3 },
  苏州: { region: '江苏', weight: 3 },
  天津: { region: '天津', weight: 2 },
  重庆: { region: '重庆', weight: 3 },
  西安: { region: '陕西', weight: 2 },
  长沙: { region: '湖南', weight: 2 },
  郑州: { region: '河南', weight: 2 },
  青岛: { region: '山东', weight: 1.5 },
  厦门: { region: '福建', weight: 1.5 },
  宁波: { region: '浙江', weight: 1 },
  合肥: { region: '安徽', weight: 1 },
  沈阳: { region: '辽宁', weight: 1 },
  昆明: { region: '云南', weight: 1 },
};
/** A city with the brand's stores weighs this much more: its customers talk about the brand. */
export const STORE_CITY_BOOST = 3;

/** Posting by hour of the local day: lunch break and evening peaks, night lows; weekends start later. */
export const SOCIAL_HOUR_WEIGHTS: Readonly<Record<'weekday' | 'weekend', readonly number[]>> = {
  weekday: [2.2, 1.2, 0.6, 0.3, 0.2, 0.3, 0.8, 2, 3.5, 3.8, 3.8, 4, 5.5, 5, 3.8, 3.6, 3.6, 3.8, 4.5, 5, 6.5, 7.5, 7, 4.5],
  weekend: [3, 1.8, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4.2, 4.8, 5.2, 5, 4.8, 4.8, 4.8, 4.8, 5, 5.5, 6.5, 7, 6.2, 4.2],
};
/** Volume by weekday (Sunday first), before shopping festivals. */
export const WEEKDAY_VOLUME = [1.15, 0.92, 0.93, 0.95, 0.96, 1.0, 1.18] as const;

/** Opinion clauses by sentiment and aspect (quality is per category, below). */
export const CLAUSES: Readonly<Record<'positive' | 'negative', Readonly<Record<Exclude<Aspect, 'quality'>, readonly string[]>>>> = {
  positive: {
    price: [
      '价格很实在',
      '活动价才{N}，真的划算',
      '会员价比别家便宜不少',
      '这个价位能买到这种品质很值了',
      '叠加优惠券下来不到{N}块',
      '性价比超高',
      '比专柜便宜了一大截',
      '满减之后相当于打了七折',
      '积分还能抵现，很良心',
      '{N}块钱用出了大几百的感觉',
      '大促囤了{X}件，价格一直很稳',
      '价格透明，不搞先涨后降那一套',
      '学生党也买得起',
      '同样的品质别的牌子要贵一倍',
      '用会员积分换了{P}，等于白送',
    ],
    delivery: [
      '物流很快，隔天就到了',
      '前天下单今天就收到了',
      '快递小哥很负责，送货上门',
      '包装很严实，一点没压坏',
      '发货速度超出预期',
      '顺丰发货，{D}天就到',
      '预售说{D}天发货，结果提前到了',
      '同城当天就送到了，太方便',
      '外箱内箱都很结实',
      '物流信息更新很及时',
      '下单到签收不到{X}天',
      '门店自提也很方便，报手机号就拿到了',
    ],
    service: [
      '客服回复很快',
      '售后处理得很干脆，直接给换了',
      '七天无理由退货一点没刁难',
      '客服态度超好，耐心解释了半天',
      '退款当天就到账了',
      '线上买的可以去门店退，很方便',
      '会员生日还收到了小礼物',
      '问了个小问题客服还打电话回访',
      '尺码不合适换了一次，全程很顺',
      '售后主动联系我跟进',
      '开发票很快',
      '反馈问题之后第二天就有人处理',
      '会员服务做得比很多大牌都好',
      '还送了运费险，退换没负担',
    ],
    staff: [
      '导购小姐姐特别耐心',
      '店员帮我搭配了一整套，很有眼光',
      '店长亲自帮我找尺码',
      '店员很专业，讲得很清楚',
      '没有一直推销，逛得很自在',
      '小哥哥帮忙把东西送到了车上',
      '导购记得我上次买过什么，很贴心',
      '试了{X}件都没有不耐烦',
      '店员主动给我倒了杯水',
      '收银的阿姨手脚很麻利',
      '导购加了微信，到新款会提醒我',
      '美容顾问帮我试色试了好久',
      '店员对小朋友特别友好',
      '服务态度没得说',
    ],
    environment: [
      '店里很干净，灯光也舒服',
      '装修很有质感，拍照很好看',
      '空间很大，逛起来不挤',
      '试衣间很宽敞，镜子也很显瘦',
      '商品陈列很整齐，找东西很方便',
      '店里放的音乐很好听',
      '有休息区，陪逛的人也不无聊',
      '位置好找，出了地铁站就是',
      '重新装修之后整个店亮堂了很多',
      '有母婴室，带娃很方便',
      '商场停车很方便',
      '周末人多但是秩序很好',
    ],
  },
  negative: {
    price: [
      '价格有点虚高',
      '刚买完就降价{N}，心态崩了',
      '同款在别的平台便宜好几十',
      '说是打折，其实是先涨价再打折',
      '{N}块买这个质量，不值',
      '会员价跟原价几乎没区别',
      '优惠券领了用不了，套路太多',
      '价保申请了{D}天还没退差价',
      '积分规则改了，攒的积分缩水一半',
      '满减门槛越来越高',
      '这个价格完全对不上这个品质',
      '结账的时候价格跟标签不一致',
      '一件{N}的东西包装比东西还值钱',
      '涨价涨得太狠了，去年才卖一半的价',
      '直播间说的赠品根本没送',
    ],
    delivery: [
      '物流太慢了，{D}天还没到',
      '快递一直显示在途，客服也查不到',
      '包裹到手外箱都破了',
      '说好的次日达，结果等了{D}天',
      '快递放驿站也不通知一声',
      '拖了{D}天才发货',
      '少发了一件，找了半天才补',
      '发错颜色了，还得自己寄回去',
      '物流信息{D}天没更新',
      '外包装被压扁了，里面也变形了',
      '快递员没打电话就显示签收了',
      '预售拖了快一个月',
      '退货约了{X}次上门取件都没来',
      '门店自提说到货了，去了又说没有',
    ],
    service: [
      '客服一直是机器人回复，找不到人工',
      '售后推来推去，就是不解决',
      '申请退款{D}天了还没处理',
      '客服说会回电，结果没人联系我',
      '投诉了{X}次都没有下文',
      '吊牌拆了就不给退，太苛刻了',
      '售后态度很差，好像是我在找茬',
      '说好的补偿一直没到账',
      '电话打了{X}次都在排队',
      '会员积分莫名其妙被清零了',
      '客服只会复制粘贴道歉',
      '让我自己承担来回运费',
      '换货流程太繁琐',
      '门店说线上买的不归他们管',
      '处理问题效率太低了',
    ],
    staff: [
      '店员态度很冷淡，问什么都爱答不理',
      '导购一直跟着推销，很不舒服',
      '店员在聊天，喊了好几声才过来',
      '试衣服被店员翻白眼',
      '导购对商品一问三不知',
      '结账排了{M}分钟，只开一个收银台',
      '店员嫌我只看不买，脸色很难看',
      '收银员多收了钱还不承认',
      '导购推荐的尺码完全不对',
      '问了{X}个店员都说不知道',
      '店员非要让我办卡',
      '店员当着顾客的面吵架',
      '美容顾问乱推荐，一直让买套装',
      '快关门的时候进去被催着走',
    ],
    environment: [
      '店里太乱了，衣服堆成一团',
      '试衣间只有{X}个，排了好久',
      '店里闷得不行，空调像没开',
      '地上很脏，好久没人打扫的样子',
      '灯光太暗，看不清颜色',
      '货架上好多空位，想要的都缺货',
      '周末人挤人，根本没法好好逛',
      '店里有股很重的味道',
      '停车位太少，绕了{X}圈',
      '音乐声音太大了，吵得头疼',
      '收银台前面堆满了杂物',
      '门店搬了也不通知，白跑一趟',
    ],
  },
};

/** Quality and praise of a product, by the catalog's top category; `other` for categories the banks do not know. */
export const PRODUCT_CLAUSES: Readonly<Record<string, Readonly<Record<'positive' | 'negative', readonly string[]>>>> = {
  服装: {
    positive: [
      '{P}面料很舒服，上身不扎',
      '[!包/帽/围巾/丝巾]{P}版型很好，显瘦',
      '{P}洗了{X}次也没变形',
      '做工很细，线头都剪得很干净',
      '{P}颜色跟图片一模一样',
      '[!包/帽/围巾/丝巾]尺码标准，按平时穿的买就行',
      '[连衣裙/衬衫/西裤/风衣/大衣/丝巾]{P}垂感很好，很高级',
      '[!包/帽]穿了一季了也没起球',
      '[!包/围巾/羽绒服/大衣/毛衣/羊绒]面料透气，夏天穿也不闷',
      '[羽绒服/大衣/毛衣/羊绒/羊毛/围巾/毛线帽/冲锋衣]{P}很保暖，北方冬天也够用',
      '搭什么都好看，已经回购第{X}件了',
      '质感完全不输大牌',
    ],
    negative: [
      '[!包/帽]{P}穿了{X}次就起球了',
      '[!包]{P}洗一次就缩水了',
      '掉色严重，把别的衣服都染了',
      '线头特别多，做工很粗糙',
      '{P}跟图片色差太大',
      '[!包/帽/围巾/丝巾]尺码偏小一码，根本穿不上',
      '[衬衫/开衫/大衣/西装/风衣/Polo]扣子一拉就掉了',
      '[!包/帽/羽绒服]{P}面料很薄，透得厉害',
      '有很重的味道，洗了两遍还有',
      '[包/羽绒服/夹克/冲锋衣/外套/裤]拉链卡住了，刚用一周',
      '[衬衫/连衣裙/T恤/Polo/外套/大衣/风衣/夹克/毛衣/开衫]肩线是歪的',
      '[T恤/Polo/毛衣/衬衫/连衣裙]领口洗了一次就变形了',
    ],
  },
  美妆: {
    positive: [
      '{P}很好吸收，不粘腻',
      '用了{X}周，皮肤明显亮了',
      '敏感肌用{P}也没有不舒服',
      '{P}的味道很淡很好闻',
      '上脸很水润，一整天都不干',
      '[粉底/气垫/遮瑕]持妆很久，下午也没脱妆',
      '[口红/唇釉/润唇]{P}显色度很好，薄涂就很好看',
      '[精华/面霜/防晒/粉底/气垫]质地很轻薄，和后面的产品不打架',
      '痘痘肌用了也没闷痘',
      '[精华/洁面/卸妆/防晒/粉底/洗发/护发]空瓶{X}支了，会继续回购',
      '包装很高级，送人也拿得出手',
      '[精华/面霜/面膜]换季用{P}修护，稳住了',
    ],
    negative: [
      '用了{P}脸上过敏起红疹',
      '{P}闷痘，用了{X}天冒了好多痘',
      '[精华/面霜/防晒/粉底/气垫]搓泥很严重，完全没法上妆',
      '味道太冲了，熏得头疼',
      '用完脸上刺痛',
      '[粉底/气垫/遮瑕]{P}持妆不到半天就斑驳了',
      '瓶子里的量明显比标的少',
      '[粉底液/卸妆油/洗发/护发/防晒喷雾]泵头按不出来',
      '{P}拿到手已经分层了',
      '跟专柜的质地不一样，怀疑不是正品',
      '[口红/唇釉/粉底/气垫/遮瑕]颜色跟试色图完全不是一个色',
      '保质期只剩{X}个月了',
    ],
  },
  食品: {
    positive: [
      '{P}很新鲜，口感很好',
      '[坚果/夏威夷果/碧根果/巴旦木/车厘子/葡萄]颗颗饱满，没有坏的',
      '甜度刚好，不腻',
      '{P}包装很好，送长辈很有面子',
      '分量很足，一家人吃了好几天',
      '孩子特别喜欢吃{P}',
      '日期很新，上个月刚生产的',
      '[龙井/普洱/茶]泡出来很香，回甘很明显',
      '{P}已经回购{X}次了',
      '独立小包装，带去公司很方便',
      '配料表很干净',
      '[牛奶/酸奶/车厘子]冷链配送，到手还是冰的',
    ],
    negative: [
      '[坚果/夏威夷果/碧根果/巴旦木/曲奇/饼干/油]{P}有一股哈喇味',
      '[坚果/夏威夷果/碧根果/巴旦木/车厘子/脐橙/葡萄/曲奇/凤梨酥]收到的{P}有好几个是坏的',
      '包装漏气了，都受潮了',
      '临期产品当正常的卖',
      '吃了{P}肚子不舒服',
      '里面有异物，太恶心了',
      '分量比以前少了好多',
      '[曲奇/凤梨酥/饼干/酸奶/月饼/冷泡茶]甜得发齁',
      '[车厘子/脐橙/葡萄]到手已经烂了{X}个',
      '生产日期是半年前的',
      '口感跟以前完全不一样了',
      '[牛奶/酸奶]盒子胀起来了，不敢喝',
    ],
  },
  母婴: {
    positive: [
      '[纸尿裤/拉拉裤/湿巾/润肤]宝宝用{P}没有红屁屁',
      '[连体衣/爬服/卫衣/羽绒服]{P}很柔软，宝宝穿着很舒服',
      '[奶粉/米粉]很好冲，没有结块',
      '[奶粉]宝宝喝了{P}不上火',
      '[纸尿裤/拉拉裤]吸水性很好，一晚上都不漏',
      '材质很安全，没有异味',
      '[布书/积木/玩偶]宝宝很喜欢{P}，天天抱着',
      '[奶粉/纸尿裤/拉拉裤]尺码齐全，换段很方便',
      '[积木]颗粒大，不担心孩子误吞',
      '[奶粉/纸尿裤/拉拉裤/湿巾]会员囤货很划算，{P}一次买了{X}箱',
      '[湿巾]很厚实，不掉絮',
      '当妈的都懂，这个真的省心',
    ],
    negative: [
      '[纸尿裤/拉拉裤/湿巾]宝宝用了{P}屁屁红了一片',
      '[奶粉/米粉]{P}有结块，冲不开',
      '[纸尿裤/拉拉裤]一晚上就侧漏了',
      '{P}有很重的塑料味',
      '[奶粉]宝宝喝了{P}便秘',
      '[连体衣/爬服/卫衣/羽绒服]线头太多，怕勒到宝宝',
      '[积木/玩偶/布书]边缘很锋利，划到了孩子的手',
      '[湿巾]掉絮严重',
      '[奶粉/米粉]罐子里的勺子找不到',
      '[纸尿裤/拉拉裤/连体衣/爬服/卫衣/羽绒服]尺码偏差很大，根本穿不了',
      '[连体衣/爬服/卫衣/羽绒服]洗一次就掉色',
      '换了新包装之后质量不如从前',
    ],
  },
  家居: {
    positive: [
      '{P}质量很好，用着很放心',
      '[四件套/枕/被]很亲肤，睡得很舒服',
      '[锅]一点不粘，很好用',
      '{P}颜值很高，放家里很好看',
      '[收纳/衣架]很结实，装满了也不变形',
      '[毛巾/浴巾]很吸水，也不掉毛',
      '[香薰/洗衣液/柔顺剂]味道很高级，不刺鼻',
      '[收纳柜/收纳箱]{P}安装很简单，十几分钟就弄好了',
      '[洗衣液/洗洁精]很好漂，没有残留',
      '[被]很蓬松，盖着很暖',
      '用了{X}个月了还跟新的一样',
      '做工扎实，细节处理得很好',
    ],
    negative: [
      '[毛巾/浴巾/被/四件套]{P}掉毛掉得厉害',
      '[四件套/毛巾/浴巾]洗了一次就起球',
      '[锅]用了{X}周涂层就掉了',
      '{P}有很大的异味，放了{D}天还散不掉',
      '[收纳/衣架]一放东西就塌了',
      '[毛巾/浴巾]不吸水，擦完还是湿的',
      '[香薰/洗衣液/柔顺剂]味道很廉价，闻着头晕',
      '[收纳柜/收纳箱]配件少了{X}个，装不上',
      '[餐具/玻璃杯/碗碟/锅]收到就裂了',
      '[被/枕]里面的填充物结成一坨',
      '色差很大，跟图片不是一个颜色',
      '[洗衣液/柔顺剂]洗完衣服上有白色残留',
    ],
  },
  other: {
    positive: [
      '{P}质量很好',
      '{P}比想象中还要好',
      '用了{X}周，很满意',
      '做工很细致',
      '{P}已经推荐给身边的朋友了',
      '回购{X}次了，一直很稳定',
    ],
    negative: [
      '{P}质量太差了',
      '{P}跟描述的完全不一样',
      '用了{X}天就坏了',
      '做工很粗糙',
      '{P}有明显的瑕疵',
      '这次买的跟以前的品质差太多了',
    ],
  },
};

/** Neutral mentions: questions, news and reposts, diary lines. */
export const NEUTRAL: Readonly<Record<NeutralKind, readonly string[]>> = {
  question: [
    '{P}有人买过吗？值不值得入？',
    '想问一下{S}几点关门？',
    '{P}跟去年那款有什么区别？',
    '求问{P}选哪个规格比较好？',
    '有没有人知道{B}会员怎么升级？',
    '{C}哪家店的货最全？',
    '纠结{P}要不要入，有人用过吗？',
    '{B}最近有什么活动吗？',
    '{P}适合什么人用？',
    '线上买的可以去{S}退吗？',
    '{S}可以停车吗？',
    '大促的时候{P}会降价吗？',
    '{P}是哪里生产的？',
    '有没有{C}的朋友去过{S}？',
    '积分快过期了，大家都换什么？',
    '请问{P}有没有小样可以试？',
    '{P}什么时候补货？',
    '会员日是每个月几号？',
    '送长辈买{P}合适吗？',
    '有人对比过{P}和别家的吗？',
    '店里能开发票吗？',
    '{P}保质期多久？',
    '第一次买{B}，有什么推荐的？',
    '{S}周末人多吗？',
    '想给家里人买{P}，不知道选哪个颜色',
  ],
  news: [
    '【{B}{C}新店开业】地址在{S}，开业三天会员双倍积分',
    '{B}发布了年度新品，主打{P}',
    '转发：{B}会员日全场满{N}可用券',
    '{B}和{C}的博物馆出了联名款',
    '【通知】{S}装修升级，暂停营业{D}天',
    '{B}官方：{P}即将上市',
    '看到新闻说{B}今年要在{C}再开{X}家店',
    '{B}上了热门榜单，看看大家怎么说',
    '{B}直播间今晚八点上新{P}',
    '转发抽奖，送{X}份{P}',
    '{B}宣布会员体系升级，积分可以当钱花',
    '{B}公益活动：旧衣回收换优惠券',
    '{C}的{S}今天有快闪活动',
    '{B}年货节开启，{P}参与满减',
    '行业报告里{B}进了国货品牌关注榜',
    '{B}发布了门店服务升级的公告',
    '{B}回应了网友关于会员积分的疑问',
    '今天{S}门口排了好长的队，不知道在做什么活动',
    '{B}新代言人官宣了',
    '{B}在招聘导购，{C}的朋友可以看看',
  ],
  diary: [
    '今天路过{S}，进去逛了一圈',
    '下单了{P}，等收到了再来说',
    '陪朋友去了{S}',
    '买了{P}，还没拆',
    '记录一下今天买的{P}',
    '刷到{B}的广告了',
    '周末在{C}逛街，顺便看了看{B}',
    '{P}到货了，明天试试',
    '第一次用{P}，先观望一下',
    '朋友推荐的{P}，买来试试',
    '排队等{S}开门',
    '囤了点{P}备着',
    '在{S}等人，随便拍拍',
    '看到{B}在打折，先加购物车了',
    '{P}和之前用的差不多，没什么特别的感觉',
  ],
};

/** A platform's way of opening and closing a post, by sentiment; '' = none. */
export interface Voice {
  open: Readonly<Record<Sentiment, readonly string[]>>;
  close: Readonly<Record<Sentiment, readonly string[]>>;
  /** Topic tags ('' = none), written the platform's way; appended after the text. */
  tags: Readonly<Record<Sentiment, readonly string[]>>;
  /** Between clauses; Xiaohongshu notes put the title on its own line. */
  joiner: string;
}

export const VOICES: Readonly<Record<MentionSource, Voice>> = {
  weibo: {
    open: {
      positive: ['', '', '必须夸一下{B}，', '今天心情好，', '安利一下，', '给{B}点个赞，', '#{B}# '],
      neutral: ['', '', '转发微博 ', '#{B}# ', '路过看到，'],
      negative: ['', '无语了，', '真的服了，', '吐槽一下：', '气死了，', '@{B}官方微博 ', '避雷！', '说一下我的遭遇：', '#{B}售后# '],
    },
    close: {
      positive: ['', '', '，爱了', '，继续支持', '，好评'],
      neutral: ['', '', '，坐等', '，先码住'],
      negative: ['', '', '！大家避雷', '，还有人管吗？', '，给个说法吧', '，再也不买了', '，心累'],
    },
    tags: {
      positive: ['', '', '', ' #我的购物分享#', ' #{C}探店#', ' #{B}#', ' #好物推荐#'],
      neutral: ['', '', '', ' #{B}#', ' #{C}生活#', ' #今日份分享#'],
      negative: ['', '', ' #{B}售后#', ' #消费维权#', ' #{B}#', ' #避雷#'],
    },
    joiner: '，',
  },
  xiaohongshu: {
    open: {
      positive: ['{C}宝藏店铺｜{S}\n', '真心推荐｜{P}\n', '回购无数次的{P}\n', '平价好物分享\n', '{B}这次真的做对了\n', '通勤党闭眼入\n', '学生党平价好物\n', '被问了无数次的{P}\n', '最近的心头好\n', '这家店我愿称之为宝藏\n'],
      neutral: ['求助｜{P}值得买吗\n', '{B}新品先看看\n', '{C}逛街记录\n', '今日购物记录\n', '有没有懂行的\n'],
      negative: ['避雷｜{P}\n', '踩雷了姐妹们\n', '真实测评，不吹不黑\n', '{B}你让我太失望了\n', '不推荐｜说说我的真实感受\n', '花钱买教训\n'],
    },
    close: {
      positive: ['。', '，真的会回购', '，姐妹们可以冲', '，码住不亏', '，谁用谁知道'],
      neutral: ['。', '，蹲一个真实反馈', '，评论区聊聊', '，先观望'],
      negative: ['。', '，大家谨慎入手', '，不会再回购了', '，说多了都是泪', '，希望品牌看到'],
    },
    tags: {
      positive: ['\n#好物分享 #{B}', '\n#种草 #平价好物', '\n#穿搭分享 #{C}探店', '\n#护肤日常 #好物分享', '\n#宝藏店铺', ''],
      neutral: ['\n#求推荐', '\n#{C}探店', '\n#购物分享', ''],
      negative: ['\n#避雷 #{B}', '\n#踩雷 #真实测评', '\n#避雷', ''],
    },
    joiner: '，',
  },
  douyin: {
    open: {
      positive: ['', '家人们，', '姐妹们冲，', '真的绝了，', '实测一下，', '不允许还有人不知道，'],
      neutral: ['', '有没有懂的，', '求科普，', '刷到了，'],
      negative: ['', '家人们谁懂啊，', '别买！', '被坑了，', '实测翻车，'],
    },
    close: {
      positive: ['', '，冲就完了', '，链接在评论区问我', '，已经安排上了'],
      neutral: ['', '，评论区说说', '，蹲一个'],
      negative: ['', '，大家避雷', '，气到睡不着', '，退了退了'],
    },
    tags: {
      positive: ['', ' #好物推荐', ' #{B}', ' #开箱'],
      neutral: ['', ' #{B}', ' #探店'],
      negative: ['', ' #避雷', ' #{B}'],
    },
    joiner: '，',
  },
  wechat: {
    open: {
      positive: ['{C}探店｜{S}值得一去：', '{B}年度好物清单：', '深度体验{P}：', '这个国货品牌有点东西：'],
      neutral: ['我们扒了扒{B}的会员体系：', '周末去哪儿｜{C}新开的店：', '{B}的这次上新，你怎么看：', '消费观察：'],
      negative: ['消费提醒：', '读者来信｜{B}的这段经历：', '深度体验{P}，说点不好听的：'],
    },
    close: {
      positive: ['。', '。文末有福利', '。欢迎留言分享你的体验'],
      neutral: ['。', '。点击阅读原文了解更多', '。你怎么看？'],
      negative: ['。', '。希望品牌认真对待', '。你遇到过吗？'],
    },
    tags: { positive: [''], neutral: [''], negative: [''] },
    joiner: '；',
  },
  dianping: {
    open: {
      positive: ['周末去了{S}，', '第{X}次来{S}了，', '{S}是我在{C}最常去的一家，', '路过{S}进去逛了逛，', '{S}，', '和闺蜜去了{S}，'],
      neutral: ['{S}，位置在商场一楼，', '今天去{S}看了看，', '{S}，', '打卡{S}，'],
      negative: ['去了{S}，体验很差，', '{S}，真的不推荐，', '{S}这次让我很失望，', '{S}，', '在{S}买东西的经历：'],
    },
    close: {
      positive: ['', '，下次还会再来', '，推荐', '，五星', '，值得一逛'],
      neutral: ['', '，中规中矩', '，下次再看看', '，还行吧'],
      negative: ['', '，不会再去了', '，一星都不想给', '，希望店长管管'],
    },
    tags: { positive: [''], neutral: [''], negative: [''] },
    joiner: '，',
  },
  ecommerce: {
    open: {
      positive: ['', '收到了，', '第二次购买了，', '很满意的一次购物，', '给家人买的，', '帮朋友买的，'],
      neutral: ['', '刚收到，', '还没用，'],
      negative: ['', '差评，', '失望，', '第一次给差评，'],
    },
    close: {
      positive: ['', '，会回购的', '，好评', '。追评：用了一段时间，还是很满意', '，推荐购买'],
      neutral: ['', '，用一段时间再来追评', '，先给个中评'],
      negative: ['', '，不会再买了', '，给个差评', '。追评：联系了售后也没解决'],
    },
    tags: { positive: [''], neutral: [''], negative: [''] },
    joiner: '，',
  },
};

/** English posts by sentiment (product and store names stay as the brand writes them). */
export const ENGLISH: Readonly<Record<Sentiment, readonly string[]>> = {
  positive: [
    'Love the {P}, fits perfectly and feels great.',
    'Staff at {S} were super helpful today.',
    'Great value for the price, already bought {X}.',
    'Delivery was fast, got it the next day.',
    'The {P} is my new favourite, highly recommend.',
    'Really nice store in {C}, clean and bright.',
    'Customer service sorted my refund in a day. Impressed.',
    'Quality is way better than I expected.',
    'Member points are actually worth something here.',
    'Just picked up the {P} at {S}, obsessed.',
    'Lovely afternoon at {S}, spacious and calm.',
  ],
  neutral: [
    'Has anyone tried the {P}? Worth it?',
    'What time does {S} close on Sundays?',
    '{B} is opening a new store in {C}.',
    'Saw the {B} ad on the metro today.',
    'Is the {P} true to size?',
    'Anyone know when the next member day is?',
    'Picked up the {P}, will review later.',
    '{B} announced a new membership program.',
    'Does {S} have parking?',
    'Walked past {S} today, looks newly renovated.',
    'Thinking of getting the {P} as a gift.',
  ],
  negative: [
    'The {P} fell apart after {X} washes. Disappointed.',
    'Waited {D} days for delivery and still nothing.',
    'Customer service keeps sending bot replies. Useless.',
    'Staff at {S} were rude and ignored us.',
    'Queued {M} minutes at {S} with only one till open.',
    'Overpriced for what you get.',
    'Got the wrong size and the return process is a nightmare.',
    'The {P} smells weird, not buying again.',
    'Refund still pending after {D} days.',
    'Store was messy and half the shelves were empty.',
    'Price went up right after I bought it. Annoying.',
  ],
};

/**
 * A product crisis ({K} = the keyword): complaints; neutral questions before the brand's statement and reposts of
 * it after; after it, the non-negative talk turns to how the brand handled it, and the complaints left are about the
 * remedy.
 */
export const CRISIS = {
  complaint: [
    '{P}才{X}天就{K}了，这质量真的服了',
    '刚买的{P}{K}严重，有人跟我一样吗',
    '避雷{P}，{K}问题太明显了',
    '#{B}{K}# 我也中招了，{P}{K}了',
    '看热搜才知道不是只有我的{P}{K}',
    '买了{X}件{P}全都{K}了',
    '{P}{K}，联系客服只说是个例',
    '姐妹们别买{P}了，{K}真的太离谱',
    '{P}{K}这件事{B}必须给个说法',
    '{K}成这样还好意思卖{N}块',
    '以为是我自己的问题，原来{P}{K}的人这么多',
    '给家里人买的{P}也{K}了，心疼',
    '{B}的{P}{K}，质检是摆设吗',
    '已经{K}了，客服让我等{D}天，等什么',
    '{P}{K}都上热搜了，{B}还装没看见',
    '申请退货说{K}不算质量问题，气死',
    '{P}第一次用就{K}，谁还敢买',
    '拍了视频，{P}{K}得很明显',
    '这是第{X}次遇到{K}了，彻底粉转黑',
    '{P}{K}的都来这里集合，一起维权',
  ],
  afterComplaint: [
    '品牌回应了又怎样，我的{P}还是{K}了',
    '说是退款，{D}天了还没到账，{K}的事别想糊弄过去',
    '回应里只说是个别批次，{K}的人明明那么多',
    '{K}退货还要自己出运费，这叫处理？',
    '声明写得漂亮，{P}{K}的补偿呢',
    '门店说没接到通知，{K}的{P}不给退',
  ],
  question: [
    '{P}真的会{K}吗？刚下单还没到',
    '有没有人的{P}没有{K}的？',
    '蹲一个{B}的回应，{P}{K}到底怎么回事',
    '我的{P}还没{K}，是不是批次问题？',
    '{P}{K}的新闻是真的吗？',
    '看到好多人说{P}{K}，还敢买吗？',
    '吃瓜，{B}的{P}{K}事件',
    '{K}这个事情{B}会怎么处理？',
    '刚买了{P}，看到{K}的帖子有点慌',
    '等一个权威检测，{P}{K}是不是普遍问题？',
  ],
  statement: [
    '【{B}关于{P}{K}问题的说明】已下架相关批次，购买过的顾客可全额退款',
    '转发：{B}官方回应{P}{K}事件',
    '{B}发了声明，{P}{K}的批次停售了',
    '{B}说会请第三方检测{P}{K}的原因',
    '看了{B}的声明，说{K}是某一批次原料的问题',
    '{B}：所有因{K}退货的订单都会在{D}天内处理完',
    '关于{P}{K}，{B}承诺额外补偿优惠券',
    '{B}的回应上热搜了，{K}这件事评论区说什么的都有',
  ],
  resolved: [
    '{P}{K}的事品牌回应了，已经退款了，处理很快',
    '点赞{B}，{K}的{P}直接给退了，还送了券',
    '品牌回应很及时，{K}的问题当天就处理好了',
    '已经退款了，客服态度很好，{K}的事就这样吧',
    '{B}处理{K}这件事挺有担当的',
    '没想到{P}{K}退款这么快，两小时就到账了',
    '{K}的{P}拿去门店直接换了新的，处理很快',
    '品牌回应了，说明了{K}的原因，还主动召回，好感加分',
    '{B}这次{K}的危机公关满分',
    '之前吐槽过{P}{K}，现在已经退款了，给处理速度点个赞',
    '看到{B}的回应，{K}的批次全部下架，放心了',
    '客服主动打电话来问{P}{K}的情况，处理很快',
    '退款加补偿都到了，{K}的事算是圆满解决',
    '负责任的品牌才会这样处理{K}问题',
    '门店也能处理{K}退货，很方便',
  ],
} as const;

/** Nicknames: '爱吃草莓的小熊', '小雨同学', 'momo_1998', '上海打工人', '用户5829103746'. */
export const NICKNAMES = {
  likes: [
    '爱吃草莓', '不想上班', '会跳舞', '熬夜冠军', '想去旅行', '喜欢晒太阳', '胖胖', '努力减肥', '认真生活', '快乐',
    '迷糊', '早睡早起', '爱喝奶茶', '追剧', '路过', '想暴富', '爱逛街', '会做饭', '社恐', '元气满满',
  ],
  nouns: [
    '小熊', '兔子', '橘子', '咸鱼', '猫咪', '小仙女', '打工人', '柠檬', '考拉', '星星', '鲸鱼', '土豆', '西瓜', '宝妈',
    '奶爸', '小狐狸', '芒果', '汤圆', '企鹅', '小鹿',
  ],
  chars: ['雨', '晴', '月', '乐', '安', '桃', '鱼', '木', '夏', '冬', '悠', '米', '糖', '柚', '禾', '言'],
  suffixes: ['同学', '酱', '呀', '不吃香菜', '在路上', '今天也要开心', '的日常', '爱生活', '是个小可爱', '吖'],
  latin: ['momo', 'Lily', 'Coco', 'Kiki', 'Amy', 'Jason', 'Leo', 'Yuki', 'Nana', 'Ada', 'Vivian', 'Kevin', 'Tina', 'Echo', 'Mia'],
  places: ['上海', '北京', '杭州', '广州', '深圳', '成都', '南京', '武汉', '苏州', '重庆'],
  roles: ['打工人', '宝妈', '吃货', '小透明', '搬砖人', '干饭人', '学生党', '养猫人'],
} as const;

/** Prices that turn up in texts ({N}). */
export const PRICES = ['39', '59', '69', '79', '99', '129', '159', '199', '259', '299', '399', '499', '699', '899', '1299'] as const;
