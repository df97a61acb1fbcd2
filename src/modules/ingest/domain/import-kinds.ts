export type FieldType = 'string' | 'int' | 'number' | 'money' | 'instant' | 'date' | 'boolean' | 'list';

export const IMPORT_KINDS = ['customers', 'orders', 'returns', 'events', 'products', 'stores'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The target fields of one kind: the file's columns are mapped onto these. */
export interface KindFields {
  fields: Record<string, FieldType>;
  /** Prefixes that take any name (`attributes.country`), as text. */
  open: string[];
  required: string[];
  /**
   * Kinds whose file has one row per line of a record (an order's lines): rows with the same key
   * are one record, `lines.*` fields go to its lines[] and the others are read from its first row.
   */
  group?: { key: string[] };
}

const customerRef: Record<string, FieldType> = {
  'customer.id': 'string',
  'customer.phone': 'string',
  'customer.email': 'string',
  'customer.memberNo': 'string',
  'customer.wechatOpenid': 'string',
  'customer.wechatUnionid': 'string',
  'customer.ecomUserId': 'string',
  'customer.posCard': 'string',
  'customer.deviceId': 'string',
  'customer.anonymousId': 'string',
  'customer.name': 'string',
  'customer.gender': 'string',
  'customer.birthday': 'date',
  'customer.city': 'string',
};

export const KIND_FIELDS: Record<ImportKind, KindFields> = {
  stores: {
    fields: {
      code: 'string',
      name: 'string',
      city: 'string',
      district: 'string',
      address: 'string',
      lat: 'number',
      lng: 'number',
      openedOn: 'date',
      status: 'string',
    },
    open: [],
    required: ['code', 'name'],
  },
  products: {
    fields: { sku: 'string', name: 'string', category: 'string', brand: 'string', listPrice: 'money', consumable: 'boolean' },
    open: ['attributes.'],
    required: ['sku', 'name'],
  },
  customers: {
    fields: {
      ...Object.fromEntries(Object.entries(customerRef).map(([k, t]) => [k.slice('customer.'.length), t])),
      incomeBand: 'string',
      occupation: 'string',
      familyStage: 'string',
      tags: 'list',
    },
    open: ['attributes.'],
    required: [],
  },
  orders: {
    fields: {
      channel: 'string',
      externalId: 'string',
      storeCode: 'string',
      staffCode: 'string',
      placedAt: 'instant',
      status: 'string',
      paidAmount: 'money',
      currency: 'string',
      paymentMethod: 'string',
      fulfillment: 'string',
      ...customerRef,
      'lines.sku': 'string',
      'lines.quantity': 'int',
      'lines.unitPrice': 'money',
      'lines.discount': 'money',
      'lines.paidAmount': 'money',
    },
    open: ['attributes.'],
    required: ['channel', 'externalId', 'placedAt', 'lines.sku', 'lines.quantity', 'lines.unitPrice'],
    group: { key: ['channel', 'externalId'] },
  },
  returns: {
    fields: {
      channel: 'string',
      externalId: 'string',
      'order.channel': 'string',
      'order.externalId': 'string',
      returnedAt: 'instant',
      reason: 'string',
      'lines.lineNo': 'int',
      'lines.sku': 'string',
      'lines.quantity': 'int',
      'lines.refundAmount': 'money',
    },
    open: [],
    required: ['channel', 'externalId', 'order.externalId', 'returnedAt', 'lines.quantity'],
    group: { key: ['channel', 'externalId'] },
  },
  events: {
    fields: {
      type: 'string',
      occurredAt: 'instant',
      channel: 'string',
      storeCode: 'string',
      sku: 'string',
      source: 'string',
      externalId: 'string',
      ...customerRef,
    },
    open: ['properties.'],
    required: ['type', 'occurredAt'],
  },
};

export function fieldType(spec: KindFields, target: string): FieldType | undefined {
  return spec.fields[target] ?? (spec.open.some((p) => target.startsWith(p) && target.length > p.length) ? 'string' : undefined);
}
