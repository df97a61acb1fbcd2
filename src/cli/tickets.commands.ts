import os from 'node:os';
import type { Command } from 'commander';
import { SEVERITIES, TICKET_CHANNELS, TICKET_KINDS, TICKET_STATUSES, type InboxTicket, type TicketActor, type TicketDetail } from '../modules/service/index.js';
import { CliError, withBackend } from './context.js';

const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);
const collect = (value: string, previous: string[]) => [...previous, value];
const cliActor = (): TicketActor => ({ kind: 'cli', id: null, name: os.userInfo().username || 'operator' });
const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');
const oneOf = (flag: string, value: string | undefined, allowed: readonly string[]) => {
  if (value !== undefined && !allowed.includes(value)) throw new CliError(`${flag}: one of ${allowed.join(', ')} (got ${value})`, 2);
};

interface Page {
  items: InboxTicket[];
  total: number;
  totalCapped: boolean;
}

function line(t: InboxTicket): string {
  const sla = t.slaState === 'breached' ? '!! ' : t.slaState === 'warning' ? '!  ' : '   ';
  return `${sla}${t.ticketNumber.padEnd(9)} ${t.status.padEnd(8)} ${t.kind.padEnd(14)} ${(t.severity ?? '').padEnd(6)} due ${when(t.nextDueAt)}  ${(t.queueCode ?? '—').padEnd(12)} ${(t.assigneeName ?? '—').padEnd(14)} ${t.subject}`;
}

function detailText(d: TicketDetail): string {
  const t = d.ticket;
  const out = [
    `${t.ticketNumber}  ${t.subject}`,
    `  ${t.kind}${t.severity ? ` (${t.severity})` : ''}, ${t.channel}, ${t.status}; queue ${t.queueCode ?? '—'}, assignee ${t.assigneeName ?? '—'}`,
    `  customer ${d.customer ? `${d.customer.name ?? ''} ${d.customer.id}` : t.contact ? `(contact) ${t.contact.name ?? ''} ${t.contact.phone ?? ''} ${t.contact.email ?? ''}` : '—'}${d.order ? `; order ${d.order.channel}/${d.order.externalId}` : ''}${t.storeCode ? `; store ${t.storeCode}` : ''}`,
    `  received ${when(t.receivedAt)}, acked ${when(t.ackedAt)}, first reply ${when(t.firstRepliedAt)}, resolved ${when(t.resolvedAt)}; next due ${when(t.nextDueAt)}${t.slaState ? ` (${t.slaState})` : ''}`,
    ...(t.rootCauses.length ? [`  root causes: ${t.rootCauses.join(', ')}`] : []),
    ...(t.description ? ['', t.description] : []),
    '',
    ...d.timeline.map((e) => `${when(e.at)}  ${e.kind.padEnd(16)} ${e.visibility.padEnd(8)} ${e.actor}${e.body ? `: ${e.body.replace(/\s+/g, ' ').slice(0, 100)}` : ''}`),
  ];
  return out.join('\n');
}

/** `kemai tickets list|show|create|reply|resolve`: the service inbox and working a ticket from the command line. */
export function registerTicketsCommands(program: Command): void {
  const tickets = program.command('tickets').description('Service tickets: the inbox, a ticket, create, reply, resolve');

  tickets
    .command('list')
    .description('The inbox: live tickets, the next SLA due first (!! breached, ! warned)')
    .option('--status <list>', `statuses, comma-separated (${TICKET_STATUSES.join(', ')})`)
    .option('--queue <code>', 'one queue')
    .option('--assignee <who>', 'none or a staff id')
    .option('--kind <kind>', TICKET_KINDS.join(', '))
    .option('--sla <state>', 'breached, warning or due_soon')
    .option('--q <text>', 'a ticket number or words of the subject')
    .option('--limit <n>', 'at most this many (1–200)', '50')
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: string; queue?: string; assignee?: string; kind?: string; sla?: string; q?: string; limit: string; json?: boolean }) => {
      oneOf('--kind', o.kind, TICKET_KINDS);
      oneOf('--sla', o.sla, ['breached', 'warning', 'due_soon']);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new CliError(`--limit: a whole number from 1 to 200 (got ${o.limit})`, 2);
      const filters: Record<string, string> = { limit: String(limit) };
      for (const k of ['status', 'queue', 'assignee', 'kind', 'sla', 'q'] as const) if (o[k] !== undefined) filters[k] = o[k]!;
      const page = await withBackend(async (b) =>
        b.mode === 'remote'
          ? b.api.call<Page>('GET', `/api/v1/service/tickets?${new URLSearchParams(filters).toString()}`)
          : ((await b.kemai.tickets.list(filters, { id: null })) as Page),
      );
      print(!!o.json, page, page.items.length === 0 ? 'No tickets.' : [...page.items.map(line), `${page.items.length} of ${page.total}${page.totalCapped ? '+' : ''}`].join('\n'));
    });

  tickets
    .command('show <ticket>')
    .description('A ticket (T-123, 123 or its id) with its timeline')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const d = await withBackend(async (b) =>
        b.mode === 'remote' ? b.api.call<TicketDetail>('GET', `/api/v1/service/tickets/${encodeURIComponent(ref)}`) : b.kemai.tickets.detail(ref, { pii: true }),
      );
      print(!!o.json, d, detailText(d));
    });

  tickets
    .command('create')
    .description('Create a ticket (staff entry: channel staff, phone or wechat is acknowledged at creation)')
    .requiredOption('--kind <kind>', TICKET_KINDS.join(', '))
    .requiredOption('--subject <text>', 'the subject')
    .option('--description <text>', 'what happened')
    .option('--channel <channel>', TICKET_CHANNELS.join(', '), 'staff')
    .option('--customer <id>', 'the customer id')
    .option('--name <name>', 'the contact’s name')
    .option('--phone <phone>', 'the contact’s phone (links the customer holding it)')
    .option('--email <email>', 'the contact’s email')
    .option('--order <id>', 'the order id')
    .option('--store <code>', 'the store code')
    .option('--category <code>', 'a category code (late_delivery, damaged_product, …)')
    .option('--severity <severity>', `complaints: ${SEVERITIES.join(', ')}`)
    .option('--json', 'machine-readable output')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      oneOf('--kind', o.kind as string, TICKET_KINDS);
      oneOf('--channel', o.channel as string, TICKET_CHANNELS);
      oneOf('--severity', o.severity as string | undefined, SEVERITIES);
      const contact = o.name || o.phone || o.email ? { ...(o.name ? { name: o.name } : {}), ...(o.phone ? { phone: o.phone } : {}), ...(o.email ? { email: o.email } : {}) } : undefined;
      const body = {
        kind: o.kind,
        channel: o.channel,
        subject: o.subject,
        ...(o.description ? { description: o.description } : {}),
        ...(o.customer ? { customerId: o.customer } : {}),
        ...(contact ? { contact } : {}),
        ...(o.order ? { orderId: o.order } : {}),
        ...(o.store ? { storeCode: o.store } : {}),
        ...(o.category ? { category: o.category } : {}),
        ...(o.severity ? { severity: o.severity } : {}),
      };
      const r = await withBackend(async (b) =>
        b.mode === 'remote' ? b.api.call<{ ticket: InboxTicket; created: boolean }>('POST', '/api/v1/service/tickets', body) : b.kemai.tickets.create(body, cliActor()),
      );
      print(!!o.json, r, `Created ${r.ticket.ticketNumber} (${r.ticket.id}), ${r.ticket.status}.`);
    });

  tickets
    .command('reply <ticket>')
    .description('A public reply: on the timeline and to the customer through messaging (sent by the dispatcher)')
    .requiredOption('--text <text>', 'the reply')
    .option('--channel <channel>', 'auto, sms, email, wechat or app_push (default: email for a ticket that came by email, else auto)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { text: string; channel?: string; json?: boolean }) => {
      oneOf('--channel', o.channel, ['auto', 'sms', 'email', 'wechat', 'app_push']);
      const body = { body: o.text, ...(o.channel ? { channel: o.channel } : {}) };
      const t = await withBackend(async (b) =>
        b.mode === 'remote'
          ? (await b.api.call<{ ticket: InboxTicket }>('POST', `/api/v1/service/tickets/${encodeURIComponent(ref)}/reply`, body)).ticket
          : b.kemai.tickets.reply(ref, body, cliActor()),
      );
      print(!!o.json, t, `Replied on ${t.ticketNumber} (${t.status}).`);
    });

  tickets
    .command('resolve <ticket>')
    .description('Resolve a ticket with what was done and its root causes')
    .requiredOption('--resolution <text>', 'what was done')
    .option('--root-cause <code>', 'a root cause code (repeatable)', collect, [] as string[])
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { resolution: string; rootCause: string[]; json?: boolean }) => {
      const body = { status: 'resolved', resolution: o.resolution, ...(o.rootCause.length ? { rootCauses: o.rootCause } : {}) };
      const t = await withBackend(async (b) =>
        b.mode === 'remote'
          ? (await b.api.call<{ ticket: InboxTicket }>('POST', `/api/v1/service/tickets/${encodeURIComponent(ref)}/status`, body)).ticket
          : b.kemai.tickets.setStatus(ref, body, cliActor()),
      );
      print(!!o.json, t, `Resolved ${t.ticketNumber} at ${when(t.resolvedAt)}.`);
    });
}
