import { z } from 'zod';
import { money } from '../../platform/schemas.js';

export const StoreInput = z.object({
  code: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  city: z.string().trim().max(100).nullish(),
  district: z.string().trim().max(100).nullish(),
  address: z.string().trim().max(500).nullish(),
  lat: z.number().min(-90).max(90).nullish(),
  lng: z.number().min(-180).max(180).nullish(),
  openedOn: z.iso.date().nullish(),
  status: z.enum(['open', 'closed']).optional(),
});
export type StoreInput = z.output<typeof StoreInput>;

export const ProductInput = z.object({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(300),
  /** "服装/女装/连衣裙", "服装 > 女装" or an array. */
  category: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(/\s*[>/]\s*/)).map((s) => s.trim()).filter(Boolean))
    .optional(),
  brand: z.string().trim().max(100).nullish(),
  listPrice: money.nullish(),
  consumable: z.boolean().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
export type ProductInput = z.output<typeof ProductInput>;
