import { z } from 'zod';
import { zodIssues, type FieldIssue } from '../../platform/errors.js';
import { MAX_BATCH } from '../../platform/http/batch.js';
import { ProductInput, StoreInput, type CatalogService } from '../catalog/index.js';
import type { Db } from '../../platform/db/database.js';
import { OrderInput, OrderLineInput, ReturnInput, type ImportBatchOptions, type OrdersService } from '../orders/index.js';
import { EventInput, type ActivityService } from '../activity/index.js';
import { CustomerUpsertInput, type CustomersService } from '../customers/index.js';
import type { ImportKind } from './domain/import-kinds.js';

export type WriteOutcome = { status: 'created' | 'updated' | 'unchanged' } | { status: 'error'; issues: FieldIssue[] };
export type BulkOutcome = WriteOutcome | { status: 'deferred' | 'appended' };

/** Where records go: the modules' services in this process, or a running server's batch API. */
export interface RecordWriter {
  readonly mode: 'direct' | 'remote';
  write(kind: ImportKind, items: Array<Record<string, unknown>>, source: string): Promise<WriteOutcome[]>;
  /**
   * Orders written in the import's own transaction `tx` (direct mode only), so the chunk and its
   * checkpoint commit together; see OrdersService.importOrders.
   */
  importOrders?(tx: Db, items: Array<Record<string, unknown>>, opts: ImportBatchOptions): Promise<BulkOutcome[]>;
}

export interface ImportServices {
  catalog: CatalogService;
  customers: CustomersService;
  orders: OrdersService;
  activity: ActivityService;
}

/**
 * The API caps an order at 500 lines to bound request bodies; a file has no such body, and real
 * files have bigger orders (Online Retail has invoices of 1,100 lines), so imports lift the cap.
 */
const ImportedOrder = OrderInput.extend({ lines: z.array(OrderLineInput).min(1).max(100_000) });

const SCHEMAS: Record<ImportKind, z.ZodType> = {
  stores: StoreInput,
  products: ProductInput,
  orders: ImportedOrder,
  returns: ReturnInput,
  events: EventInput,
  customers: CustomerUpsertInput,
};

export const BATCH_PATHS: Record<ImportKind, string> = {
  stores: '/api/v1/stores/batch',
  products: '/api/v1/products/batch',
  orders: '/api/v1/orders/batch',
  returns: '/api/v1/returns/batch',
  events: '/api/v1/events/batch',
  customers: '/api/v1/customers/batch',
};

type ServiceResult = { status: 'created' | 'updated' | 'unchanged' | 'error'; error?: { message: string; issues?: FieldIssue[] } };

const outcome = (r: ServiceResult): WriteOutcome =>
  r.status === 'error' ? { status: 'error', issues: r.error?.issues?.length ? r.error.issues : [{ path: '(record)', message: r.error?.message ?? 'rejected' }] } : { status: r.status };

export function directWriter(services: ImportServices): RecordWriter {
  return {
    mode: 'direct',
    async write(kind, items, source) {
      const schema = SCHEMAS[kind];
      const results: WriteOutcome[] = new Array(items.length);
      const valid: Array<{ index: number; value: never }> = [];
      items.forEach((item, index) => {
        const parsed = schema.safeParse(item);
        if (parsed.success) valid.push({ index, value: parsed.data as never });
        else results[index] = { status: 'error', issues: zodIssues(parsed.error.issues) };
      });
      if (valid.length === 0) return results;
      const values = valid.map((v) => v.value);
      let written: ServiceResult[];
      switch (kind) {
        case 'stores':
          written = await services.catalog.upsertStores(valid);
          break;
        case 'products':
          written = await services.catalog.upsertProducts(valid);
          break;
        case 'orders':
          written = await services.orders.ingestOrders(values, { source });
          break;
        case 'returns':
          written = await services.orders.recordReturns(values, { source });
          break;
        case 'events':
          written = await services.activity.recordEvents(values, { source });
          break;
        case 'customers':
          written = await services.customers.upsertCustomers(valid, { source, actor: 'system:import', prefix: () => '' });
          break;
      }
      valid.forEach((v, i) => (results[v.index] = outcome(written[i]!)));
      return results;
    },
    async importOrders(tx, items, opts) {
      const results: BulkOutcome[] = new Array(items.length);
      const valid: Array<{ index: number; value: OrderInput }> = [];
      items.forEach((item, index) => {
        const parsed = ImportedOrder.safeParse(item);
        if (parsed.success) valid.push({ index, value: parsed.data });
        else results[index] = { status: 'error', issues: zodIssues(parsed.error.issues) };
      });
      if (valid.length === 0) return results;
      const written = await services.orders.importOrders(tx, valid.map((v) => v.value), opts);
      valid.forEach((v, i) => {
        const w = written[i]!;
        results[v.index] = w.status === 'deferred' || w.status === 'appended' ? { status: w.status } : outcome(w);
      });
      return results;
    },
  };
}

interface Api {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Through the server that holds the embedded database: its batch endpoints, 1,000 items a call. */
export function remoteWriter(api: Api): RecordWriter {
  return {
    mode: 'remote',
    async write(kind, items) {
      const out: WriteOutcome[] = [];
      for (let from = 0; from < items.length; from += MAX_BATCH) {
        const slice = items.slice(from, from + MAX_BATCH);
        const res = await api.call<{ results: Array<ServiceResult & { index: number }> }>('POST', BATCH_PATHS[kind], { items: slice });
        const byIndex = new Map(res.results.map((r) => [r.index, r]));
        slice.forEach((_, i) => {
          const r = byIndex.get(i)!;
          const o = outcome(r);
          // The server names paths from the batch (items.12.lines.0.sku); the record's own path is what matters here.
          out.push(o.status === 'error' ? { status: 'error', issues: o.issues.map((x) => ({ ...x, path: x.path.replace(/^items\.\d+\./, '') })) } : o);
        });
      }
      return out;
    },
  };
}
