import type { MappingSpec } from '../ingest.schemas.js';
import type { ImportKind } from './import-kinds.js';

export interface ImportPreset {
  kind: ImportKind;
  description: string;
  mapping: MappingSpec;
}

/**
 * Mappings for public files Kemai is tried on, written exactly as a `--mapping` file would be, so
 * one can be copied into a mapping file and adapted.
 */
export const IMPORT_PRESETS: Record<string, ImportPreset> = {
  'online-retail': {
    kind: 'orders',
    description:
      'UCI Online Retail (UK gift-ware e-tailer, 2010-12..2011-12): one row per invoice line. Invoices starting with C are ' +
      'cancellations: they name no original invoice, so each becomes an order with status "cancelled" (positive quantities, ' +
      'attributes.cancellation) instead of a return of an order nobody can identify. Bad-debt adjustments (A…) and stock ' +
      'adjustments (negative quantity on a normal invoice, no customer, price 0) are skipped: they are not sales.',
    mapping: {
      fields: {
        externalId: 'InvoiceNo',
        channel: { const: 'online' },
        placedAt: { column: 'InvoiceDate', timeZone: 'Europe/London' },
        status: { column: 'InvoiceNo', match: { '^C': 'cancelled', '.': 'completed' } },
        currency: { const: 'GBP' },
        'customer.ecomUserId': 'CustomerID',
        'attributes.country': 'Country',
        'attributes.cancellation': { column: 'InvoiceNo', match: { '^C': 'true', '.': '' } },
        'lines.sku': 'StockCode',
        'lines.quantity': { column: 'Quantity', abs: true },
        'lines.unitPrice': 'UnitPrice',
      },
      skip: [
        { where: { InvoiceNo: '^A' }, reason: 'bad-debt adjustment, not a sale' },
        { where: { InvoiceNo: '^[0-9]', Quantity: '^-' }, reason: 'stock adjustment (negative quantity on a sales invoice), not a sale' },
      ],
    },
  },
  'complete-journey': {
    kind: 'orders',
    description:
      'dunnhumby The Complete Journey transactions (US grocer, 2017): one row per basket line, baskets scattered over the ' +
      'file (the importer groups them wherever they are). household_id is the loyalty member number; sales_value is what ' +
      'was paid for the line, retail_disc + coupon_disc its discount, the unit price (paid + discount) / quantity to the cent. ' +
      'Lines with quantity 0 and fuel lines (quantity ≥ 100: volume at sub-cent unit prices) are skipped.',
    mapping: {
      fields: {
        externalId: 'basket_id',
        channel: { const: 'pos' },
        storeCode: 'store_id',
        placedAt: { column: 'transaction_timestamp', timeZone: 'America/New_York' },
        currency: { const: 'USD' },
        'customer.memberNo': 'household_id',
        'attributes.week': 'week',
        'lines.sku': 'product_id',
        'lines.quantity': 'quantity',
        'lines.paidAmount': 'sales_value',
        'lines.discount': { sum: ['retail_disc', 'coupon_disc'] },
        'lines.unitPrice': { sum: ['sales_value', 'retail_disc', 'coupon_disc'], divideBy: 'quantity', round: 2 },
      },
      skip: [
        { where: { quantity: '^0$' }, reason: 'quantity 0, nothing sold' },
        {
          where: { quantity: '^[0-9]{3,}$' },
          reason: 'fuel sold by volume (quantity of 100 or more at a unit price below a cent): an order line holds whole units and cents',
        },
      ],
    },
  },
};
