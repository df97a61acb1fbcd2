import { formatMoney } from '../../../platform/money.js';
import { REF_IDENTIFIER_FIELDS } from '../../customers/index.js';
import { HOUR_WEIGHTS, OCCASION_CATEGORY_BOOST, dateOf, instantAt, type DemoChannel } from './calendar.js';
import { CATEGORIES, type Category, type DemoProduct, type DiaperSize, type PriceBand } from './catalog.data.js';
import { CITIES, EMAIL_DOMAINS, GIVEN, MOBILE_PREFIXES, SURNAMES, type FamilyStage, type IncomeBand } from './people.data.js';
import { PERSONAS, type Persona } from './personas.js';
import { Random } from './random.js';
import { emptyStats, type CustomerRefRecord, type EventRecord, type MemberRecord, type OrderRecord, type PersonOutput } from './records.js';
import type { DemoWorld } from './world.js';

const DAY_S = 86_400;
const HEX = '0123456789abcdef';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PERSONA_SHARES = PERSONAS.map((p) => p.population);
const CITY_NAMES = Object.keys(CITIES);
const CITY_WEIGHTS = CITY_NAMES.map((c) => CITIES[c]!.weight);
const REF_FIELDS = Object.entries(REF_IDENTIFIER_FIELDS) as Array<[keyof typeof REF_IDENTIFIER_FIELDS, string]>;
const SURNAME_WEIGHTS = SURNAMES.map((_, rank) => 1 / (rank + 8));

/** One person's accounts. Which of them a record carries depends on the channel it came through. */
interface Identity {
  index: number;
  phone: string;
  altPhone?: string;
  email?: string;
  memberNo?: string;
  posCard?: string;
  ecomUserId?: string;
  wechatOpenid?: string;
  wechatUnionid?: string;
  deviceId?: string;
  anonymousId?: string;
}
type IdField = Exclude<keyof Identity, 'index' | 'altPhone'>;

interface Basket {
  lines: Array<{ product: DemoProduct; quantity: number }>;
}

interface PlacedOrder {
  record: OrderRecord;
  at: number;
  channel: DemoChannel;
  products: DemoProduct[];
}

/**
 * Generates everything one person does in the window: the membership sign-up, orders in every
 * channel they use, returns, behaviour events — and, rarely, a look-alike record of the same
 * person under a new phone number. Depends only on (seed, index).
 */
export function generatePerson(w: DemoWorld, index: number): PersonOutput {
  return new PersonGenerator(w, index).run();
}

class PersonGenerator {
  private readonly r: Random;
  private readonly persona: Persona;
  private readonly out: PersonOutput = { members: [], orders: [], returns: [], events: [], stats: emptyStats() };
  private readonly parent = new Map<string, string>();
  private readonly seq = new Map<number, { order: number; event: number }>();
  private readonly refs = new Map<string, CustomerRefRecord>();

  private gender: 'female' | 'male' = 'female';
  private name = '';
  private pinyin = '';
  private birthday = '';
  private city = '';
  private homeStore: string | undefined;
  private guide: string | undefined;
  private uses: Record<DemoChannel, boolean> = { pos: false, online: false, miniprogram: false };
  private member = false;
  private start = 0;
  private end = 0;
  private heaviness = 1;
  private favourites: DemoProduct[] = [];
  private baby: { born: number; formulaFrom: number; band: PriceBand } | undefined;
  private miniPhone = false;
  private onlinePhone = false;
  private firstOnlineLogin = true;
  private firstMiniLogin = true;

  constructor(
    private readonly w: DemoWorld,
    private readonly index: number,
  ) {
    this.r = Random.forPath(w.options.seed, 'person', index);
    this.persona = PERSONAS[this.r.weightedIndex(PERSONA_SHARES)]!;
  }

  run(): PersonOutput {
    const { r, persona: p } = this;
    this.out.stats.people = 1;
    this.describe();
    const me = this.identity(this.index);

    if (p.key === 'browser') {
      this.browse(me);
      return this.finish();
    }

    const registeredAt = this.member ? this.register(me) : undefined;
    const planned = this.planOrders();
    for (const o of planned) this.placeOrder(me, o.day, o.channel, o.basket);
    this.browseWithoutBuying(me);
    if (this.member && this.homeStore && registeredAt !== undefined && r.chance(0.015)) this.lookalike(registeredAt);
    return this.finish();
  }

  // ---- who the person is ---------------------------------------------------------------------

  private describe() {
    const { r, persona: p, w } = this;
    this.gender = r.chance(p.female) ? 'female' : 'male';
    const age = r.int(p.age[0], p.age[1]);
    const birthDay = w.to - Math.floor(age * 365.25) - r.int(0, 364);
    this.birthday = dateOf(birthDay);
    const [surname, surnamePy] = SURNAMES[r.weightedIndex(SURNAME_WEIGHTS)]!;
    const pool = GIVEN[this.gender][Number(this.birthday.slice(0, 4)) >= 1985 ? 'younger' : 'older'];
    const first = r.pick(pool);
    let given = first[0];
    let givenPy = first[1];
    if (r.chance(0.7)) {
      let second = r.pick(pool);
      if (second[0] === first[0]) second = r.pick(pool);
      given += second[0];
      givenPy += second[1];
    }
    this.name = surname + given;
    this.pinyin = surnamePy + givenPy;
    this.city = CITY_NAMES[r.weightedIndex(CITY_WEIGHTS)]!;
    const stores = CITIES[this.city]!.stores;
    this.homeStore = stores.length ? r.pick(stores) : undefined;
    this.guide = this.homeStore ? r.pick(w.stores.find((s) => s.code === this.homeStore)!.staff) : undefined;

    for (const c of w.channels) this.uses[c] = r.chance(p.channels[c]) && (c !== 'pos' || this.homeStore !== undefined);
    if (p.key !== 'browser' && !w.channels.some((c) => this.uses[c])) this.uses[this.homeStore && p.channelMix.pos >= 1 ? 'pos' : 'online'] = true;
    this.member = r.chance(p.member);
    this.miniPhone = r.chance(0.9);
    this.onlinePhone = r.chance(0.9);

    // Most people were already customers when the window opens; the rest arrive during it,
    // more of them around the shopping festivals.
    if (r.chance(0.55)) this.start = w.from;
    else this.start = this.drawDay(this.preferredChannel(), 0, w.to - w.from, 1.5);
    this.end = r.chance(0.35) ? Math.min(w.to, this.start + Math.ceil(-Math.log(1 - r.float()) * 200)) : w.to;
    this.heaviness = Math.exp(0.8 * r.normal() - 0.32);

    if (p.key === 'new_mother') {
      const born = r.int(w.from - 300, w.to - 20);
      this.baby = { born, formulaFrom: born + (r.chance(0.4) ? 180 : 0), band: r.weighted(p.bands) };
    }
    const favouriteCount = r.int(2, 5);
    for (let i = 0; i < favouriteCount; i++) this.favourites.push(this.pickProduct(null));
  }

  private identity(index: number): Identity {
    const { r, w, persona: p } = this;
    const id: Identity = {
      index,
      phone: `${r.pick(MOBILE_PREFIXES)}${String(w.ids.phone(index)).padStart(8, '0')}`,
    };
    if (r.chance(p.email)) {
      const domain = r.weighted(EMAIL_DOMAINS);
      const local = domain === 'qq.com' ? String(100_000_000 + w.ids.email(index) * 7 + r.int(0, 6)) : `${this.pinyin}${w.ids.email(index)}`;
      id.email = `${local}@${domain}`;
    }
    if (this.member) {
      id.memberNo = `KM${String(w.ids.member(index)).padStart(8, '0')}`;
      id.posCard = `8860${String(w.ids.card(index)).padStart(8, '0')}`;
    }
    if (this.uses.online) {
      id.ecomUserId = `u${String(w.ids.ecom(index)).padStart(9, '0')}`;
      id.deviceId = uuidLike(r);
      id.anonymousId = `anon-${r.chars(HEX, 20)}`;
      if (r.chance(0.05)) id.altPhone = `${r.pick(MOBILE_PREFIXES)}${String(w.ids.phone(2 * w.options.customers + index)).padStart(8, '0')}`;
    }
    if (this.uses.miniprogram) {
      id.wechatOpenid = `o${r.chars(B64URL, 27)}`;
      id.wechatUnionid = `o${r.chars(B64URL, 27)}`;
      id.anonymousId ??= `anon-${r.chars(HEX, 20)}`;
    }
    return id;
  }

  // ---- membership ----------------------------------------------------------------------------

  private register(me: Identity): number {
    const { r, persona: p, w } = this;
    const channel: DemoChannel = this.uses.pos && (!this.uses.miniprogram || r.chance(0.6)) ? 'pos' : this.uses.miniprogram ? 'miniprogram' : 'online';
    const day = this.start > w.from ? this.start : w.from - r.int(30, 1500);
    const at = this.at(day, channel === 'pos' ? 'pos' : channel);
    const fields: IdField[] =
      channel === 'pos'
        ? ['memberNo', 'posCard', 'phone', 'email']
        : channel === 'miniprogram'
          ? ['memberNo', 'posCard', 'phone', 'wechatOpenid', 'wechatUnionid']
          : ['memberNo', 'posCard', 'phone', 'ecomUserId', 'email'];
    const customer = this.ref(me, fields, { name: this.name, gender: this.gender, birthday: this.birthday, city: this.city });
    const familyStage = this.familyStage();
    const tags = p.key === 'new_mother' || p.key === 'student' || p.key === 'senior' ? [p.label] : [];
    const when = stamp(at);
    const record: MemberRecord = {
      customer,
      profile: {
        ...(r.chance(0.6) ? { incomeBand: r.weighted(p.income as Record<IncomeBand, number>) } : {}),
        ...(r.chance(0.6) ? { occupation: r.weighted(p.occupations) } : {}),
        ...(familyStage && (p.key === 'new_mother' || r.chance(0.7)) ? { familyStage } : {}),
        tags,
        attributes: { demoPersona: p.key },
      },
      consents: [{ channel: 'sms', purpose: 'marketing', status: r.chance(0.75) ? 'granted' : 'withdrawn', recordedAt: when }],
      registeredAt: when,
      channel,
      ...(channel === 'pos' && this.homeStore ? { storeCode: this.homeStore } : {}),
    };
    if (me.email && customer.email) record.consents.push({ channel: 'email', purpose: 'marketing', status: r.chance(0.5) ? 'granted' : 'withdrawn', recordedAt: when });
    if (me.wechatUnionid && channel === 'miniprogram') record.consents.push({ channel: 'wechat', purpose: 'marketing', status: r.chance(0.8) ? 'granted' : 'withdrawn', recordedAt: when });
    this.track(customer);
    this.out.members.push(record);
    this.out.stats.members += 1;
    return day;
  }

  private familyStage(): FamilyStage | undefined {
    if (this.baby) return this.w.to - this.baby.born < 365 ? 'new_parent' : 'young_children';
    return this.r.weighted(this.persona.family as Record<FamilyStage, number>);
  }

  /** The same person signing up again in another store with a new phone (换号): weak evidence only. */
  private lookalike(registeredDay: number) {
    const { r, w } = this;
    const stores = CITIES[this.city]!.stores;
    const store = stores.length > 1 ? stores.find((s) => s !== this.homeStore)! : this.homeStore!;
    const twin: Identity = {
      index: w.options.customers + this.index,
      phone: `${r.pick(MOBILE_PREFIXES)}${String(w.ids.phone(w.options.customers + this.index)).padStart(8, '0')}`,
      memberNo: `KM${String(w.ids.member(w.options.customers + this.index)).padStart(8, '0')}`,
      posCard: `8860${String(w.ids.card(w.options.customers + this.index)).padStart(8, '0')}`,
    };
    const first = Math.max(registeredDay, w.from) + r.int(30, 200);
    if (first > w.to || (w.storeOpenDay.get(store) ?? 0) > first) return;
    const customer = this.ref(twin, ['memberNo', 'posCard', 'phone'], { name: this.name, gender: this.gender, birthday: this.birthday, city: this.city });
    this.track(customer);
    this.out.members.push({
      customer,
      profile: { tags: [], attributes: { demoPersona: this.persona.key } },
      consents: [],
      registeredAt: stamp(this.at(first, 'pos')),
      channel: 'pos',
      storeCode: store,
    });
    this.out.stats.members += 1;
    this.out.stats.lookalikes += 1;
    const orders = r.int(1, 3);
    for (let i = 0; i < orders; i++) {
      const day = first + i * r.int(10, 60);
      if (day > w.to) break;
      const at = this.at(day, 'pos');
      this.emitOrder({ at, channel: 'pos', identity: twin, store, basket: this.basket(day), customer: this.ref(twin, ['posCard', 'phone']) });
    }
  }

  // ---- orders --------------------------------------------------------------------------------

  private planOrders(): Array<{ day: number; channel: DemoChannel; basket: Basket }> {
    const { r, persona: p, w } = this;
    const plan: Array<{ day: number; channel: DemoChannel; basket: Basket }> = [];
    const a = this.start - w.from;
    const b = this.end - w.from;
    const used = w.channels.filter((c) => this.uses[c]);
    const mixTotal = used.reduce((s, c) => s + p.channelMix[c], 0);
    for (const c of used) {
      const rate = (p.ordersPerYear * this.heaviness * p.channelMix[c]) / mixTotal / 365;
      const d = w.demand(c, a, b);
      const n = r.poisson(rate * (d.base + p.promoSensitivity * d.promo));
      for (let i = 0; i < n; i++) {
        const day = this.drawDay(c, a, b, p.promoSensitivity);
        plan.push({ day, channel: c, basket: this.basket(day) });
      }
    }
    if (this.baby) plan.push(...this.babyRhythm());
    if (plan.length === 0) {
      const c = this.preferredChannel();
      const day = this.drawDay(c, a, b, p.promoSensitivity);
      plan.push({ day, channel: c, basket: this.basket(day) });
    }
    plan.sort((x, y) => x.day - y.day);
    return plan.slice(0, 999);
  }

  /**
   * Formula and diapers bought on the baby's rhythm: stage 1 → 2 → 3 formula, diapers growing a
   * size every few months and lasting longer per pack, then stopping at potty training. About
   * half of the purchases go elsewhere, which is what a share-of-wallet looks like.
   */
  private babyRhythm(): Array<{ day: number; channel: DemoChannel; basket: Basket }> {
    const { r, w } = this;
    const baby = this.baby!;
    const plan: Array<{ day: number; channel: DemoChannel; basket: Basket }> = [];
    const channels = (['online', 'miniprogram', 'pos'] as const).filter((c) => this.uses[c]);
    const channelWeights = channels.map((c) => ({ online: 1.5, miniprogram: 1.2, pos: 0.5 })[c]);
    const begin = Math.max(this.start, baby.born);
    const end = Math.min(this.end, baby.born + 1000);
    let nextFormula = Math.max(begin, baby.formulaFrom) + r.int(0, 6);
    let nextDiaper = begin + r.int(0, 6);
    for (let guard = 0; guard < 400; guard++) {
      const day = Math.min(nextFormula, nextDiaper);
      if (day > end) break;
      const age = day - baby.born;
      const lines: Basket['lines'] = [];
      const promo = w.profile(day).discount > 0;
      if (nextFormula <= day + 5 && age < 1095) {
        const quantity = r.int(2, 4) + (promo ? 1 : 0);
        lines.push({ product: this.babyProduct(w.formula.get(age < 180 ? 1 : age < 365 ? 2 : 3)!), quantity });
        nextFormula = day + Math.round(quantity * (age < 180 ? 7 : age < 365 ? 9 : 12) * (0.85 + 0.3 * r.float()));
      }
      if (nextDiaper <= day + 5 && age < 900) {
        const size = diaperSize(age);
        const quantity = r.int(1, 3);
        lines.push({ product: this.babyProduct(w.diapers.get(size)!), quantity });
        nextDiaper = day + Math.round(quantity * DAYS_PER_PACK[size] * (0.85 + 0.3 * r.float()));
      } else if (age >= 900) nextDiaper = Number.MAX_SAFE_INTEGER;
      if (age >= 1095) nextFormula = Number.MAX_SAFE_INTEGER;
      if (lines.length && r.chance(0.45)) {
        if (age > 180 && r.chance(0.25)) lines.push({ product: r.pick(w.leaf(['母婴', '辅食', '米粉果泥'])), quantity: r.int(1, 3) });
        plan.push({ day, channel: channels[r.weightedIndex(channelWeights)] ?? 'online', basket: { lines } });
      }
    }
    return plan;
  }

  private babyProduct(list: DemoProduct[]): DemoProduct {
    const band = this.baby!.band;
    return list.find((x) => x.band === band) ?? list[0]!;
  }

  private basket(day: number): Basket {
    const { r, persona: p, w } = this;
    const profile = w.profile(day);
    const extra = p.key === 'price_sensitive' && profile.discount > 0 ? 1 : 0;
    const count = 1 + r.geometric(p.moreLines, 5) + extra;
    const lines: Basket['lines'] = [];
    const add = (product: DemoProduct) => {
      if (lines.some((l) => l.product.sku === product.sku)) return;
      const quantity = product.consumable ? 1 + r.geometric(0.3 + (profile.discount > 0 ? 0.2 : 0), 4) : r.chance(0.05) ? 2 : 1;
      lines.push({ product, quantity });
      // Cross-sell pairs the source articles name: dresses with accessories, coffee with biscuits …
      const rule = CROSS_SELL.find((c) => product.path.join('/').startsWith(c.from));
      if (rule && r.chance(rule.p)) {
        const pool = w.leaf(rule.to);
        const match = pool.filter((x) => x.band === product.band);
        add(r.pick(match.length ? match : pool));
      }
    };
    for (let i = 0; i < count; i++) {
      add(this.favourites.length && r.chance(0.35) ? r.pick(this.favourites) : this.pickProduct(day));
    }
    return { lines };
  }

  /** A product this persona would pick on this day (season and occasion move the odds). */
  private pickProduct(day: number | null): DemoProduct {
    const { r, persona: p, w } = this;
    const occasion = day === null ? null : w.profile(day).occasion;
    const boost = occasion ? OCCASION_CATEGORY_BOOST[occasion] : {};
    const weights = CATEGORIES.map((c) => (p.categories[c] ?? 0) * (boost[c] ?? 1));
    const category: Category = CATEGORIES[r.weightedIndex(weights)]!;
    const season = day === null ? null : seasonOf(dateOf(day));
    let product: DemoProduct | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      product = r.pick(w.pool(category, r.weighted(p.bands)));
      if (!product.season || !season || product.season === season || r.chance(0.3)) break;
    }
    return product!;
  }

  private placeOrder(me: Identity, day: number, channel: DemoChannel, basket: Basket) {
    const { r, w } = this;
    let store: string | undefined;
    if (channel === 'pos') {
      store = this.homeStore!;
      if (r.chance(0.12)) store = r.pick(w.stores).code;
      if ((w.storeOpenDay.get(store) ?? 0) > day) store = this.homeStore!;
      if ((w.storeOpenDay.get(store) ?? 0) > day) return;
    }
    const at = this.at(day, channel);
    let customer: CustomerRefRecord | undefined;
    let identity: Identity | null = me;
    if (channel === 'pos') {
      const u = r.float();
      if (this.member) {
        customer = u < 0.08 ? undefined : u < 0.5 ? this.ref(me, ['posCard', 'phone']) : u < 0.8 ? this.ref(me, ['posCard']) : this.ref(me, ['phone']);
      } else customer = u < 0.55 ? undefined : this.ref(me, ['phone'], r.chance(0.3) ? { name: this.name } : {});
    } else if (channel === 'online') {
      const fields: IdField[] = ['ecomUserId'];
      if (me.email && r.chance(0.7)) fields.push('email');
      const extra: CustomerRefRecord = r.chance(0.6) ? { name: this.name } : {};
      if (this.onlinePhone && r.chance(0.95)) {
        if (me.altPhone && r.chance(0.3)) extra.phone = this.formatPhone(me.altPhone);
        else fields.push('phone');
      }
      customer = this.ref(me, fields, extra);
    } else {
      customer = this.ref(me, this.miniPhone && r.chance(0.95) ? ['wechatOpenid', 'wechatUnionid', 'phone'] : ['wechatOpenid', 'wechatUnionid']);
    }
    if (!customer) identity = null;
    const order = this.emitOrder({ at, channel, identity, store, basket, customer });
    if (identity) this.orderEvents(identity, order);
  }

  private emitOrder(o: {
    at: number;
    channel: DemoChannel;
    identity: Identity | null;
    store: string | undefined;
    basket: Basket;
    customer: CustomerRefRecord | undefined;
  }): PlacedOrder {
    const { r, w } = this;
    const day = Math.floor(o.at / DAY_S);
    const profile = w.profile(day);
    const seq = this.nextSeq(o.identity?.index ?? this.index, 'order');
    const ymd = dateOf(day).replaceAll('-', '');
    const n = `${String(o.identity?.index ?? this.index).padStart(7, '0')}${String(seq).padStart(3, '0')}`;
    const externalId = o.channel === 'pos' ? `${o.store}-${ymd}-${n}` : `${o.channel === 'online' ? 'EC' : 'MP'}${ymd}${n}`;

    const gross = o.basket.lines.map((l) => l.quantity * l.product.priceFen);
    const discounts = gross.map(() => 0);
    const online = o.channel !== 'pos';
    const depth = online ? profile.discount : profile.discount / 2;
    if (depth > 0) {
      gross.forEach((g, i) => (discounts[i] = Math.floor((g * (depth - 0.025 + 0.05 * r.float())) / 100) * 100));
    } else if (o.channel === 'pos' && o.identity?.posCard && r.chance(0.4)) {
      // Member price when the card is shown.
      gross.forEach((g, i) => (discounts[i] = Math.round(g * 0.05)));
    } else if (online && r.chance(0.2)) {
      // 满300减30: a threshold coupon, spread over the lines in proportion to their value.
      const total = gross.reduce((s, g) => s + g, 0);
      if (total >= 30_000) spread(gross, discounts, 3_000);
    }
    const paid = gross.reduce((s, g, i) => s + g - discounts[i]!, 0);
    let fulfillment: OrderRecord['fulfillment'] = 'in_store';
    let store = o.store;
    if (o.channel === 'online') fulfillment = this.homeStore && r.chance(0.08) ? 'pickup' : 'delivery';
    if (o.channel === 'miniprogram') fulfillment = this.homeStore && r.chance(0.25) ? 'pickup' : 'delivery';
    if (fulfillment === 'pickup') store = this.homeStore;
    const record: OrderRecord = {
      channel: o.channel,
      externalId,
      ...(store ? { storeCode: store } : {}),
      ...(o.channel === 'pos' ? { staffCode: store === this.homeStore && this.guide && r.chance(0.6) ? this.guide : r.pick(w.stores.find((s) => s.code === store)!.staff) } : {}),
      placedAt: stamp(o.at),
      status: 'completed',
      ...(o.customer ? { customer: o.customer } : {}),
      lines: o.basket.lines.map((l, i) => ({
        sku: l.product.sku,
        quantity: l.quantity,
        unitPrice: formatMoney(l.product.priceFen),
        ...(discounts[i] ? { discount: formatMoney(discounts[i]!) } : {}),
      })),
      paidAmount: formatMoney(paid),
      currency: 'CNY',
      paymentMethod: this.payment(o.channel),
      fulfillment,
      ...(profile.occasion ? { attributes: { occasion: profile.occasion } } : {}),
    };
    if (o.customer) this.track(o.customer);
    this.out.orders.push(record);
    this.out.stats.orders += 1;
    this.out.stats.lines += record.lines.length;
    if (!o.customer) this.out.stats.guestOrders += 1;
    const placed: PlacedOrder = { record, at: o.at, channel: o.channel, products: o.basket.lines.map((l) => l.product) };
    this.maybeReturn(placed, o.basket);
    return placed;
  }

  private payment(channel: DemoChannel): string {
    const { r, persona: p } = this;
    if (channel === 'miniprogram') return 'wechat_pay';
    if (channel === 'online') return r.weighted(p.key === 'student' || p.key === 'social_sharer' ? PAY.onlineYoung : PAY.online);
    return r.weighted(p.key === 'senior' ? PAY.posSenior : PAY.pos);
  }

  /** A few percent come back, apparel bought online most often; one line, part of its quantity. */
  private maybeReturn(order: PlacedOrder, basket: Basket) {
    const { r, w } = this;
    const online = order.channel !== 'pos';
    const lineNo = basket.lines.findIndex((l) => r.chance(l.product.category === '服装' ? (online ? 0.1 : 0.04) : l.product.category === '美妆' ? 0.02 : 0.01));
    if (lineNo < 0) return;
    const line = basket.lines[lineNo]!;
    const day = Math.floor(order.at / DAY_S) + (online ? r.int(3, 14) : r.int(1, 7));
    if (day > w.to) return;
    const reasons = RETURN_REASONS[line.product.category];
    this.out.returns.push({
      channel: order.channel,
      externalId: `R${order.record.externalId}`,
      order: { channel: order.channel, externalId: order.record.externalId },
      returnedAt: stamp(this.at(day, online ? 'online' : 'pos')),
      reason: r.pick(reasons),
      lines: [{ lineNo: lineNo + 1, quantity: line.quantity > 1 ? r.int(1, line.quantity) : 1 }],
    });
    this.out.stats.returns += 1;
  }

  // ---- behaviour -----------------------------------------------------------------------------

  /** The clicks around an order: browsing and cart before it, try-ons in store, a review or share after. */
  private orderEvents(me: Identity, order: PlacedOrder) {
    const { r, persona: p } = this;
    const t = order.at;
    if (order.channel === 'pos') {
      const ref = me.posCard ? this.ref(me, ['posCard']) : null;
      if (!ref) return;
      if (r.chance(0.25)) this.event(me, 'store_visit', t - r.int(600, 3000), ref, { channel: 'pos', storeCode: order.record.storeCode, properties: { minutes: r.int(10, 60) } });
      for (const product of order.products)
        if (product.category === '服装' && r.chance(0.4))
          this.event(me, 'try_on', t - r.int(300, 1800), ref, { channel: 'pos', storeCode: order.record.storeCode, sku: product.sku, properties: { size: r.pick(['S', 'M', 'L', 'XL']) } });
    } else {
      const online = order.channel === 'online';
      const ref = online ? this.ref(me, ['ecomUserId']) : this.ref(me, ['wechatOpenid', 'wechatUnionid']);
      if (online && this.firstOnlineLogin) this.identify(me, t - r.int(900, 3600));
      if (!online && this.firstMiniLogin) this.identifyMini(me, t - r.int(600, 1800));
      for (const product of order.products) {
        if (r.chance(online ? 0.15 : 0.12)) this.event(me, 'view', t - r.int(300, 1800), ref, { channel: order.channel, sku: product.sku, properties: { seconds: r.int(5, 180) } });
        if (r.chance(0.2)) this.event(me, 'add_to_cart', t - r.int(60, 300), ref, { channel: order.channel, sku: product.sku, properties: { quantity: 1 } });
      }
    }
    const after = (minDays: number, maxDays: number) => t + r.int(minDays * DAY_S, maxDays * DAY_S);
    const social = order.channel === 'pos' ? (me.wechatUnionid ? this.ref(me, ['wechatOpenid', 'wechatUnionid']) : null) : null;
    const ref = order.channel === 'online' ? this.ref(me, ['ecomUserId']) : order.channel === 'miniprogram' ? this.ref(me, ['wechatOpenid', 'wechatUnionid']) : social;
    if (!ref) return;
    const reviews = r.chance(p.review);
    const shares = r.chance(p.share);
    if (social && (reviews || shares) && this.firstMiniLogin) this.identifyMini(me, t + 60);
    if (reviews) {
      this.event(me, 'review', after(order.channel === 'pos' ? 0 : 2, 10), ref, {
          channel: order.channel === 'online' ? 'online' : 'miniprogram',
          sku: order.products[0]!.sku,
          properties: { rating: 5 - r.weightedIndex([60, 25, 8, 4, 3]), orderExternalId: order.record.externalId },
        });
    }
    if (shares) {
      this.event(me, 'share', after(0, 2), ref, {
          channel: 'miniprogram',
          sku: r.pick(order.products).sku,
          properties: { platform: r.weighted(SHARE_PLATFORMS) },
        });
    }
  }

  /** Looking without buying: product views, favourites, abandoned carts, store visits. */
  private browseWithoutBuying(me: Identity) {
    const { r, persona: p, w } = this;
    const years = (this.end - this.start + 1) / 365;
    const channels = (['online', 'miniprogram'] as const).filter((c) => this.uses[c]);
    if (channels.length) {
      const sessions = r.poisson(p.browsePerYear * years * 0.2);
      for (let i = 0; i < sessions; i++) {
        const channel = r.pick(channels);
        const day = this.drawDay(channel, this.start - w.from, this.end - w.from, 1);
        const t = this.at(day, channel);
        const ref = channel === 'online' ? this.ref(me, ['ecomUserId']) : this.ref(me, ['wechatOpenid', 'wechatUnionid']);
        if (channel === 'online' && this.firstOnlineLogin) this.identify(me, t - 60);
        if (channel === 'miniprogram' && this.firstMiniLogin) this.identifyMini(me, t - 60);
        this.session(me, ref, channel, t);
      }
    }
    if (this.uses.pos && me.posCard) {
      const visits = r.poisson(0.3 * years);
      for (let i = 0; i < visits; i++) {
        const day = this.drawDay('pos', this.start - w.from, this.end - w.from, 1);
        const t = this.at(day, 'pos');
        const store = this.homeStore!;
        if ((w.storeOpenDay.get(store) ?? 0) > day) continue;
        const ref = this.ref(me, ['posCard']);
        this.event(me, 'store_visit', t, ref, { channel: 'pos', storeCode: store, properties: { minutes: r.int(5, 40) } });
        if (r.chance(0.5)) {
          const pool = w.pool('服装', r.weighted(p.bands));
          this.event(me, 'try_on', t + r.int(120, 900), ref, { channel: 'pos', storeCode: store, sku: r.pick(pool).sku, properties: { size: r.pick(['S', 'M', 'L', 'XL']) } });
        }
      }
    }
  }

  /**
   * Before the first login the shop only knows a device: those views carry just an anonymous id.
   * The first login sends that id with the account, which is when the earlier views get a person.
   */
  private identify(me: Identity, t: number) {
    const { r, w } = this;
    this.firstOnlineLogin = false;
    const sessions = r.int(0, 1);
    for (let i = 0; i < sessions; i++) {
      const at = t - r.int(1, 20) * DAY_S - r.int(0, DAY_S - 1);
      if (at < w.from * DAY_S) continue;
      this.session(me, { anonymousId: me.anonymousId }, 'online', at, true);
    }
    // Shop accounts are bound to a mobile number (手机号注册), which the account feed sends along.
    const fields: IdField[] = this.onlinePhone ? ['ecomUserId', 'anonymousId', 'deviceId', 'phone'] : ['ecomUserId', 'anonymousId', 'deviceId'];
    this.event(me, 'login', t, this.ref(me, fields), { channel: 'online', properties: { method: r.weighted(LOGIN_METHODS) } });
  }

  /** First use of the mini-program: WeChat login, with the phone number if the person authorises it (手机号快捷登录). */
  private identifyMini(me: Identity, t: number) {
    this.firstMiniLogin = false;
    const fields: IdField[] = this.miniPhone ? ['wechatOpenid', 'wechatUnionid', 'phone'] : ['wechatOpenid', 'wechatUnionid'];
    this.event(me, 'login', t, this.ref(me, fields), { channel: 'miniprogram', properties: { method: 'wechat' } });
  }

  private session(me: Identity, ref: CustomerRefRecord, channel: DemoChannel, t: number, anonymous = false) {
    const { r } = this;
    const views = r.int(1, 3);
    let at = t;
    let last: DemoProduct | undefined;
    for (let v = 0; v < views; v++) {
      last = this.pickProduct(Math.floor(t / DAY_S));
      this.event(me, 'view', at, ref, { channel, sku: last.sku, properties: { seconds: r.int(5, 180) } }, anonymous);
      at += r.int(20, 240);
    }
    if (last && r.chance(0.2)) this.event(me, 'favorite', at, ref, { channel, sku: last.sku }, anonymous);
    if (last && r.chance(0.15)) this.event(me, 'add_to_cart', at + 30, ref, { channel, sku: last.sku, properties: { quantity: 1 } }, anonymous);
  }

  /** Prospects: anonymous browsing; half of them later sign up in the mini-program. */
  private browse(me: Identity) {
    const { r, persona: p, w } = this;
    const channels = (['online', 'miniprogram'] as const).filter((c) => this.uses[c]);
    if (!channels.length || !me.anonymousId) return;
    const sessions = 1 + r.poisson(p.browsePerYear * ((this.end - this.start + 1) / 365) * 0.5);
    const times = Array.from({ length: sessions }, () => {
      const c = r.pick(channels);
      const day = this.drawDay(c, this.start - w.from, this.end - w.from, 1);
      return { c, t: this.at(day, c) };
    }).sort((x, y) => x.t - y.t);
    const signUpAt = this.uses.miniprogram && r.chance(0.5) ? r.int(0, sessions - 1) : -1;
    let known = false;
    times.forEach(({ c, t }, i) => {
      if (i === signUpAt) {
        known = true;
        this.event(me, 'sign_up', t - 30, this.ref(me, ['anonymousId', 'wechatOpenid', 'wechatUnionid', 'phone'], { name: this.name, gender: this.gender, city: this.city }), {
          channel: 'miniprogram',
        });
      }
      if (known && c === 'miniprogram') this.session(me, this.ref(me, ['wechatOpenid', 'wechatUnionid']), c, t);
      else this.session(me, { anonymousId: me.anonymousId }, c, t, true);
    });
  }

  private event(
    me: Identity,
    type: string,
    at: number,
    customer: CustomerRefRecord,
    rest: Partial<Pick<EventRecord, 'channel' | 'storeCode' | 'sku' | 'properties'>>,
    anonymous = false,
  ) {
    // Nothing happens after yesterday: a review due tomorrow has not been written yet.
    if (at >= (this.w.to + 1) * DAY_S) return;
    const seq = this.nextSeq(me.index, 'event');
    this.track(customer);
    this.out.events.push({
      type,
      occurredAt: stamp(at),
      customer,
      ...(rest.channel ? { channel: rest.channel } : {}),
      ...(rest.storeCode ? { storeCode: rest.storeCode } : {}),
      ...(rest.sku ? { sku: rest.sku } : {}),
      ...(rest.properties ? { properties: rest.properties } : {}),
      source: 'demo',
      externalId: `E${String(me.index).padStart(7, '0')}-${seq}`,
    });
    this.out.stats.events += 1;
    if (anonymous) this.out.stats.anonymousEvents += 1;
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A customer reference carrying the given identifiers, formatted as the sending system would. */
  private ref(me: Identity, fields: IdField[], extra?: CustomerRefRecord): CustomerRefRecord {
    // Refs without phone, e-mail or extras come out the same every time: build them once.
    const cacheable = !extra && !fields.includes('phone') && !fields.includes('email');
    const cacheKey = cacheable ? `${me.index}|${fields.join()}` : '';
    if (cacheable) {
      const hit = this.refs.get(cacheKey);
      if (hit) return hit;
    }
    const ref: CustomerRefRecord = {};
    for (const f of fields) {
      const value = me[f];
      if (value === undefined) continue;
      ref[f] = f === 'phone' ? this.formatPhone(value) : f === 'email' && this.r.chance(0.05) ? capitalise(value) : value;
    }
    const result = extra ? { ...ref, ...extra } : ref;
    if (cacheable) this.refs.set(cacheKey, result);
    return result;
  }

  /** Systems write phone numbers in their own ways; the platform normalises them to E.164. */
  private formatPhone(phone: string): string {
    const u = this.r.float();
    if (u < 0.8) return phone;
    if (u < 0.9) return `+86 ${phone.slice(0, 3)}-${phone.slice(3, 7)}-${phone.slice(7)}`;
    return `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
  }

  /**
   * Bookkeeping of which strong identifiers an emitted record ties together: identity resolution
   * joins exactly these, so the connected groups are the golden profiles the demo should end with.
   */
  private track(ref: CustomerRefRecord) {
    const keys: string[] = [];
    for (const [field, type] of REF_FIELDS) {
      const value = ref[field];
      if (value === undefined || !this.w.strong.has(type)) continue;
      keys.push(`${type}:${type === 'phone' ? value.replace(/\D/g, '').slice(-11) : type === 'email' ? value.toLowerCase() : value}`);
    }
    for (const k of keys) if (!this.parent.has(k)) this.parent.set(k, k);
    for (let i = 1; i < keys.length; i++) {
      const a = this.find(keys[0]!);
      const b = this.find(keys[i]!);
      if (a !== b) this.parent.set(b, a);
    }
  }

  private find(k: string): string {
    let root = k;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    return root;
  }

  private finish(): PersonOutput {
    // Time order within the person; Array.prototype.sort is stable, so ties keep generation order.
    this.out.members.sort((a, b) => cmp(a.registeredAt, b.registeredAt));
    this.out.orders.sort((a, b) => cmp(a.placedAt, b.placedAt));
    this.out.returns.sort((a, b) => cmp(a.returnedAt, b.returnedAt));
    this.out.events.sort((a, b) => cmp(a.occurredAt, b.occurredAt));
    const roots = new Set<string>();
    for (const k of this.parent.keys()) roots.add(this.find(k));
    this.out.stats.expectedProfiles = roots.size;
    return this.out;
  }

  private nextSeq(index: number, kind: 'order' | 'event'): number {
    let s = this.seq.get(index);
    if (!s) this.seq.set(index, (s = { order: 0, event: 0 }));
    return ++s[kind];
  }

  private preferredChannel(): DemoChannel {
    const used = this.w.channels.filter((c) => this.uses[c]);
    if (!used.length) return 'online';
    return used[this.r.weightedIndex(used.map((c) => this.persona.channelMix[c] || 0.1))]!;
  }

  /** A day in window offsets [a, b], weighted by the channel's demand (festivals scaled by sensitivity). */
  private drawDay(c: DemoChannel, a: number, b: number, promoSensitivity: number): number {
    const { r, w } = this;
    const d = w.demand(c, a, b);
    const promo = promoSensitivity * d.promo;
    const usePromo = r.float() * (d.base + promo) >= d.base;
    const cum = usePromo ? w.cumPromo[c] : w.cumBase[c];
    const u = cum[a]! + r.float() * (cum[b + 1]! - cum[a]!);
    return w.from + w.locate(cum, u);
  }

  /** Seconds since the epoch (local clock) of a moment on `day` typical for the channel. */
  private at(day: number, channel: DemoChannel): number {
    const { r, w } = this;
    const hours =
      channel === 'pos'
        ? this.persona.key === 'senior'
          ? HOUR_WEIGHTS.senior_pos
          : HOUR_WEIGHTS.pos
        : channel === 'online' && day >= w.from && day <= w.to && w.profile(day).peak
          ? HOUR_WEIGHTS.peak_online
          : HOUR_WEIGHTS[channel];
    return day * DAY_S + r.weightedIndex(hours) * 3600 + r.int(0, 3599);
  }
}

const PAY = {
  online: { alipay: 50, wechat_pay: 30, huabei: 10, bank_card: 8 },
  // 花呗 (pay later) is popular with the young.
  onlineYoung: { alipay: 50, wechat_pay: 30, huabei: 25, bank_card: 8 },
  pos: { wechat_pay: 45, alipay: 30, bank_card: 15, cash: 5, unionpay: 5 },
  posSenior: { wechat_pay: 45, alipay: 30, bank_card: 15, cash: 30, unionpay: 5 },
};
const SHARE_PLATFORMS = { wechat_moments: 5, wechat_friend: 3, xiaohongshu: 3, weibo: 1 };
const LOGIN_METHODS = { sms: 5, password: 3, wechat: 2 };

const CROSS_SELL: Array<{ from: string; to: string[]; p: number }> = [
  { from: '服装/女装/连衣裙', to: ['服装', '配饰', '包袋'], p: 0.3 },
  { from: '服装/女装/外套', to: ['服装', '配饰', '围巾'], p: 0.25 },
  { from: '食品/饮料/咖啡', to: ['食品', '零食', '饼干糕点'], p: 0.3 },
  { from: '家居/床品/四件套', to: ['家居', '床品', '枕芯被芯'], p: 0.25 },
  { from: '美妆/彩妆/口红', to: ['美妆', '彩妆', '底妆'], p: 0.2 },
  { from: '美妆/护肤/洁面', to: ['美妆', '护肤', '面霜'], p: 0.2 },
];

const RETURN_REASONS: Record<Category, string[]> = {
  服装: ['尺码不合适', '颜色与图片不符', '不喜欢款式', '面料有瑕疵'],
  美妆: ['过敏不适', '不适合肤质', '包装破损'],
  食品: ['临近保质期', '包装破损', '口味不喜欢'],
  母婴: ['宝宝不适应', '尺码不合适', '包装破损'],
  家居: ['尺寸不合适', '质量问题', '发错货'],
};

const DIAPER_STAGES: Array<[number, DiaperSize]> = [
  [30, 'NB'],
  [120, 'S'],
  [240, 'M'],
  [420, 'L'],
  [600, 'XL'],
];
function diaperSize(ageDays: number): DiaperSize {
  for (const [limit, size] of DIAPER_STAGES) if (ageDays < limit) return size;
  return '拉拉裤';
}
/** Days one pack lasts: fewer changes a day as the baby grows, so the rhythm slows. */
const DAYS_PER_PACK: Record<DiaperSize, number> = { NB: 7, S: 9, M: 11, L: 13, XL: 16, 拉拉裤: 20 };

function seasonOf(date: string): 'summer' | 'winter' | null {
  const m = Number(date.slice(5, 7));
  if (m >= 5 && m <= 8) return 'summer';
  if (m >= 10 || m <= 2) return 'winter';
  return null;
}

function spread(gross: number[], discounts: number[], amount: number) {
  const total = gross.reduce((s, g) => s + g, 0);
  let left = amount;
  let largest = 0;
  gross.forEach((g, i) => {
    const share = Math.floor((amount * g) / total);
    discounts[i] = share;
    left -= share;
    if (g > gross[largest]!) largest = i;
  });
  discounts[largest]! += left;
}

/** Timestamps share one offset, so their text order is their time order. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stamp(secondsSinceEpoch: number): string {
  return instantAt(Math.floor(secondsSinceEpoch / DAY_S), secondsSinceEpoch % DAY_S);
}

function uuidLike(r: Random): string {
  const h = r.chars(HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[r.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20)}`;
}

function capitalise(email: string): string {
  return email.charAt(0).toUpperCase() + email.slice(1);
}
