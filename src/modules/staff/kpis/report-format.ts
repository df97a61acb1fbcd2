import type { KpiRow, WeeklyReport } from './kpis.service.js';

const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const rate = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)}%`);
const mark = (met: boolean | null) => (met === null ? '' : met ? ' ✓' : ' ✗');
const secs = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} s`);

const HEAD = '| | served | net sales | enrolled | repurchase | referral | CSAT (≥ 90%) | NPS | coupons | 1st response (≤ 60 s) | resolution (≥ 90%) | tasks |';
const RULE = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';

function line(name: string, r: KpiRow): string {
  return `| ${name} | ${r.customersServed} | ${yuan(r.netSalesFen)} | ${r.memberEnrolments} | ${rate(r.repurchaseRate)} | ${rate(r.referralRate)} | ${rate(r.csat)}${mark(r.targets.csat.met)} | ${r.nps === null ? '–' : r.nps.toFixed(1)} | ${r.couponRedemptions} | ${secs(r.firstResponseSeconds)}${mark(r.targets.firstResponseSeconds.met)} | ${rate(r.resolutionRate)}${mark(r.targets.resolutionRate.met)} | ${rate(r.taskCompletionRate)} |`;
}

/** The weekly report as Markdown: stores, guides (✓ target met, ✗ missed, nothing when there was nothing to judge), leaderboards. */
export function formatWeeklyReport(r: WeeklyReport): string {
  const out: string[] = [];
  out.push(`# Staff and store KPIs, ${r.week}${r.store ? ` — store ${r.store}` : ''}`, '', `${r.from} to ${r.to} (end excluded)`, '');
  out.push('## Stores', '', HEAD, RULE, ...r.stores.map((s) => line(s.key, s)), '');
  out.push('## Guides', '', HEAD, RULE, ...r.guides.map((g) => line(`${g.username} (${g.storeCode ?? '–'})`, g)), '');
  out.push('## Leaderboards', '');
  for (const b of r.leaderboards) {
    const fmt = (v: number) => (b.metric === 'netSalesFen' ? yuan(v) : b.metric.endsWith('Rate') || b.metric === 'csat' ? rate(v) : String(v));
    const list = (xs: typeof b.top) => (xs.length ? xs.map((e) => `${e.rank}. ${e.username} ${fmt(e.value)}`).join(', ') : '–');
    out.push(`- **${b.metric}** — top: ${list(b.top)}; bottom: ${list(b.bottom)}`);
  }
  return `${out.join('\n')}\n`;
}
