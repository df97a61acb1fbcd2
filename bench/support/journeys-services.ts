import { sql } from 'drizzle-orm';
import type { Kemai } from '../../src/app/kemai.js';
import { queryOne } from '../../src/platform/db/database.js';
import { newId } from '../../src/platform/ids.js';
import { JourneyInput, type NewJourney } from '../../src/modules/journeys/journeys.schemas.js';

/** What the journeys benchmark does with the services, in one place (the calls it times and the setup around them). */
export interface Services {
  /** The sms channel through the signed webhook to the sink; no quiet hours (the run's hour is whatever it is). */
  setup(gateway: { url: string; secret: string }): Promise<void>;
  createTemplate(code: string): Promise<void>;
  createJourney(input: Omit<NewJourney, 'definition'> & { definition: unknown }): Promise<void>;
  /** Entry: the schedule triggers' scan. */
  scan(now: Date): Promise<void>;
  /** The runner until nothing is due. */
  runAllDue(now: Date): Promise<void>;
  /** The dispatcher's worker, as the server runs it, until nothing is queued or sending. */
  dispatchAll(expected: number, arrived: () => number): Promise<void>;
  /** The event bus is started by the caller; this starts the journeys runner and the dispatcher as the server does. */
  startWorkers(): Promise<() => Promise<void>>;
  /** The poll intervals in force, for the report. */
  intervals(): string;
  concurrency(): number;
}

export function services(kemai: Kemai): Services {
  const db = kemai.database.db;
  const messaging = kemai.messaging;
  const journeys = kemai.journeys;
  return {
    async setup(gateway) {
      await messaging.channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: gateway.url, secret: gateway.secret, batchSize: 100 }, ratePerSecond: null }, 'bench');
      // No quiet hours (start = end): the run happens at whatever hour it happens; caps stay the defaults (one message each here).
      await db.execute(sql`insert into messaging.policies (key, value, updated_by) values ('quiet_hours', '{"start": "00:00", "end": "00:00"}'::jsonb, 'bench')
        on conflict (key) do update set value = excluded.value`);
    },
    async createTemplate(code) {
      await db.execute(sql`insert into messaging.templates (id, code, name, purpose, contents, created_by)
        values (${newId()}::uuid, ${code}, ${code}, 'marketing', ${JSON.stringify({
          sms: { 'zh-CN': { body: '【客脉】{{name}}，本周会员日全场 8 折，回复 TD 退订' }, en: { body: '[Kemai] {{name}}, 20% off all week. Reply TD to opt out' } },
        })}::jsonb, 'bench')`);
    },
    async createJourney(input) {
      const parsed = JourneyInput.parse(input);
      const j = await journeys.create(parsed, 'bench');
      await journeys.activate(j.code, 'bench');
    },
    async scan(now) {
      await journeys.scanTriggers(now);
    },
    async runAllDue(now) {
      for (;;) {
        const r = await journeys.runDue(now);
        if (!r || (typeof r === 'object' && 'processed' in r && r.processed === 0)) return;
      }
    },
    async dispatchAll(expected, arrived) {
      const d = messaging.dispatcher;
      d.start();
      d.poke();
      // Done when the sink has every message that is due, or (checked now and then, the count is a scan) none is left.
      let checked = performance.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        if (arrived() < expected && performance.now() - checked < 3000) continue;
        checked = performance.now();
        const left = await queryOne<{ n: number }>(db, sql`select count(*)::int as n from messaging.messages where status in ('queued', 'sending') and send_after <= now()`);
        if (left!.n === 0) break;
      }
      await d.stop();
    },
    async startWorkers() {
      journeys.startRunner();
      messaging.dispatcher.start();
      return async () => {
        await journeys.stopRunner();
        await messaging.dispatcher.stop();
      };
    },
    intervals() {
      return `event bus poll 1 s, journeys runner poll ${journeys.pollMs} ms, dispatcher poll ${messaging.dispatcher.pollMs} ms (concurrency ${messaging.dispatcher.concurrency})`;
    },
    concurrency() {
      return messaging.dispatcher.concurrency;
    },
  };
}
