import type { Logger } from 'pino';
import type { Clock } from '../../../platform/clock.js';
import type { ChannelAdapter } from '../messaging.contract.js';
import { GuideTaskAdapter } from './guide-task.adapter.js';
import { LogAdapter } from './log.adapter.js';
import { SmtpAdapter } from './smtp.adapter.js';
import { WebhookAdapter } from './webhook.adapter.js';
import { WechatAdapter } from './wechat.adapter.js';

export { GuideTaskAdapter, LogAdapter, SmtpAdapter, WebhookAdapter, WechatAdapter };
export { sign, verify, publicVariables } from './signature.js';
export { textToHtml } from './smtp.adapter.js';

export type AdapterRegistry = ReadonlyMap<string, ChannelAdapter & { close?(): void }>;

/** Every adapter by name (channels choose one in their settings). */
export function createAdapters(deps: { clock: Clock; log?: Logger }): AdapterRegistry {
  const list: Array<ChannelAdapter & { close?(): void }> = [
    new LogAdapter(deps.log),
    new SmtpAdapter(),
    new WebhookAdapter(deps.clock),
    new WechatAdapter(deps.clock),
    new GuideTaskAdapter(deps.clock),
  ];
  return new Map(list.map((a) => [a.name, a]));
}
