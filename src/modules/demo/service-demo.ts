import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { AccessService } from '../access/index.js';
import type { CompensationService } from '../service/compensation.service.js';
import type { QueuesService } from '../service/queues.service.js';
import type { ReplyTemplatesService } from '../service/reply-templates.service.js';
import type { SlaService } from '../service/sla.service.js';
import type { TicketActor, TicketsService } from '../service/tickets.service.js';
import type { SurveysService } from '../surveys/surveys.service.js';
import { dateOf, dayNumber } from './domain/calendar.js';
import { hash32, Random } from './domain/random.js';

/**
 * The demo brand's service history: a service team (four agents, a manager), about 150 tickets over the window's
 * last 45 days run in time order through the service's own write paths with a fake clock (intake, acknowledgement,
 * empathy replies, compensation proposed / approved / executed, resolution with root causes, the SLA scan as time
 * passes), the after-ticket survey's invitations and answers, and an after-purchase NPS wave over the last 90 days.
 * Everything random is drawn from the demo seed; the tickets carry external refs `demo:<seed>:<n>` (the marker a
 * re-run finds, changing nothing).
 */

export interface ServiceDemoDeps {
  access: Pick<AccessService, 'createStaff' | 'listStaff'>;
  tickets: TicketsService;
  sla: SlaService;
  compensation: CompensationService;
  serviceQueues: QueuesService;
  replyTemplates: ReplyTemplatesService;
  surveys: SurveysService;
  database: { db: Db };
  events?: { drain(): Promise<number> };
  messaging?: { dispatcher: { started: boolean; start(): void; stop(): Promise<void>; dispatchAll(now: Date): Promise<unknown> } };
}

export interface DemoServiceHistory {
  /** False when the history was there already (a re-run): nothing was changed. */
  created: boolean;
  staff: number;
  tickets: number;
  /** Tickets by status (new, open, pending, resolved, closed). */
  statuses: Record<string, number>;
  /** Tickets that breached a target, and were escalated. */
  breached: number;
  escalated: number;
  compensationsExecuted: number;
  invitations: number;
  responses: number;
  seconds: number;
}

/** Days at the end of the window the tickets are spread over, and the after-purchase wave's. */
export const DEMO_SERVICE_DAYS = 45;
export const DEMO_NPS_DAYS = 90;
const MAX_TICKETS = 150;
const MAX_WAVE = 600;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
const TZ = '+08:00';

const TEAM = [
  { username: 'kefu.lin', displayName: '林晓雯', role: 'service_agent' },
  { username: 'kefu.zhou', displayName: '周子涵', role: 'service_agent' },
  { username: 'kefu.chen', displayName: '陈思远', role: 'service_agent' },
  { username: 'kefu.wang', displayName: '王佳怡', role: 'service_agent' },
  // store_manager without a store: the role that holds service:approve.
  { username: 'kefu.zhao', displayName: '赵启明（客服主管）', role: 'store_manager' },
] as const;

type Kind = 'complaint' | 'inquiry' | 'return_request' | 'suggestion';
type Severity = 'minor' | 'medium' | 'severe';

interface CandidateOrder {
  id: string;
  externalId: string;
  customerId: string;
  storeCode: string | null;
  storeName: string | null;
  placedAt: Date;
  paidFen: number;
  status: string;
  channel: string;
  sku: string | null;
  product: string | null;
}

/** What a ticket is about: kind, category, severity and what the customer wrote. */
interface Story {
  kind: Kind;
  category: string;
  severity: Severity | null;
  /** Needs a delivered order (not a till purchase). */
  delivery: boolean;
  withOrder: boolean;
  texts: ReadonlyArray<readonly [string, string]>;
  rootCauses: ReadonlyArray<readonly string[]>;
  resolutions: readonly string[];
  answers?: readonly string[];
  compensation?: { policy: string; options: ReadonlyArray<readonly [string, number]> };
}

// {p}: the product, {s}: the store, {d}: days since the order.
const STORIES: ReadonlyArray<{ weight: number; story: Story }> = [
  {
    weight: 16,
    story: {
      kind: 'complaint',
      category: 'late_delivery',
      severity: 'minor',
      delivery: true,
      withOrder: true,
      texts: [
        ['下单{d}天了还没收到货', '我{d}天前在小程序下的单，买的{p}，物流信息一直停在“已揽收”，到现在还没送到。说好的48小时发货呢？麻烦尽快帮我查一下。'],
        ['物流一直不更新', '订单里的{p}，物流三天没有任何更新了，打快递电话也没人接。这是要送给朋友的生日礼物，周末之前能到吗？'],
        ['催一下发货', '你好，{p}付款{d}天了还显示待发货，页面上写的是现货，为什么一直不发？'],
        ['快递太慢了', '第一次在你们家网上买东西，{p}等了快一个星期，体验很差。希望能给个说法。'],
        ['包裹显示签收但没收到', '物流显示昨天已签收，可我家里没人收到，快递柜里也没有。{p}到底送到哪里去了？'],
      ],
      rootCauses: [['courier_delay'], ['courier_delay'], ['warehouse_packing'], ['system_error']],
      resolutions: ['已联系快递加急派送，包裹次日送达，顾客确认收货；已致歉并补偿。', '仓库漏发，已当天补发顺丰，顾客已收货。', '快递网点积压，已改派并全程跟进至签收。'],
      compensation: { policy: 'minor_late_delivery', options: [['A_coupon_5', 4], ['B_priority_shipping', 1]] },
    },
  },
  {
    weight: 13,
    story: {
      kind: 'complaint',
      category: 'damaged_product',
      severity: 'medium',
      delivery: true,
      withOrder: true,
      texts: [
        ['收到的商品破损了', '今天收到{p}，打开外箱就发现里面压坏了，外包装也有明显的挤压痕迹。图片已经拍好，希望尽快处理。'],
        ['外包装破了，东西也坏了', '快递送来的时候盒子就是破的，{p}有一角磕坏了。这种情况怎么换？'],
        ['商品有划痕', '刚拆开{p}就看到表面好几道划痕，不像是新品。买来是送人的，现在送不出去了，很失望。'],
        ['漏液了', '收到的{p}瓶子裂了，漏得整个箱子都是，别的东西也被弄脏了。'],
      ],
      rootCauses: [['warehouse_packing'], ['courier_delay'], ['warehouse_packing', 'courier_delay']],
      resolutions: ['已安排上门取件换新，新品已寄出并签收；另补偿¥10优惠券。', '顾客同意换货，新商品已送达完好；已反馈仓库加强包装。'],
      compensation: { policy: 'medium_damaged_product', options: [['exchange_coupon_10', 1]] },
    },
  },
  {
    weight: 5,
    story: {
      kind: 'complaint',
      category: 'quality_issue',
      severity: 'severe',
      delivery: false,
      withOrder: true,
      texts: [
        ['用了之后过敏了', '在{s}买的{p}，用了两次脸上就红肿发痒，去医院看了说是接触性过敏，花了好几百医药费。要求退款并给个说法！'],
        ['产品质量问题造成损失', '{p}用了不到一周就坏了，还把我的衣服弄坏了。这是质量问题，我要求全额退款和赔偿。'],
        ['严重质量问题', '{p}里面发现了异物，孩子差点吃下去，太可怕了。你们的质检是怎么做的？'],
      ],
      rootCauses: [['supplier_quality']],
      resolutions: ['经核实为批次质量问题：全额退款已原路退回，另补偿¥50优惠券和500积分；该批次已下架并反馈供应商。'],
      compensation: { policy: 'severe_quality_loss', options: [['full_refund_plus', 1]] },
    },
  },
  {
    weight: 6,
    story: {
      kind: 'complaint',
      category: 'quality_issue',
      severity: 'medium',
      delivery: false,
      withOrder: true,
      texts: [
        ['质量太差了', '{p}才用了几天就开线了，这个价格不应该是这种质量。'],
        ['和描述不符', '收到的{p}颜色和详情页差别很大，做工也比较粗糙，感觉被骗了。'],
        ['用了几次就坏了', '上周在{s}买的{p}，今天突然就不能用了，希望给我换一个。'],
      ],
      rootCauses: [['supplier_quality'], ['supplier_quality', 'policy_gap']],
      resolutions: ['已为顾客办理换货，问题批次已反馈品控跟进。', '顾客选择退货退款，已完成；商品详情页图片已更新。'],
    },
  },
  {
    weight: 5,
    story: {
      kind: 'complaint',
      category: 'service_attitude',
      severity: 'minor',
      delivery: false,
      withOrder: true,
      texts: [
        ['店员态度很差', '今天在{s}想试一下{p}，店员一直在玩手机，问了两遍才爱答不理地回一句。作为老会员真的很寒心。'],
        ['门店结账排队太久', '{s}周末只开一个收银台，排了二十多分钟，店员还催我们快点。'],
        ['导购推销太强势', '在{s}只是随便看看，导购一直跟着推销{p}，说不买就不要试，感觉很不舒服。'],
      ],
      rootCauses: [['store_staff'], ['store_staff', 'policy_gap']],
      resolutions: ['已与门店店长沟通，涉事店员已做服务培训，店长已致电顾客道歉，顾客表示接受。', '门店已调整周末收银排班，店长已向顾客致歉。'],
    },
  },
  {
    weight: 2,
    story: {
      kind: 'complaint',
      category: 'wrong_item',
      severity: 'minor',
      delivery: true,
      withOrder: true,
      texts: [
        ['发错货了', '我买的是{p}，收到的却是另一个款式，麻烦尽快给我换回来。'],
        ['少发了一件', '订单里有两件，只收到了{p}，另一件没有，包裹里也没有缺货说明。'],
      ],
      rootCauses: [['warehouse_packing'], ['system_error']],
      resolutions: ['仓库拣货错误，已补发正确商品并上门取回错发件。'],
    },
  },
  {
    weight: 10,
    story: {
      kind: 'inquiry',
      category: 'membership_points',
      severity: null,
      delivery: false,
      withOrder: false,
      texts: [
        ['积分没到账', '上周在{s}消费了，会员积分到现在还没加上，是不是漏了？'],
        ['积分怎么用', '我有一些积分，请问可以在门店抵现吗？怎么操作？'],
        ['会员等级问题', '我今年消费已经满额了，为什么会员等级还没升级？'],
        ['生日礼怎么领', '听说会员生日月有礼品，请问在哪里领取？'],
      ],
      rootCauses: [['system_error'], ['customer_misunderstanding'], ['customer_misunderstanding'], []],
      resolutions: ['积分同步延迟，已补录到账。', '已解答积分使用规则，顾客了解。', '已说明升级规则与时间，顾客满意。', '已告知生日礼领取方式。'],
      answers: [
        '您好，积分在订单完成后24小时内到账；您上周的积分我已经帮您核实补录，现在可以在会员中心查看了。',
        '您好，积分在门店和小程序都可以抵现，100积分抵1元，结账时出示会员码即可使用。',
        '您好，会员等级会在每月1日按上月累计消费更新，下个月1日您就会自动升级，请放心。',
        '您好，生日月凭会员码到任一门店即可领取生日礼，小程序“我的-会员权益”里也能看到。',
      ],
    },
  },
  {
    weight: 8,
    story: {
      kind: 'inquiry',
      category: 'stock',
      severity: null,
      delivery: false,
      withOrder: false,
      texts: [
        ['有没有货', '{p}还有其他颜色吗？{s}说没货了，什么时候会补？'],
        ['断码了吗', '想买{p}，小程序上显示缺货，门店还有吗？'],
        ['预订问题', '{p}可以提前预订吗？到货了能通知我吗？'],
      ],
      rootCauses: [['other'], []],
      resolutions: ['已告知补货时间，并为顾客登记到货提醒。', '已查询附近门店库存，顾客已到店购买。'],
      answers: ['您好，这款预计下周三到货，我已经帮您登记了到货提醒，到货后会第一时间通知您。', '您好，我帮您查了一下，附近门店还有现货，可以直接到店购买或者在小程序选择门店自提。'],
    },
  },
  {
    weight: 7,
    story: {
      kind: 'inquiry',
      category: 'late_delivery',
      severity: null,
      delivery: true,
      withOrder: true,
      texts: [
        ['查一下物流', '你好，帮我查一下{p}的订单到哪里了？'],
        ['可以改收货地址吗', '刚下单的{p}，地址填错了，还没发货的话能改吗？'],
        ['什么时候发货', '请问{p}一般几天能发货？着急用。'],
      ],
      rootCauses: [[], ['customer_misunderstanding'], []],
      resolutions: ['已告知物流进度，顾客了解。', '已为顾客修改收货地址。', '已告知发货时效。'],
      answers: [
        '您好，您的包裹已经到达本地分拨中心，预计明天送达，请保持电话畅通哦。',
        '您好，订单还未出库，地址已经帮您改好了，请在订单详情里确认一下。',
        '您好，现货商品一般24小时内发货，您的订单今天下午就会出库，请留意物流信息。',
      ],
    },
  },
  {
    weight: 5,
    story: {
      kind: 'inquiry',
      category: 'pricing',
      severity: null,
      delivery: false,
      withOrder: true,
      texts: [
        ['刚买就降价了', '我{d}天前买的{p}，今天看到降价了，可以退差价吗？'],
        ['优惠券用不了', '结账的时候优惠券显示不可用，明明还在有效期内。'],
      ],
      rootCauses: [['policy_gap'], ['customer_misunderstanding']],
      resolutions: ['按价保政策为顾客补差价。', '已说明优惠券使用门槛，顾客了解。'],
      answers: ['您好，您的订单在7天价保期内，差价已经以优惠券形式补给您了，请在卡包中查看。', '您好，这张券需要满199元使用，您这单差一点点，凑单后就能用啦。'],
    },
  },
  {
    weight: 9,
    story: {
      kind: 'return_request',
      category: 'quality_issue',
      severity: null,
      delivery: false,
      withOrder: true,
      texts: [
        ['申请退货', '{p}用着不合适，还在七天内，想申请退货。'],
        ['尺码不合适想退', '{p}买大了一码，吊牌还在，可以退吗？'],
        ['不喜欢想退货', '收到的{p}和想象中不太一样，没拆封，想退掉。'],
      ],
      rootCauses: [['customer_misunderstanding'], ['other'], ['supplier_quality']],
      resolutions: ['已审核通过退货申请，退款已原路退回。', '顾客选择换货，已完成。'],
      answers: ['您好，您的退货申请已通过，请在7天内寄回，收到后3个工作日内退款。', '您好，可以的，吊牌完好就能退，您可以到任一门店办理，也可以预约上门取件。'],
    },
  },
  {
    weight: 4,
    story: {
      kind: 'return_request',
      category: 'wrong_item',
      severity: null,
      delivery: true,
      withOrder: true,
      texts: [['收到的不是我下单的', '下单的是{p}，收到的型号不对，申请退货。']],
      rootCauses: [['warehouse_packing']],
      resolutions: ['已安排上门取件并退款。'],
      answers: ['您好，非常抱歉发错了，已为您安排免费上门取件，退款会在取件后原路退回。'],
    },
  },
  {
    weight: 5,
    story: {
      kind: 'suggestion',
      category: 'other',
      severity: null,
      delivery: false,
      withOrder: false,
      texts: [
        ['建议增加自提点', '希望小程序能多一些自提门店，下班路上顺便取很方便。'],
        ['建议会员日', '能不能每个月搞一次会员日？老顾客希望多一些专属优惠。'],
        ['包装建议', '包装可以更环保一点，每次拆出来好多泡沫和塑料袋。'],
        ['营业时间', '{s}晚上九点就关门了，能不能周末延长到十点？'],
      ],
      rootCauses: [['policy_gap'], []],
      resolutions: ['建议已转交相关部门评估，已感谢顾客。', '已记录，纳入下季度运营改进。'],
      answers: ['谢谢您的建议！我们已经转给相关部门，后续有调整会在小程序公告。'],
    },
  },
  {
    weight: 5,
    story: {
      kind: 'suggestion',
      category: 'stock',
      severity: null,
      delivery: false,
      withOrder: false,
      texts: [
        ['希望多进一些大码', '{s}的大码总是很快断货，希望能多备一些。'],
        ['希望上新款', '{p}很好用，希望能出更多颜色。'],
      ],
      rootCauses: [['other'], []],
      resolutions: ['已反馈商品部，顾客已登记新品通知。'],
      answers: ['非常感谢您的喜爱和建议，我们已反馈给商品部门，上新会第一时间通知您。'],
    },
  },
];

const CHANNELS: Record<Kind, ReadonlyArray<readonly [string, number]>> = {
  complaint: [['wechat', 25], ['phone', 15], ['app', 20], ['web_form', 15], ['email', 10], ['staff', 10], ['api', 5]],
  inquiry: [['wechat', 35], ['app', 25], ['phone', 15], ['web_form', 10], ['email', 10], ['staff', 5]],
  return_request: [['app', 35], ['wechat', 25], ['web_form', 15], ['staff', 15], ['email', 10]],
  suggestion: [['app', 30], ['web_form', 30], ['email', 20], ['wechat', 20]],
};
const AGENT_CHANNELS = new Set(['staff', 'phone', 'wechat']);
/** Hours a customer writes in (local time), by weight. */
const HOURS: ReadonlyArray<readonly [number, number]> = [
  [7, 1], [8, 2], [9, 4], [10, 6], [11, 6], [12, 5], [13, 5], [14, 6], [15, 6], [16, 5], [17, 5], [18, 5], [19, 6], [20, 7], [21, 7], [22, 5], [23, 2], [0, 1],
];
/** The standard policy's resolution targets in business minutes (12-hour days). */
const RESOLVE_MIN: Record<string, number> = { severe: 720, minor: 1440, medium: 2880, default: 2880 };

const VERBATIMS = {
  good: ['处理得很快，客服小姐姐很耐心，点赞！', '问题解决了，补偿也很有诚意。', '客服态度很好，下次还会来买。', '当天就回复了，效率很高。', '没想到这么快就给处理了，满意。', '整个过程很顺畅，谢谢。'],
  mid: ['问题是解决了，就是等得有点久。', '还行吧，希望物流能改进。', '客服态度可以，但是流程有点繁琐。', '补偿券的门槛有点高。'],
  bad: ['等了好几天才有人回复，很失望。', '问题拖了太久，体验很差。', '一直转来转去，没人真正负责。', '补偿没有诚意，不会再买了。', '客服只会说抱歉，没有实际解决问题。'],
};
const NPS_VERBATIMS = {
  promoter: ['东西质量好，店员也专业，已经推荐给同事了。', '会员活动很实惠，积分也好用。', '门店环境好，试穿体验很舒服。', '小程序下单很方便，发货也快。', '买了好几年了，品质一直很稳定。', '导购很用心，会根据我的需求推荐。'],
  passive: ['整体还可以，价格稍微有点贵。', '商品不错，就是款式更新慢了点。', '还行，排队结账时间有点长。', '东西可以，包装可以再环保一些。'],
  detractor: ['最近质量不如以前了。', '门店经常缺码，白跑一趟。', '售后太慢了，退个货要好久。', '价格涨了不少，性价比不高了。', '店员态度一般，不太想再去了。'],
};

interface Step {
  at: number;
  seq: number;
  run: () => Promise<void>;
}

/** A time-ordered queue of the simulation's steps (steps may add later ones). */
class Timeline {
  private readonly steps: Step[] = [];
  private seq = 0;
  add(at: number, run: () => Promise<void>): void {
    const s = { at, seq: this.seq++, run };
    let lo = 0;
    let hi = this.steps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.steps[mid]!;
      if (m.at < at || (m.at === at && m.seq < s.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.steps.splice(lo, 0, s);
  }
  next(): Step | undefined {
    return this.steps.shift();
  }
}

const local = (date: string, h: number, m = 0) => new Date(`${date}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00${TZ}`).getTime();
const hourOf = (ms: number) => new Date(ms + 8 * HOUR).getUTCHours();
/** The instant, or the next 09:00 (China) when outside the 09:00–21:00 service hours. */
function nextOpen(ms: number): number {
  const h = hourOf(ms);
  if (h >= 9 && h < 21) return ms;
  const day = dateOf(dayNumber(new Date(ms + 8 * HOUR).toISOString().slice(0, 10)) + (h >= 21 ? 1 : 0));
  return local(day, 9);
}
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r.float() * xs.length)]!;
const weighted = <T>(r: Random, xs: ReadonlyArray<readonly [T, number]>): T => xs[r.weightedIndex(xs.map((x) => x[1]))]![0];
const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/** True when the demo's service history is there (its tickets' external refs). */
export async function hasServiceHistory(db: Db): Promise<boolean> {
  return !!(await queryOne(db, sql`select 1 from service.tickets where external_ref like 'demo:%' limit 1`));
}

/**
 * Seeds the service history for the window ending `until` (see the module's doc above). Idempotent: when the demo's
 * tickets are there it only reports what is there.
 */
export async function seedService(deps: ServiceDemoDeps, until: string, seed = 'kemai'): Promise<DemoServiceHistory> {
  const started = performance.now();
  const db = deps.database.db;
  if (await hasServiceHistory(db)) return summarize(db, false, started);
  // What the bus holds (the history's events) is delivered before the surveys go live: no order of the history is surveyed.
  await deps.events?.drain();

  // The team.
  const existing = new Map((await deps.access.listStaff()).map((s) => [s.username, s]));
  const team: Array<{ id: string; username: string; displayName: string }> = [];
  for (const m of TEAM) {
    const s = existing.get(m.username) ?? (await deps.access.createStaff({ username: m.username, displayName: m.displayName, role: m.role })).staff;
    team.push({ id: s.id, username: s.username, displayName: s.displayName });
  }
  const agents = team.slice(0, 4);
  const manager = team[4]!;

  // Every part's defaults; the queues staffed (round robin, the manager over them); both surveys live.
  await deps.sla.ensureDefaults();
  await deps.tickets.ensureDefaults();
  await deps.compensation.ensureDefaults();
  await deps.surveys.ensureDefaults('system:demo');
  for (const code of ['complaints', 'general'])
    await deps.serviceQueues.update(code, { memberIds: agents.map((a) => a.id), assignment: 'round_robin', managerId: manager.id });
  for (const code of ['after_ticket', 'after_purchase']) if ((await deps.surveys.get(code)).status === 'draft') await deps.surveys.activate(code);

  const end = local(until, 23, 59) + 59_000;
  const ticketFrom = dayNumber(until) - DEMO_SERVICE_DAYS + 1;
  const waveFrom = dayNumber(until) - DEMO_NPS_DAYS + 1;
  const orders = await candidateOrders(db, new Date(local(dateOf(waveFrom - 10), 0)), new Date(end));

  const clock = { at: new Date(local(dateOf(waveFrom), 0)) };
  const fake: Clock = { now: () => clock.at };
  const services = [deps.tickets, deps.sla, deps.compensation, deps.serviceQueues, deps.replyTemplates, deps.surveys];
  for (const s of services) s.useClock(fake);
  // The server's minute jobs would raise today's alerts and send or expire invitations on the simulated days' tickets
  // before the simulation reaches them: they wait while it runs (a missed minute is caught up by the next one).
  const realScan = deps.sla.scan.bind(deps.sla);
  const realSendDue = deps.surveys.invitations.sendDue.bind(deps.surveys.invitations);
  const held = [hold(deps.sla, 'scan', async () => ({ tickets: 0, warnings: 0, breaches: 0, escalations: 0 })), hold(deps.surveys.invitations, 'sendDue', async () => ({ sent: 0, expired: 0, failed: 0 }))];
  const dispatcher = deps.messaging?.dispatcher;
  const resume = dispatcher?.started === true;
  if (resume) await dispatcher.stop();
  try {
    const line = new Timeline();
    const at = (ms: number) => {
      clock.at = new Date(ms);
      return clock.at;
    };
    // The jobs as time passes: the SLA scan at the minute an alert comes due, invitations sent in the hour they come
    // due, the dispatcher every evening.
    const scans = new Set<number>();
    const sends = new Set<number>();
    const watchAlert = (ms: number) => {
      const due = Math.ceil(ms / MINUTE) * MINUTE;
      if (scans.has(due) || due > end) return;
      scans.add(due);
      line.add(
        due,
        async () => {
          await realScan(at(due));
          const next = await queryOne<{ at: string | Date | null }>(db, sql`select min(next_alert_at) as at from service.tickets where next_alert_at > ${new Date(due).toISOString()}::timestamptz`);
          if (next?.at) watchAlert(new Date(next.at).getTime());
        });
    };
    const watchSend = (ms: number) => {
      const due = Math.ceil((ms - 5 * MINUTE) / HOUR) * HOUR + 5 * MINUTE;
      if (sends.has(due) || due > end) return;
      sends.add(due);
      line.add(due, async () => void (await realSendDue(at(due))));
    };
    if (dispatcher)
      for (let d = waveFrom; d <= dayNumber(until); d++) {
        const ms = local(dateOf(d), 20, 50);
        line.add(ms, async () => void (await dispatcher.dispatchAll(at(ms))));
      }
    const ctx: Ctx = { deps, db, seed, until, end, agents, manager, line, at, orders, watchAlert, watchSend };
    planWave(ctx, waveFrom);
    planTickets(ctx, ticketFrom);
    for (let s = line.next(); s; s = line.next()) if (s.at <= end) await s.run();
  } finally {
    for (const s of services) s.useClock(systemClock);
    for (const release of held) release();
    if (resume) dispatcher.start();
  }
  return summarize(db, true, started);
}

interface Ctx {
  deps: ServiceDemoDeps;
  db: Db;
  seed: string;
  until: string;
  end: number;
  agents: Array<{ id: string; username: string; displayName: string }>;
  manager: { id: string; username: string; displayName: string };
  line: Timeline;
  at: (ms: number) => Date;
  orders: CandidateOrder[];
  /** The SLA scan at an alert's instant; the invitations' job in the hour one comes due. */
  watchAlert: (ms: number) => void;
  watchSend: (ms: number) => void;
}

/** Replaces an instance's method until released (the prototype's comes back). */
function hold<T extends object>(target: T, method: keyof T & string, stub: (...args: never[]) => Promise<unknown>): () => void {
  Object.defineProperty(target, method, { value: stub, configurable: true, writable: true });
  return () => void delete (target as Record<string, unknown>)[method];
}

async function candidateOrders(db: Db, from: Date, to: Date): Promise<CandidateOrder[]> {
  const rows = await query<Record<string, unknown>>(
    db,
    sql`select o.id::text as id, o.external_id, o.customer_id::text as customer_id, o.store_code, s.name as store_name, o.placed_at, o.paid_fen, o.status, o.channel,
               l.sku, p.name as product
          from orders.orders o
          join customers.customers c on c.id = o.customer_id and c.status = 'active'
          left join catalog.stores s on s.code = o.store_code
          left join lateral (select x.sku from orders.order_lines x where x.customer_id = o.customer_id and x.order_id = o.id order by x.line_no limit 1) l on true
          left join catalog.products p on p.sku = l.sku
         where o.placed_at >= ${from.toISOString()}::timestamptz and o.placed_at < ${to.toISOString()}::timestamptz and o.status <> 'cancelled'
         order by o.placed_at, o.channel, o.external_id`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    externalId: String(r.external_id),
    customerId: String(r.customer_id),
    storeCode: (r.store_code as string | null) ?? null,
    storeName: (r.store_name as string | null) ?? null,
    placedAt: new Date(r.placed_at instanceof Date ? r.placed_at : String(r.placed_at)),
    paidFen: Number(r.paid_fen),
    status: String(r.status),
    channel: String(r.channel),
    sku: (r.sku as string | null) ?? null,
    product: (r.product as string | null) ?? null,
  }));
}

// ------------------------------------------------------------------ the after-purchase wave

/** Up to MAX_WAVE (a third of) the wave's orders, invited as the bus would have on the day they were placed; ~35 % answer. */
function planWave(c: Ctx, waveFrom: number): void {
  const from = local(dateOf(waveFrom), 0);
  const pool = c.orders.filter((o) => o.placedAt.getTime() >= from);
  const ranked = [...pool].sort((a, b) => hash32(`${c.seed}:wave:${a.externalId}`) - hash32(`${c.seed}:wave:${b.externalId}`) || a.externalId.localeCompare(b.externalId));
  // Four in five from the stores' tills (NPS by store), the rest online.
  const size = Math.min(MAX_WAVE, Math.ceil(pool.length / 3));
  const inStore = ranked.filter((o) => o.storeCode);
  const online = ranked.filter((o) => !o.storeCode);
  const fromStores = inStore.slice(0, Math.max(Math.round(size * 0.8), size - online.length));
  const chosen = [...fromStores, ...online.slice(0, size - fromStores.length)];
  const byDay = new Map<string, CandidateOrder[]>();
  for (const o of chosen) {
    const day = new Date(o.placedAt.getTime() + 8 * HOUR).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), o]);
  }
  const storeMood = (code: string | null) => ((hash32(`${c.seed}:store:${code ?? '-'}`) % 7) - 3) / 2;
  for (const [day, list] of [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ms = local(day, 23, 30);
    c.line.add(ms, async () => {
      const now = c.at(ms);
      const events: DomainEvent[] = list.map((o) => ({
        id: newId(),
        name: 'orders.order.placed',
        occurredAt: o.placedAt.toISOString(),
        payload: { orderId: o.id, customerId: o.customerId, channel: o.channel, storeCode: o.storeCode, placedAt: o.placedAt.toISOString(), paidFen: o.paidFen },
      }));
      await c.db.transaction(async (tx) => void (await c.deps.surveys.invitations.ordersPlaced(events as never, tx)));

      const made = await query<{ id: string; order_id: string; send_at: string | Date }>(
        c.db,
        sql`select i.id::text as id, i.order_id::text as order_id, i.send_at from surveys.invitations i join surveys.surveys s on s.id = i.survey_id and s.code = 'after_purchase'
             where i.order_id = any(${sql.param(list.map((o) => o.id))}::uuid[]) and i.created_at = ${now.toISOString()}::timestamptz`,
      );
      const invitation = new Map(made.map((m) => [m.order_id, m.id]));
      for (const m of made) c.watchSend(new Date(m.send_at).getTime());
      for (const o of list) {
        const id = invitation.get(o.id);
        const r = Random.forPath(c.seed, 'service', 'wave', o.externalId);
        if (!id || !r.chance(0.35)) continue;
        // The invitation goes out 2–3 days after the order; the answer comes within the next day.
        const answerAt = o.placedAt.getTime() + 3 * DAY + r.int(60, 1200) * MINUTE;
        // Scores: the store's mood and a slow improvement over the three months.
        const month = Math.floor((answerAt - from) / (30 * DAY));
        const score = clamp(Math.round(7.4 + storeMood(o.storeCode) + 0.5 * month + 2.2 * r.normal()), 0, 10);
        const bucket = score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
        const comment = r.chance(bucket === 'passive' ? 0.4 : 0.6) ? pick(r, NPS_VERBATIMS[bucket]) : undefined;
        c.line.add(answerAt, () => answer(c, id, answerAt, { nps: score, ...(comment ? { comment } : {}) }));
      }
    });
  }
}

async function answer(c: Ctx, invitationId: string, ms: number, answers: Record<string, unknown>): Promise<void> {
  c.at(ms);
  try {
    await c.deps.surveys.invitations.respond(c.deps.surveys.links.token(invitationId), { answers });
  } catch (err) {
    // An invitation the bus's own subscriber answered for first, or one cancelled meanwhile: no answer then.
    if (!(err instanceof AppError)) throw err;
  }
}

// ------------------------------------------------------------------ tickets

function planTickets(c: Ctx, ticketFrom: number): void {
  const lastDay = dayNumber(c.until);
  const pool = c.orders.filter((o) => o.placedAt.getTime() >= local(dateOf(ticketFrom - 10), 0));
  const count = Math.min(MAX_TICKETS, Math.max(12, Math.floor(pool.length / 4)), pool.length);
  const used = new Set<string>();
  const stories = STORIES.map((s) => [s.story, s.weight] as const);
  for (let i = 0; i < count; i++) {
    const r = Random.forPath(c.seed, 'service', 'ticket', i);
    const story = weighted(r, stories);
    // Spread over the days, with an eighth in the last three (the inbox's live tickets) and the last two written in
    // last night, after the service hours (still new).
    const recent = count - Math.max(3, Math.round(count / 8));
    const lateNight = i >= count - 2;
    const spread = i < recent ? ticketFrom + Math.floor(((i + r.float()) * (DEMO_SERVICE_DAYS - 3)) / recent) : lastDay - 2 + Math.floor(((i - recent + r.float()) * 3) / (count - recent));
    const day = lateNight ? lastDay : spread;
    let channel = weighted(r, CHANNELS[story.kind]);
    if (lateNight && AGENT_CHANNELS.has(channel)) channel = 'app';
    let hour = weighted(r, HOURS);
    if (AGENT_CHANNELS.has(channel)) hour = clamp(hour, 9, 20);
    if (lateNight) hour = r.int(21, 23);
    const received = local(dateOf(Math.min(day, lastDay)), hour, r.int(0, 59));
    // The customer's order of the days before (a delivery for delivery stories; a completed one for refunds).
    const fits = (o: CandidateOrder) =>
      !used.has(o.id) &&
      o.placedAt.getTime() < received - 6 * HOUR &&
      o.placedAt.getTime() > received - 12 * DAY &&
      (!story.delivery || o.channel !== 'pos') &&
      (story.severity !== 'severe' || (o.status === 'completed' && o.paidFen > 0 && o.paidFen <= 300_000));
    const options = pool.filter(fits);
    const order = options.length > 0 ? pick(r, options) : pool.find((o) => !used.has(o.id) && o.placedAt.getTime() < received) ?? null;
    if (!order) continue;
    used.add(order.id);
    c.line.add(received, () => runTicket(c, i, received, story, order, channel, r, i >= recent));
  }
}

function fill(text: string, o: CandidateOrder, received: number): string {
  return text
    .replaceAll('{p}', o.product ?? '商品')
    .replaceAll('{s}', o.storeName ?? '门店')
    .replaceAll('{d}', String(Math.max(2, Math.round((received - o.placedAt.getTime()) / DAY))));
}

async function runTicket(c: Ctx, i: number, received: number, story: Story, order: CandidateOrder, channel: string, r: Random, recent: boolean): Promise<void> {
  const { deps } = c;
  const staffActor = (s: { id: string; username: string }): TicketActor => ({ kind: 'staff', id: s.id, name: s.username });
  const byId = new Map([...c.agents, c.manager].map((s) => [s.id, s]));
  const creatorAgent = c.agents[i % c.agents.length]!;
  // Inquiries, returns and suggestions: the answer, resolution and root causes go with what was asked (same index).
  const ti = Math.floor(r.float() * story.texts.length);
  const [subject, body] = story.texts[ti]!;
  const matched = <T>(xs: readonly T[]): T => (story.answers ? xs[ti % xs.length]! : pick(r, xs));
  const withOrder = story.withOrder || r.chance(0.4);
  c.at(received);
  const { ticket } = await deps.tickets.create(
    {
      kind: story.kind,
      channel,
      subject: fill(subject, order, received),
      description: fill(body, order, received),
      category: story.category,
      ...(story.severity ? { severity: story.severity } : {}),
      customerId: order.customerId,
      ...(withOrder ? { orderId: order.id, ...(order.sku ? { sku: order.sku } : {}) } : order.storeCode ? { storeCode: order.storeCode } : {}),
      ...(AGENT_CHANNELS.has(channel) ? { assigneeId: creatorAgent.id } : {}),
      externalRef: `demo:${c.seed}:${i}`,
      receivedAt: new Date(received).toISOString(),
    },
    AGENT_CHANNELS.has(channel) ? staffActor(creatorAgent) : { kind: 'customer', id: null, name: channel },
  );
  const id = ticket.id;
  if (ticket.nextAlertAt) c.watchAlert(new Date(ticket.nextAlertAt).getTime());
  /** Whoever holds the ticket now (the manager once escalated). */
  const holder = async () => {
    const t = await deps.tickets.get(id);
    return byId.get(t.assigneeId ?? '') ?? creatorAgent;
  };
  const caller = (s: { username: string; id: string }) => ({ actor: `staff:${s.username}`, scopes: new Set(s.id === c.manager.id ? ['service:write', 'service:approve'] : ['service:write']) });

  // How it goes: most acknowledged within the hour; some late (the SLA warns, breaches, escalates); a few slow to resolve.
  const lateAck = !AGENT_CHANNELS.has(channel) && r.chance(recent ? 0.3 : 0.12);
  const slowResolve = r.chance(0.08);
  const pending = (story.kind === 'complaint' || story.kind === 'return_request') && r.chance(recent ? 0.5 : 0.2);
  const open = nextOpen(received);
  const ackAt = AGENT_CHANNELS.has(channel) ? received : open + (lateAck ? r.int(80, 200) : r.int(3, 40)) * MINUTE;
  const replyAt = nextOpen(ackAt + r.int(4, story.kind === 'complaint' ? 60 : 120) * MINUTE);
  const target = RESOLVE_MIN[story.severity ?? 'default']!;
  // Calendar time for business minutes: 12 service hours a day.
  const resolveIn = (slowResolve || lateAck ? r.float() * 0.5 + 1.15 : r.float() * 0.6 + 0.15) * (target / 720) * DAY;
  const resolveAt = nextOpen(Math.max(received + resolveIn, replyAt + 40 * MINUTE));

  const step = (ms: number, run: () => Promise<void>) =>
    c.line.add(
      ms,
      async () => {
        c.at(ms);
        await run();
        const t = await deps.tickets.get(id);
        if (t.nextAlertAt) c.watchAlert(new Date(t.nextAlertAt).getTime());
      });
  if (!AGENT_CHANNELS.has(channel)) step(ackAt, async () => void (await deps.tickets.ack(id, staffActor(await holder()))));
  step(replyAt, async () => {
    const agent = await holder();
    const template = story.answers ? null : story.category === 'late_delivery' ? 'apology_late_delivery' : ['damaged_product', 'quality_issue'].includes(story.category) ? 'apology_damaged' : 'acknowledge';
    const text = template ? (await deps.replyTemplates.render(template, { ticketId: id, locale: 'zh-CN' }, { id: agent.id, name: agent.displayName }, { pii: true })).body : matched(story.answers!);
    await deps.tickets.reply(id, { body: text, ...(template ? { template } : {}) }, staffActor(agent));
  });
  /** The last step before the resolution so far. */
  let last = replyAt;
  if (pending) {
    const pendingAt = replyAt + r.int(10, 50) * MINUTE;
    // The last days' customers may not have answered yet (the ticket still pending).
    const backAt = pendingAt + r.int(3, recent ? 72 : 20) * HOUR;
    last = backAt;
    step(pendingAt, async () => {
      const agent = await holder();
      await deps.tickets.reply(id, { body: '为了尽快帮您处理，麻烦您拍一下商品和外包装的照片发给我们，收到后我马上为您跟进，谢谢！' }, staffActor(agent));
      await deps.tickets.setStatus(id, { status: 'pending', note: '等待顾客提供照片' }, staffActor(agent));
    });
    step(backAt, async () => {
      const agent = await holder();
      await deps.tickets.note(id, { body: '顾客已补充照片，问题确认。' }, staffActor(agent));
      await deps.tickets.setStatus(id, { status: 'open' }, staffActor(agent));
    });
  }
  const comp = story.compensation;
  const compensate = !!comp && r.chance(0.85);

  if (comp && compensate) {
    const option = weighted(r, comp.options);
    const proposeAt = last + r.int(20, 180) * MINUTE;
    const approveAt = proposeAt + r.int(15, 240) * MINUTE;
    last = approveAt;
    let compensationId: string | null = null;
    step(proposeAt, async () => {
      // An agent proposes (the manager, holding an escalated ticket, approves: never one's own proposal).
      const holding = await holder();
      const agent = holding.id === c.manager.id ? creatorAgent : holding;
      const proposed = await deps.compensation.propose(id, { policyCode: comp.policy, optionCode: option, note: '按补偿政策处理' }, caller(agent));
      compensationId = proposed.id;
      if (proposed.approvalScope !== 'service:approve') await deps.compensation.approve(proposed.id, caller(agent));
    });
    step(approveAt, async () => {
      if (!compensationId) return;
      const current = await deps.compensation.get(compensationId);
      if (current.status === 'proposed') await deps.compensation.approve(compensationId, caller(c.manager), '同意，按政策执行');
    });
  }
  step(Math.max(resolveAt, last + 30 * MINUTE), async () => {
    const agent = await holder();
    const template = 'resolved';
    const text = (await deps.replyTemplates.render(template, { ticketId: id, locale: 'zh-CN' }, { id: agent.id, name: agent.displayName }, { pii: true })).body;
    await deps.tickets.reply(id, { body: text, template }, staffActor(agent));
    const rootCauses = [...matched(story.rootCauses)];
    await deps.tickets.setStatus(id, { status: 'resolved', resolution: matched(story.resolutions), ...(rootCauses.length ? { rootCauses } : {}) }, staffActor(agent));
    const t = await deps.tickets.get(id);
    // The after-ticket survey's invitation, as the bus's subscriber makes it.
    await c.db.transaction(async (tx) => {
      const e: DomainEvent = { id: newId(), name: 'service.ticket.resolved', occurredAt: t.resolvedAt!, payload: { ticketId: id, customerId: t.customerId, resolvedAt: t.resolvedAt! } };
      await deps.surveys.invitations.ticketsResolved([e] as never, tx);
    });
    const inv = await queryOne<{ id: string; send_at: string | Date }>(c.db, sql`select id::text as id, send_at from surveys.invitations where ticket_id = ${id}::uuid and context_kind = 'ticket' limit 1`);
    if (!inv) return;
    c.watchSend(new Date(inv.send_at).getTime());
    if (!r.chance(0.6)) return;
    // How it went: a breach or a complaint without compensation scores lower.
    const breached = t.slaBreached.length > 0;
    const mood = breached ? 'bad' : story.kind === 'complaint' && !compensate ? 'mid' : r.chance(0.85) ? 'good' : 'mid';
    const csat = mood === 'good' ? r.int(4, 5) : mood === 'mid' ? r.int(3, 4) : r.int(1, 3);
    const nps = mood === 'good' ? r.int(8, 10) : mood === 'mid' ? r.int(5, 8) : r.int(0, 6);
    const comment = r.chance(0.7) ? pick(r, VERBATIMS[mood]) : undefined;
    // The invitation goes out 3–5 days after the resolution; the answer after that.
    const answerAt = new Date(t.resolvedAt!).getTime() + 5 * DAY + r.int(60, 900) * MINUTE;
    c.line.add(answerAt, () => answer(c, inv.id, answerAt, { csat, nps, ...(comment ? { comment } : {}) }));
  });
}

async function summarize(db: Db, created: boolean, started: number): Promise<DemoServiceHistory> {
  const statuses = await query<{ status: string; n: number }>(db, sql`select status, count(*)::int as n from service.tickets where external_ref like 'demo:%' group by status`);
  const [t] = await query<{ n: number; breached: number; escalated: number; executed: number }>(
    db,
    sql`select count(*)::int as n, count(*) filter (where cardinality(sla_breached) > 0)::int as breached, count(*) filter (where escalation_level > 0)::int as escalated,
               (select count(*)::int from service.compensations c join service.tickets x on x.id = c.ticket_id where x.external_ref like 'demo:%' and c.status = 'executed') as executed
          from service.tickets where external_ref like 'demo:%'`,
  );
  const [s] = await query<{ invitations: number; responses: number; staff: number }>(
    db,
    sql`select (select count(*)::int from surveys.invitations) as invitations, (select count(*)::int from surveys.responses) as responses,
               (select count(*)::int from access.staff where username like 'kefu.%') as staff`,
  );
  return {
    created,
    staff: Number(s!.staff),
    tickets: Number(t!.n),
    statuses: Object.fromEntries(['new', 'open', 'pending', 'resolved', 'closed'].map((k) => [k, Number(statuses.find((x) => x.status === k)?.n ?? 0)])),
    breached: Number(t!.breached),
    escalated: Number(t!.escalated),
    compensationsExecuted: Number(t!.executed),
    invitations: Number(s!.invitations),
    responses: Number(s!.responses),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
