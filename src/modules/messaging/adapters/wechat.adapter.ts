import type { Clock } from '../../../platform/clock.js';
import type { ChannelAdapter, OutgoingMessage, SendOutcome } from '../messaging.contract.js';
import { errorText, publicVariables } from './signature.js';

/** errcodes worth another try later: system busy, rate limits, an access_token that went stale. */
const RETRY_CODES = new Set([-1, 45009, 45011, 45047, 40001, 42001, 40014]);
const TOKEN_CODES = new Set([40001, 42001, 40014]);

/**
 * WeChat template messages (service account) or subscription messages (mini-program) through the official API:
 * an access_token from `${baseUrl}/cgi-bin/token` cached until shortly before it expires, then one POST per message
 * with touser = the openid, template_id = the template's WeChat id, data = the variables ({key: {value}}). errcode 0
 * → sent (msgid); busy, rate-limited or a stale token → retry (the token is fetched again); others → failed.
 */
export class WechatAdapter implements ChannelAdapter {
  readonly name = 'wechat';
  private readonly tokens = new Map<string, { token: string; until: number }>();

  constructor(private readonly clock: Clock) {}

  private async token(baseUrl: string, appId: string, appSecret: string, timeoutMs: number): Promise<string> {
    const key = `${baseUrl}|${appId}`;
    const cached = this.tokens.get(key);
    const now = this.clock.now().getTime();
    if (cached && cached.until > now) return cached.token;
    const url = `${baseUrl}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(appId)}&secret=${encodeURIComponent(appSecret)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const json = (await res.json()) as { access_token?: string; expires_in?: number; errcode?: number };
    if (!json.access_token) throw new Error(`wechat token errcode ${json.errcode ?? res.status}`);
    // Refreshed five minutes early so a token never expires mid-batch.
    this.tokens.set(key, { token: json.access_token, until: now + Math.max(60, (json.expires_in ?? 7200) - 300) * 1000 });
    return json.access_token;
  }

  async send(messages: readonly OutgoingMessage[], config: Record<string, unknown>): Promise<SendOutcome[]> {
    const baseUrl = String(config.baseUrl ?? 'https://api.weixin.qq.com').replace(/\/+$/, '');
    const appId = String(config.appId);
    const timeoutMs = Number(config.timeoutMs ?? 10_000);
    const path = config.kind === 'subscribe' ? '/cgi-bin/message/subscribe/send' : '/cgi-bin/message/template/send';
    let token: string;
    try {
      token = await this.token(baseUrl, appId, String(config.appSecret), timeoutMs);
    } catch (err) {
      return messages.map((m) => ({ id: m.id, status: 'retry', error: errorText(err) }));
    }
    const outcomes: SendOutcome[] = [];
    for (const m of messages) {
      if (!m.providerTemplateId) {
        outcomes.push({ id: m.id, status: 'failed', error: 'the template has no WeChat template id' });
        continue;
      }
      const data: Record<string, { value: string }> = {};
      for (const [k, v] of Object.entries(publicVariables(m.variables))) if (v !== null && typeof v !== 'object') data[k] = { value: String(v) };
      if (!data.content) data.content = { value: m.body };
      try {
        const res = await fetch(`${baseUrl}${path}?access_token=${encodeURIComponent(token)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ touser: m.to, template_id: m.providerTemplateId, data, client_msg_id: m.id }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.status >= 500) {
          await res.body?.cancel().catch(() => undefined);
          outcomes.push({ id: m.id, status: 'retry', error: `wechat answered ${res.status}` });
          continue;
        }
        const json = (await res.json()) as { errcode?: number; errmsg?: string; msgid?: number | string };
        const code = Number(json.errcode ?? 0);
        if (code === 0) outcomes.push({ id: m.id, status: 'sent', ...(json.msgid != null ? { providerMessageId: String(json.msgid) } : {}) });
        else {
          if (TOKEN_CODES.has(code)) this.tokens.delete(`${baseUrl}|${appId}`);
          outcomes.push({ id: m.id, status: RETRY_CODES.has(code) ? 'retry' : 'failed', error: `wechat errcode ${code}` });
        }
      } catch (err) {
        outcomes.push({ id: m.id, status: 'retry', error: `wechat: ${errorText(err)}` });
      }
    }
    return outcomes;
  }
}
