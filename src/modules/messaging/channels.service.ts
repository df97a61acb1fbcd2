import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { invalid, zodIssues } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { AdapterRegistry } from './adapters/index.js';
import { CHANNELS, type Channel, type SendOutcome } from './messaging.contract.js';
import { ADAPTER_CONFIG, CHANNEL_ADAPTERS, ChannelInput, DEFAULT_ADAPTER, SECRET_FIELDS, SECRET_MASK, type AdapterName } from './messaging-delivery.schemas.js';

export interface ChannelSettings {
  channel: Channel;
  enabled: boolean;
  adapter: AdapterName;
  config: Record<string, unknown>;
  ratePerSecond: number | null;
  updatedBy: string | null;
  updatedAt: Date | null;
}

/** The settings with every secret shown as '••••' (what the API answers). */
export function maskSecrets(s: ChannelSettings): ChannelSettings {
  const config = { ...s.config };
  for (const f of SECRET_FIELDS) if (config[f] != null && config[f] !== '') config[f] = SECRET_MASK;
  return { ...s, config };
}

const defaults = (channel: Channel): ChannelSettings => ({
  channel,
  enabled: true,
  adapter: DEFAULT_ADAPTER[channel],
  config: {},
  ratePerSecond: null,
  updatedBy: null,
  updatedAt: null,
});

/**
 * Channel settings (messaging.channels): which adapter carries each channel, its settings and rate. A channel with no
 * row has the defaults (enabled; the log adapter, guide tasks as tasks), so a fresh install "sends" without a network.
 */
export class ChannelsService {
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    private readonly adapters: AdapterRegistry,
    deps: { clock?: Clock } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Every channel's settings with its secrets (for the dispatcher and receipts; never answered as is). */
  async settings(db: Db = this.db): Promise<ChannelSettings[]> {
    const rows = await query<Record<string, unknown>>(db, sql`select channel, enabled, adapter, config, rate_per_second, updated_by, updated_at from messaging.channels`);
    const stored = new Map(rows.map((r) => [String(r.channel), r]));
    return CHANNELS.map((channel) => {
      const r = stored.get(channel);
      if (!r) return defaults(channel);
      return {
        channel,
        enabled: r.enabled === true,
        adapter: r.adapter as AdapterName,
        config: (typeof r.config === 'string' ? JSON.parse(r.config) : r.config ?? {}) as Record<string, unknown>,
        ratePerSecond: r.rate_per_second == null ? null : Number(r.rate_per_second),
        updatedBy: (r.updated_by as string | null) ?? null,
        updatedAt: r.updated_at == null ? null : new Date(String(r.updated_at instanceof Date ? r.updated_at.toISOString() : r.updated_at)),
      };
    });
  }

  async get(channel: Channel): Promise<ChannelSettings> {
    return (await this.settings()).find((s) => s.channel === channel)!;
  }

  /** What GET /messaging/channels answers. */
  async list(): Promise<ChannelSettings[]> {
    return (await this.settings()).map(maskSecrets);
  }

  /**
   * Replaces a channel's settings after checking them against its adapter (the error names the field, e.g.
   * `config.host`). A secret sent back as '••••' keeps the stored one (the console shows only the mask).
   */
  async update(channel: Channel, input: ChannelInput, actor: string): Promise<ChannelSettings> {
    const parsed = ChannelInput.safeParse(input);
    if (!parsed.success) throw invalid('messaging.invalid_channel_settings', 'the channel settings are not valid', zodIssues(parsed.error.issues));
    const { enabled, adapter, ratePerSecond } = parsed.data;
    if (!CHANNEL_ADAPTERS[channel].includes(adapter))
      throw invalid('messaging.invalid_channel_settings', `the ${channel} channel cannot use the ${adapter} adapter (${CHANNEL_ADAPTERS[channel].join(', ')})`, [
        { path: 'adapter', message: `one of ${CHANNEL_ADAPTERS[channel].join(', ')}` },
      ]);
    const current = await this.get(channel);
    const config = { ...parsed.data.config };
    for (const f of SECRET_FIELDS) {
      if (config[f] === SECRET_MASK) {
        if (current.config[f] == null)
          throw invalid('messaging.invalid_channel_settings', `config.${f} has no stored value to keep`, [{ path: `config.${f}`, message: 'give the secret' }]);
        config[f] = current.config[f];
      }
    }
    const checked = ADAPTER_CONFIG[adapter].safeParse(config);
    if (!checked.success) {
      const issues = zodIssues(checked.error.issues).map((i) => ({ ...i, path: `config.${i.path === '(root)' ? '' : i.path}`.replace(/\.$/, '') }));
      throw invalid('messaging.invalid_channel_settings', `the ${adapter} settings are not valid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    }
    const now = this.clock.now().toISOString();
    await this.db.execute(sql`insert into messaging.channels (channel, enabled, adapter, config, rate_per_second, updated_by, updated_at)
      values (${channel}, ${enabled}, ${adapter}, ${JSON.stringify(checked.data)}::jsonb, ${ratePerSecond}, ${actor}, ${now}::timestamptz)
      on conflict (channel) do update set enabled = excluded.enabled, adapter = excluded.adapter, config = excluded.config,
        rate_per_second = excluded.rate_per_second, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    return maskSecrets(await this.get(channel));
  }

  /** Sends a test message to an address through the channel's adapter as configured (enabled or not); nothing is stored. */
  async test(channel: Channel, to: string, providerTemplateId?: string): Promise<SendOutcome & { adapter: string }> {
    const s = await this.get(channel);
    const adapter = this.adapters.get(s.adapter);
    if (!adapter) throw invalid('messaging.unknown_adapter', `no adapter named ${s.adapter}`);
    if (s.adapter === 'guide_task') return { id: newId(), status: 'sent', providerMessageId: 'test: guide tasks are created for customers only', adapter: s.adapter };
    const id = newId();
    const [outcome] = await adapter.send(
      [
        {
          id,
          channel,
          customerId: '00000000-0000-0000-0000-000000000000',
          to,
          subject: 'Kemai test message / 客脉测试消息',
          body: `This is a test of the ${channel} channel from Kemai.\n这是客脉发出的${channel}渠道测试消息。`,
          locale: 'zh-CN',
          providerTemplateId: providerTemplateId ?? null,
          variables: { test: true },
        },
      ],
      s.config,
      this.db,
    );
    return { ...(outcome ?? { id, status: 'retry', error: 'the adapter gave no outcome' }), adapter: s.adapter };
  }
}
