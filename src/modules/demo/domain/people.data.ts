/**
 * Word lists for demo people. Each character carries its pinyin so e-mail addresses can be made
 * from names the way people make them (wangfang88@163.com).
 */
type Syllable = readonly [hanzi: string, pinyin: string];

const split = (text: string): Syllable[] =>
  text
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [h, p] = pair.split(':');
      return [h!, p!] as const;
    });

/** The most common surnames, roughly in order of frequency (weights fall off with rank). */
export const SURNAMES = split(`
  王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu
  胡:hu 郭:guo 何:he 林:lin 高:gao 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng
  邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 潘:pan 袁:yuan 蔡:cai 蒋:jiang 余:yu 于:yu 杜:du
  叶:ye 程:cheng 魏:wei 苏:su 吕:lv 丁:ding 任:ren 卢:lu 姚:yao 沈:shen 钟:zhong 姜:jiang 崔:cui 谭:tan
  陆:lu 范:fan 汪:wang 廖:liao 石:shi 金:jin 韦:wei 贾:jia 夏:xia 付:fu 方:fang 邹:zou 熊:xiong 白:bai
  孟:meng 秦:qin 邱:qiu 侯:hou 江:jiang 尹:yin 薛:xue 段:duan 雷:lei 龙:long 黎:li 史:shi 陶:tao 贺:he
  毛:mao 郝:hao 顾:gu 龚:gong 邵:shao 万:wan 钱:qian 戴:dai 严:yan 莫:mo 孔:kong 向:xiang 常:chang 汤:tang
`);

/** Given-name characters by generation: names people born around 1955–75 and 1990–2005 tend to have. */
export const GIVEN = {
  female: {
    older: split('秀:xiu 英:ying 桂:gui 兰:lan 凤:feng 玉:yu 珍:zhen 芳:fang 丽:li 红:hong 梅:mei 霞:xia 萍:ping 华:hua 琴:qin 敏:min 燕:yan 静:jing 淑:shu 娟:juan'),
    younger: split('欣:xin 怡:yi 梓:zi 涵:han 雨:yu 萱:xuan 思:si 佳:jia 琪:qi 诗:shi 婷:ting 悦:yue 可:ke 馨:xin 晨:chen 瑶:yao 妍:yan 若:ruo 一:yi 楠:nan 婧:jing 雪:xue 璐:lu 晓:xiao 丹:dan 蕾:lei'),
  },
  male: {
    older: split('建:jian 国:guo 明:ming 伟:wei 军:jun 强:qiang 平:ping 志:zhi 勇:yong 华:hua 春:chun 林:lin 刚:gang 斌:bin 德:de 海:hai 文:wen 荣:rong 生:sheng 根:gen'),
    younger: split('子:zi 轩:xuan 浩:hao 宇:yu 博:bo 睿:rui 俊:jun 杰:jie 泽:ze 然:ran 晨:chen 阳:yang 一:yi 凡:fan 辰:chen 逸:yi 航:hang 鑫:xin 磊:lei 涛:tao 昊:hao 嘉:jia 铭:ming 天:tian 鹏:peng'),
  },
} as const;

/**
 * Where customers live: store cities (most customers) and cities the brand only serves online.
 * Weights reflect city size and how many stores the brand has there.
 */
export const CITIES: Readonly<Record<string, { weight: number; stores: string[] }>> = {
  上海: { weight: 18, stores: ['SH01', 'SH02'] },
  北京: { weight: 15, stores: ['BJ01', 'BJ02'] },
  杭州: { weight: 8, stores: ['HZ01'] },
  广州: { weight: 9, stores: ['GZ01'] },
  深圳: { weight: 9, stores: ['SZ01'] },
  成都: { weight: 8, stores: ['CD01'] },
  南京: { weight: 6, stores: ['NJ01'] },
  武汉: { weight: 6, stores: ['WH01'] },
  苏州: { weight: 4, stores: [] },
  天津: { weight: 4, stores: [] },
  重庆: { weight: 4, stores: [] },
  西安: { weight: 3, stores: [] },
  长沙: { weight: 3, stores: [] },
  郑州: { weight: 2, stores: [] },
  青岛: { weight: 2, stores: [] },
  厦门: { weight: 2, stores: [] },
};

/** Mainland mobile prefixes (China Mobile, Unicom, Telecom, Broadnet). */
export const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '157',
  '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183', '185', '186', '187', '188',
  '189', '191', '195', '198', '199',
] as const;

export const EMAIL_DOMAINS = { 'qq.com': 40, '163.com': 25, '126.com': 10, 'gmail.com': 5, 'outlook.com': 6, 'sina.com': 4, 'foxmail.com': 5, 'icloud.com': 5 } as const;

export const INCOME_BANDS = ['under_5k', '5k_10k', '10k_20k', '20k_50k', 'over_50k'] as const;
export type IncomeBand = (typeof INCOME_BANDS)[number];

export const FAMILY_STAGES = ['single', 'couple', 'expecting', 'new_parent', 'young_children', 'school_children', 'empty_nest', 'retired'] as const;
export type FamilyStage = (typeof FAMILY_STAGES)[number];
