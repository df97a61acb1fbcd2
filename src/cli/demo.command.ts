import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import type { Kemai } from '../app/kemai.js';
import { DemoOptionsInput, DemoService, type DemoJourneys, type DemoProgress, type DemoServiceHistory, type DemoSummary, type DemoListeningHistory } from '../modules/demo/index.js';
import { CliError, withBackend } from './context.js';
import { serveHooks } from './serve.command.js';

const FLAGS: Record<string, string> = { customers: '--customers', seed: '--seed', until: '--until' };

export function registerDemoCommand(program: Command) {
  program
    .command('demo')
    .description('Seed a deterministic demo brand: stores, products, customers, two years of orders, returns and events')
    .option('--customers <n>', 'people to generate (default KEMAI_DEMO_CUSTOMERS or 20000)')
    .option('--seed <seed>', 'the same seed and --until give byte-identical data', 'kemai')
    .option('--until <date>', 'last day of the two-year window, YYYY-MM-DD (default: yesterday in China)')
    .option('--json', 'machine-readable summary on stdout')
    .action(async (o: { customers?: string; seed: string; until?: string; json?: boolean }) => {
      const config = loadConfig();
      const parsed = DemoOptionsInput.safeParse({ customers: o.customers ?? config.demoCustomers, seed: o.seed, until: o.until, journeys: true, service: true, listening: true });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new CliError(`${FLAGS[String(issue.path[0])] ?? issue.path.join('.')}: ${issue.message}`);
      }
      const summary = await withBackend(
        async (b) => {
          if (b.mode !== 'direct') throw new CliError('kemai demo writes directly to the database; stop the server first.');
          return seed(demoService(b.kemai), parsed.data, !o.json);
        },
        { remoteOk: false, config },
      );
      console.log(o.json ? JSON.stringify(summary, null, 2) : describe(summary));
    });

  serveHooks.push(seedEmptyDatabase);
}

/** `kemai serve` (and so `npm start`) fills an empty database with the demo brand unless told not to. */
async function seedEmptyDatabase(kemai: Kemai): Promise<void> {
  if (kemai.config.demo !== 'auto') return;
  const demo = demoService(kemai);
  if (!(await demo.isEmpty())) return;
  process.stderr.write(
    `The database is empty: seeding the demo brand (${kemai.config.demoCustomers.toLocaleString('en')} customers; KEMAI_DEMO=never or --no-demo to skip).\n`,
  );
  const summary = await seed(demo, DemoOptionsInput.parse({ customers: kemai.config.demoCustomers }), true);
  process.stderr.write(`${describe(summary)}\n`);
  // The ready-made journeys after start, in the background: the history's events are delivered first (minutes on a
  // big demo), so the server answers meanwhile.
  process.stderr.write('demo: setting up the ready-made journeys in the background (after the history\'s events are delivered)…\n');
  // Then the service desk's history (tickets, SLA clocks, compensations, surveys), chained after the journeys.
  void demo
    .seedJourneys(summary.window.to)
    .then(
      (j) => process.stderr.write(`demo: ${describeJourneys(j).join('\n').trimStart()}\n`),
      (err: unknown) => process.stderr.write(`demo: the journeys could not be set up: ${(err as Error).message}\n`),
    )
    .then(() => demo.seedService(summary.window.to, summary.seed))
    .then(
      (s) => process.stderr.write(`demo: ${describeService(s).join('\n').trimStart()}\n`),
      (err: unknown) => process.stderr.write(`demo: the service history could not be set up: ${(err as Error).message}\n`),
    )
    .then(() => demo.seedListening(summary.window.to, summary.seed))
    .then(
      (l) => process.stderr.write(`demo: ${describeListening(l).join('\n').trimStart()}\n`),
      (err: unknown) => process.stderr.write(`demo: the listening history could not be set up: ${(err as Error).message}\n`),
    );
}

function demoService(kemai: Kemai): DemoService {
  return new DemoService({
    ...kemai,
    listeningDeps: { customers: kemai.customers, messaging: kemai.messaging, coupons: kemai.coupons, ledger: kemai.ledger, config: kemai.config },
    strongIdentifiers: kemai.config.strongIdentifiers,
  });
}

async function seed(demo: DemoService, input: DemoOptionsInput, showProgress: boolean): Promise<DemoSummary> {
  const progress = showProgress ? reporter() : undefined;
  try {
    return await demo.seed(input, progress?.update);
  } finally {
    progress?.stop();
  }
}

/** A bar on a terminal; elsewhere (logs, CI) a line every tenth of the way. */
function reporter() {
  const start = performance.now();
  const rate = (n: number) => Math.round(n / Math.max(0.001, (performance.now() - start) / 1000)).toLocaleString('en');
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'demo [{bar}] {percentage}% | {value}/{total} customers | {orders} orders | {events} events | {speed} orders/s', stream: process.stderr, hideCursor: true, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p: DemoProgress) => {
        const payload = { orders: p.stats.orders.toLocaleString('en'), events: p.stats.events.toLocaleString('en'), speed: rate(p.stats.orders) };
        if (!started) bar.start(p.total, p.done, payload);
        else bar.update(p.done, payload);
        started = true;
      },
      stop: () => bar.stop(),
    };
  }
  let reported = -1;
  return {
    update: (p: DemoProgress) => {
      const tenth = Math.floor((10 * p.done) / p.total);
      if (tenth === reported) return;
      reported = tenth;
      process.stderr.write(`demo: ${tenth * 10}% (${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} customers, ${p.stats.orders.toLocaleString('en')} orders, ${rate(p.stats.orders)} orders/s)\n`);
    },
    stop: () => undefined,
  };
}

function describe(s: DemoSummary): string {
  const n = (x: number) => x.toLocaleString('en');
  return [
    `Demo brand seeded (seed "${s.seed}", ${s.window.from} … ${s.window.to}) in ${s.seconds} s:`,
    `  stores               ${n(s.stores)}`,
    `  products             ${n(s.products)}`,
    `  people generated     ${n(s.people)} (${n(s.members)} member sign-ups)`,
    `  customers resolved   ${n(s.customers)} golden profiles`,
    `  orders               ${n(s.orders)} (${n(s.guestOrders)} guest), ${n(s.lines)} lines`,
    `  returns              ${n(s.returns)}`,
    `  events               ${n(s.events)} (${n(s.anonymousEvents)} anonymous before sign-in)`,
    `  duplicate candidates ${n(s.duplicateCandidates)} waiting for review`,
    `  promotions           ${n(s.promotions)}`,
    ...(s.journeys ? describeJourneys(s.journeys) : []),
    ...(s.service ? describeService(s.service) : []),
    ...(s.listening ? describeListening(s.listening) : []),
  ].join('\n');
}

function describeJourneys(j: DemoJourneys): string[] {
  const n = (x: number) => x.toLocaleString('en');
  return [
    `  journeys             ${j.installed} ready-made installed, ${j.published} published, run over the last ${j.days} days:`,
    ...j.results.map((r) => `    ${r.code.padEnd(18)} ${n(r.entered)} entered (${n(r.heldOut)} held out), ${n(r.converted)} converted`),
  ];
}

function describeService(s: DemoServiceHistory): string[] {
  const n = (x: number) => x.toLocaleString('en');
  const st = s.statuses;
  return [
    `  service desk         ${n(s.tickets)} tickets${s.created ? '' : ' (there already)'}: ${n(st.new ?? 0)} new, ${n(st.open ?? 0)} open, ${n(st.pending ?? 0)} pending, ${n(st.resolved ?? 0)} resolved;`,
    `                       ${n(s.breached)} breached an SLA target (${n(s.escalated)} escalated), ${n(s.compensationsExecuted)} compensations executed`,
    `  surveys              ${n(s.invitations)} invitations, ${n(s.responses)} responses; ${n(s.staff)} service staff (${s.seconds} s)`,
  ];
}

function describeListening(l: DemoListeningHistory): string[] {
  const n = (x: number) => x.toLocaleString('en');
  return [
    `  listening            ${n(l.mentions)} mentions${l.created ? '' : ' (there already)'}, ${(l.negativeShare * 100).toFixed(1)}% negative; ${n(l.alerts)} spike alerts, ${n(l.crises)} crisis`,
    `                       ${n(l.affected)} affected customers, ${n(l.compensated)} compensated (${l.seconds} s)`,
  ];
}
