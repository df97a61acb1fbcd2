import { describe, expect, it } from 'vitest';
import { suggestMapping } from './column-suggestions.js';

const best = (header: string[]) => suggestMapping(header).best;

describe('suggested mapping from a header', () => {
  it('matches Chinese back-office headers to customer and order fields', () => {
    expect(best(['会员卡号', '姓名', '手机号码', '性别', '生日', '所在城市', '注册门店'])).toEqual({
      kind: 'customers',
      preset: null,
      mapping: { fields: { phone: '手机号码', memberNo: '会员卡号', name: '姓名', gender: '性别', birthday: '生日', city: '所在城市' }, skip: [] },
    });
    expect(best(['订单号', '下单时间', '门店编码', '会员卡号', '商品编码', '数量', '单价', '实付金额'])).toEqual({
      kind: 'orders',
      preset: null,
      mapping: {
        fields: {
          externalId: '订单号',
          placedAt: '下单时间',
          'lines.sku': '商品编码',
          'lines.quantity': '数量',
          'lines.unitPrice': '单价',
          storeCode: '门店编码',
          paidAmount: '实付金额',
          'customer.memberNo': '会员卡号',
        },
        skip: [],
      },
    });
  });

  it('recognises a preset by its columns, and still suggests a kind two columns fit', () => {
    const retail = best(['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country']);
    expect([retail.kind, retail.preset]).toEqual(['orders', 'online-retail']);
    expect(best(['product_id', 'manufacturer_id', 'department', 'brand', 'product_category'])).toEqual({
      kind: 'products',
      preset: null,
      mapping: { fields: { sku: 'product_id', brand: 'brand' }, skip: [] },
    });
    expect(best(['a', 'b', 'city'])).toEqual({ kind: null, preset: null, mapping: { fields: {}, skip: [] } });
  });
});
