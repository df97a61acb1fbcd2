import type { Logger } from 'pino';
import type { ChannelAdapter, OutgoingMessage, SendOutcome } from '../messaging.contract.js';

/** Sends nothing: records that the message went (ids and channel only, never the address or text). The demo's default. */
export class LogAdapter implements ChannelAdapter {
  readonly name = 'log';
  constructor(private readonly log?: Logger) {}

  async send(messages: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    this.log?.debug({ channel: messages[0]?.channel, count: messages.length }, 'messages sent to the log adapter');
    return messages.map((m) => ({ id: m.id, status: 'sent', providerMessageId: `log:${m.id}` }));
  }
}
