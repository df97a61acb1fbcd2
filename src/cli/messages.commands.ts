import type { Command } from 'commander';
import { CHANNELS, MESSAGE_STATUSES, type DispatchResult, type MessageStatus } from '../modules/messaging/index.js';
import { CliError, withBackend } from './context.js';

/** A message as the log prints it: the address masked, never the text's personal data beyond what was rendered. */
interface LogMessage {
  id: string;
  customerId: string;
  channel: string;
  purpose: string;
  status: string;
  reason: string | null;
  toMasked: string | null;
  sourceKind: string;
  stepId: string | null;
  attempts: number;
  lastError: string | null;
  sendAfter: string;
  sentAt: string | null;
  createdAt: string;
}

interface ChannelRow {
  channel: string;
  enabled: boolean;
  adapter: string;
  config: Record<string, unknown>;
  ratePerSecond: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : String(v));
const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);

function logView(m: Record<string, unknown>): LogMessage {
  return {
    id: String(m.id),
    customerId: String(m.customerId),
    channel: String(m.channel),
    purpose: String(m.purpose),
    status: String(m.status),
    reason: (m.reason as string | null) ?? null,
    toMasked: (m.toMasked as string | null) ?? null,
    sourceKind: String(m.sourceKind),
    stepId: (m.stepId as string | null) ?? null,
    attempts: Number(m.attempts ?? 0),
    lastError: (m.lastError as string | null) ?? null,
    sendAfter: iso(m.sendAfter)!,
    sentAt: iso(m.sentAt),
    createdAt: iso(m.createdAt)!,
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--var k=v` (repeatable) → {k: v}; a value that reads as JSON (a number, true, an object) is taken as that. */
export function parseVars(vars: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of vars) {
    const eq = v.indexOf('=');
    if (eq < 1) throw new CliError(`--var: expected name=value, got ${JSON.stringify(v)}`, 2);
    const key = v.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) throw new CliError(`--var: ${JSON.stringify(key)} is not a variable name (letters, digits, _ and .)`, 2);
    const raw = v.slice(eq + 1);
    let value: unknown = raw;
    if (/^(-?\d+(\.\d+)?|true|false|null|\{.*\}|\[.*\])$/s.test(raw.trim())) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    out[key] = value;
  }
  return out;
}

function logLine(m: LogMessage): string {
  const when = (m.sentAt ?? m.sendAfter).slice(0, 19).replace('T', ' ');
  const why = m.reason ? ` (${m.reason})` : m.lastError && m.status !== 'sent' && m.status !== 'delivered' ? ` (${m.lastError.slice(0, 60)})` : '';
  return `${when}  ${m.status.padEnd(9)} ${m.channel.padEnd(10)} ${(m.toMasked ?? '—').padEnd(20)} ${m.customerId}  ${m.sourceKind}${m.stepId ? `:${m.stepId}` : ''}${why}`;
}

/**
 * `kemai messages send|log|dispatch|channels`: one message to one customer, the message log (addresses masked), the
 * dispatcher run by hand (once, or until Ctrl-C), and the channels' settings (secrets masked).
 */
export function registerMessagesCommands(program: Command): void {
  const messages = program.command('messages').description('Messages: send one, the log, run the dispatcher, channels');

  messages
    .command('send')
    .description('Queue one message from a template to one customer (sent by the dispatcher: the server, or `kemai messages dispatch`)')
    .requiredOption('--customer <id>', 'the customer id')
    .requiredOption('--template <code>', 'the template code')
    .option('--channel <channel>', `auto (the customer's channel) or one of ${CHANNELS.join(', ')}`, 'auto')
    .option('--var <name=value>', 'a template variable (repeatable)', collect, [] as string[])
    .option('--key <dedupeKey>', 'an idempotency key: sending again with it answers the first message')
    .option('--json', 'machine-readable output')
    .action(async (o: { customer: string; template: string; channel: string; var: string[]; key?: string; json?: boolean }) => {
      if (!UUID.test(o.customer)) throw new CliError(`--customer: not a customer id: ${o.customer}`, 2);
      if (o.channel !== 'auto' && !(CHANNELS as readonly string[]).includes(o.channel))
        throw new CliError(`--channel: must be auto or one of ${CHANNELS.join(', ')} (got ${o.channel})`, 2);
      const body = {
        customerId: o.customer,
        template: o.template,
        channel: o.channel as (typeof CHANNELS)[number] | 'auto',
        variables: parseVars(o.var),
        ...(o.key ? { dedupeKey: o.key } : {}),
      };
      const result = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const r = await b.api.call<{ message: Record<string, unknown>; duplicate: boolean }>('POST', '/api/v1/messaging/messages', body);
          return { message: logView(r.message), duplicate: r.duplicate };
        }
        const r = await b.kemai.messaging.sendNow(body);
        return { message: logView(r.message as unknown as Record<string, unknown>), duplicate: r.duplicate };
      });
      const m = result.message;
      print(
        !!o.json,
        result,
        `${result.duplicate ? 'Already queued' : 'Queued'}: message ${m.id} to customer ${m.customerId} (${m.channel}, ${m.status}). ` +
          'The dispatcher sends it: the running server, or `kemai messages dispatch --once`.',
      );
    });

  messages
    .command('log')
    .description('The message log, newest first (addresses masked)')
    .option('--customer <id>', 'one customer’s messages')
    .option('--status <status>', `one status: ${MESSAGE_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--json', 'machine-readable output')
    .action(async (o: { customer?: string; status?: string; limit: string; json?: boolean }) => {
      if (o.customer !== undefined && !UUID.test(o.customer)) throw new CliError(`--customer: not a customer id: ${o.customer}`, 2);
      if (o.status !== undefined && !(MESSAGE_STATUSES as readonly string[]).includes(o.status))
        throw new CliError(`--status: must be one of ${MESSAGE_STATUSES.join(', ')} (got ${o.status})`, 2);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError(`--limit: a whole number from 1 to 500 (got ${o.limit})`, 2);
      const filters = { ...(o.customer ? { customerId: o.customer } : {}), ...(o.status ? { status: o.status } : {}), limit };
      const items = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const qs = new URLSearchParams(Object.entries(filters).map(([k, v]) => [k, String(v)]));
          return (await b.api.call<{ items: Array<Record<string, unknown>> }>('GET', `/api/v1/messaging/messages?${qs}`)).items.map(logView);
        }
        const page = await b.kemai.messageLog.list({ ...filters, status: o.status as MessageStatus | undefined });
        return page.items.map((m) => logView(m as unknown as Record<string, unknown>));
      });
      print(!!o.json, { items }, items.length === 0 ? 'No messages.' : items.map(logLine).join('\n'));
    });

  messages
    .command('dispatch')
    .description('Run the dispatcher here: send what is due (once), or keep sending until Ctrl-C')
    .option('--once', 'one pass over what is due now, then exit')
    .option('--json', 'machine-readable output (with --once)')
    .action(async (o: { once?: boolean; json?: boolean }) => {
      await withBackend(
        async (b) => {
          if (b.mode === 'remote') throw new CliError('The running server dispatches messages itself; stop it to run the dispatcher here.');
          const dispatcher = b.kemai.messaging.dispatcher;
          if (o.once) {
            const totals = await dispatcher.drain(new Date());
            print(!!o.json, totals, dispatchLine(totals));
            return;
          }
          let stop = false;
          let wake: (() => void) | undefined;
          const onSignal = () => {
            stop = true;
            wake?.();
          };
          // Listening before saying so: a pipe's write is synchronous, and whoever reads it may signal at once.
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          console.log('Dispatching; Ctrl-C to stop.');
          try {
            while (!stop) {
              const totals = await dispatcher.drain(new Date());
              if (totals.claimed > 0) console.log(`${new Date().toISOString().slice(0, 19).replace('T', ' ')}  ${dispatchLine(totals)}`);
              if (stop) break;
              await new Promise<void>((resolve) => {
                wake = resolve;
                setTimeout(resolve, 1000);
              });
            }
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
          console.log('Stopped.');
        },
        { remoteOk: false },
      );
    });

  messages
    .command('channels')
    .description('Each channel: enabled, adapter, settings (secrets masked), rate')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const items = await withBackend(async (b): Promise<ChannelRow[]> =>
        b.mode === 'remote' ? (await b.api.call<{ items: ChannelRow[] }>('GET', '/api/v1/messaging/channels')).items : await b.kemai.messaging.channels.list(),
      );
      const rows = items.map((c) => ({ channel: c.channel, enabled: c.enabled, adapter: c.adapter, config: c.config, ratePerSecond: c.ratePerSecond }));
      print(
        !!o.json,
        { items: rows },
        rows
          .map((c) => {
            const settings = Object.entries(c.config)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            return `${c.channel.padEnd(11)} ${(c.enabled ? 'on' : 'off').padEnd(4)} ${c.adapter.padEnd(11)} ${c.ratePerSecond ? `${c.ratePerSecond}/s` : 'no limit'}${settings ? `  ${settings}` : ''}`;
          })
          .join('\n'),
      );
    });
}

function dispatchLine(t: DispatchResult): string {
  if (t.claimed === 0) return 'Nothing due.';
  const parts = [
    `${t.sent} sent`,
    `${t.blocked} blocked`,
    `${t.deferred} deferred`,
    `${t.retried} to retry`,
    `${t.failed} failed`,
    ...(t.expired ? [`${t.expired} expired`] : []),
    ...(t.released ? [`${t.released} left queued (channel off)`] : []),
  ];
  return `${t.claimed} claimed: ${parts.join(', ')}`;
}
