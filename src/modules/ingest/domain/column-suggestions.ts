import type { MappingSpec } from '../ingest.schemas.js';
import { IMPORT_KINDS, KIND_FIELDS, type ImportKind } from './import-kinds.js';
import { IMPORT_PRESETS } from './import-presets.js';
import { columnsOf } from './row-mapping.js';

/**
 * Other names a column of a field goes by (compared lowercased, without spaces, `_`, `-` or `.`),
 * keyed by the field's last segment (`customer.phone` → `phone`): common English export headers and
 * the Chinese ones POS, ERP and e-commerce back offices write.
 */
const SYNONYMS: Record<string, string[]> = {
  externalId: ['orderno', 'orderid', 'ordernumber', 'order', 'ticketno', 'invoiceno', 'receiptno', '单号', '订单号', '订单编号', '小票号', '流水号', '退货单号'],
  placedAt: ['placed', 'orderdate', 'ordertime', 'orderedat', 'createdat', 'date', 'datetime', '下单时间', '订单时间', '交易时间', '日期', '时间'],
  storeCode: ['store', 'storeid', 'storeno', 'shop', 'shopcode', '门店', '门店编码', '门店代码', '门店编号', '店铺'],
  staffCode: ['staff', 'staffid', 'guide', 'clerk', '导购', '导购编号', '店员'],
  paidAmount: ['paid', 'amount', 'total', 'paidtotal', 'salesvalue', '实付', '实付金额', '支付金额', '金额'],
  currency: ['币种', '货币'],
  paymentMethod: ['payment', 'paymenttype', 'paywith', '支付方式', '付款方式'],
  phone: ['mobile', 'mobilephone', 'cellphone', 'tel', 'telephone', 'phonenumber', '手机', '手机号', '手机号码', '电话', '联系电话'],
  email: ['mail', 'emailaddress', '邮箱', '电子邮箱', '邮件'],
  memberNo: ['member', 'memberid', 'membernumber', 'cardno', 'memberno', 'householdid', '会员号', '会员卡号', '会员编号', '会员'],
  wechatOpenid: ['openid', '微信openid'],
  wechatUnionid: ['unionid', '微信unionid'],
  ecomUserId: ['customerid', 'userid', 'buyerid', '用户id', '买家id'],
  name: ['fullname', '姓名', '名称', '品名', '商品名称', '门店名称', '客户姓名'],
  gender: ['sex', '性别'],
  birthday: ['birthdate', 'dateofbirth', 'dob', '生日', '出生日期'],
  city: ['城市', '所在城市'],
  district: ['区', '区县', '行政区'],
  address: ['addr', '地址', '详细地址'],
  openedOn: ['opened', 'opendate', 'openingdate', '开业日期', '开店日期'],
  status: ['状态'],
  lat: ['latitude', '纬度'],
  lng: ['lon', 'long', 'longitude', '经度'],
  sku: ['itemcode', 'item', 'productid', 'productcode', 'stockcode', 'skucode', '货号', '商品编码', '商品编号', '条码', 'sku编码'],
  category: ['categorypath', '类目', '品类', '分类', '类别', '商品类目'],
  brand: ['品牌'],
  listPrice: ['price', 'retailprice', 'msrp', '零售价', '吊牌价', '价格', '售价'],
  consumable: ['消耗品', '快消品'],
  quantity: ['qty', 'count', 'units', '数量', '件数'],
  unitPrice: ['price', 'unitprice', '单价', '售价', '成交价'],
  discount: ['disc', '折扣', '优惠', '优惠金额'],
  refundAmount: ['refund', '退款', '退款金额'],
  lineNo: ['line', '行号'],
  returnedAt: ['returndate', 'returntime', '退货时间', '退款时间'],
  reason: ['returnreason', '原因', '退货原因'],
  type: ['event', 'eventtype', '事件', '事件类型', '行为'],
  occurredAt: ['time', 'timestamp', 'eventtime', '发生时间', '时间'],
  channel: ['source', '渠道', '来源渠道'],
  tags: ['tag', 'labels', '标签'],
  incomeBand: ['income', '收入'],
  occupation: ['job', '职业'],
  familyStage: ['family', '家庭阶段'],
};

/** Identifiers that make a customers file a customers file (a name alone is not enough). */
const CUSTOMER_KEYS = ['phone', 'email', 'memberNo', 'wechatOpenid', 'wechatUnionid', 'ecomUserId', 'posCard'];

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-.]/g, '');

/** Fields of `kind` whose column is named like them (or like a known synonym): target → column. */
export function matchColumns(kind: ImportKind, header: string[]): Record<string, string> {
  const spec = KIND_FIELDS[kind];
  const byNorm = new Map<string, string>();
  for (const h of header) if (!byNorm.has(norm(h))) byNorm.set(norm(h), h);
  const used = new Set<string>();
  const out: Record<string, string> = {};
  // Required fields first, so a column both could take goes to the one the import cannot do without.
  const targets = [...spec.required, ...Object.keys(spec.fields).filter((f) => !spec.required.includes(f))];
  for (const pass of ['exact', 'synonym'] as const) {
    for (const target of targets) {
      if (out[target]) continue;
      const last = target.split('.').at(-1)!;
      // An order's own columns before its customer's: `name` is the customer's only in a customers file.
      if (pass === 'synonym' && target.startsWith('customer.') && ['name', 'gender', 'city', 'birthday'].includes(last)) continue;
      const names = pass === 'exact' ? [target, last] : (SYNONYMS[last] ?? []);
      for (const n of names) {
        const column = byNorm.get(norm(n));
        if (column && !used.has(column)) {
          out[target] = column;
          used.add(column);
          break;
        }
      }
    }
  }
  // Open fields (`attributes.country`) take the columns named like them.
  for (const h of header) if (!used.has(h) && spec.open.some((p) => h.startsWith(p) && h.length > p.length)) out[h] = h;
  return out;
}

export interface MappingSuggestion {
  kind: ImportKind | null;
  preset: string | null;
  mapping: MappingSpec;
}

/**
 * What the file most likely is: a preset whose columns are all in the header, else the kind whose
 * required fields its columns cover (`channel` may be a constant), with the most fields matched, else
 * the kind with the most (at least two) fields matched.
 */
export function suggestMapping(header: string[] | undefined): { best: MappingSuggestion; byKind: Record<ImportKind, Record<string, string>> } {
  const byKind = Object.fromEntries(IMPORT_KINDS.map((k) => [k, header ? matchColumns(k, header) : {}])) as Record<ImportKind, Record<string, string>>;
  const empty: MappingSuggestion = { kind: null, preset: null, mapping: { fields: {}, skip: [] } };
  if (!header) return { best: empty, byKind };
  const present = new Set(header);
  for (const [name, preset] of Object.entries(IMPORT_PRESETS)) {
    const rules = Object.values(preset.mapping.fields).map((r) => (typeof r === 'string' ? { column: r } : r));
    const columns = [...rules.flatMap(columnsOf), ...preset.mapping.skip.flatMap((s) => Object.keys(s.where))];
    if (columns.length > 0 && columns.every((c) => present.has(c))) return { best: { kind: preset.kind, preset: name, mapping: preset.mapping }, byKind };
  }
  let best: { kind: ImportKind; score: number } | undefined;
  for (const kind of IMPORT_KINDS) {
    const fields = byKind[kind];
    const matched = Object.keys(fields).length;
    const complete =
      KIND_FIELDS[kind].required.every((f) => f === 'channel' || fields[f]) &&
      (kind !== 'customers' || CUSTOMER_KEYS.some((k) => fields[k]));
    const score = (complete ? 1000 : 0) + matched;
    if (matched > 0 && (!best || score > best.score)) best = { kind, score };
  }
  // An incomplete match still saves work when two or more columns fit: the page says what is missing.
  if (!best || (best.score < 1000 && best.score < 2)) return { best: empty, byKind };
  return { best: { kind: best.kind, preset: null, mapping: { fields: byKind[best.kind], skip: [] } }, byKind };
}
