import { z } from 'zod';
import { CALENDAR_RANGE } from './domain/calendar.js';
import { WINDOW_DAYS } from './domain/world.js';

export const MAX_DEMO_CUSTOMERS = 1_000_000;

/** `kemai demo` options, validated at the edge (CLI flags arrive as strings). */
export const DemoOptionsInput = z.object({
  customers: z.coerce.number().int().min(1).max(MAX_DEMO_CUSTOMERS).default(20_000),
  seed: z.string().trim().min(1).max(100).default('kemai'),
  /** Last day of the two-year window; default yesterday in China. */
  until: z.iso
    .date()
    .refine((d) => shift(d, -(WINDOW_DAYS - 1)) >= CALENDAR_RANGE.from && d <= CALENDAR_RANGE.to, {
      message: `must leave two years inside ${CALENDAR_RANGE.from} … ${CALENDAR_RANGE.to} (the Spring Festival dates the demo knows)`,
    })
    .optional(),
  /** Install the ready-made journeys, publish five and run them over the window's last days (`kemai demo`, `serve`). */
  journeys: z.boolean().optional(),
  /** The service desk's history: a team, tickets over the window's last 45 days, surveys and their answers (service-demo.ts). */
  service: z.boolean().optional(),
  /** Social listening: 30 days of brand mentions with a product crisis, its alerts and its handling (listening-demo.ts). */
  listening: z.boolean().optional(),
});
export type DemoOptionsInput = z.output<typeof DemoOptionsInput>;

function shift(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
