import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import {
  JOURNEY_STATUSES,
  useBlueprints,
  useInstallBlueprint,
  useJourneyAction,
  useJourneys,
  useJourneyStats,
  useJourney,
  currentDefinition,
  type Blueprint,
  type Journey,
  type JourneyAction,
  type JourneyStatus,
} from '../../api/journeys.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon, type IconName } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { ConfirmDialog } from '../settings/dialog';
import { triggerText } from './journey-words';
import { PublishDialog } from './publish-dialog';
import './journeys.css';

/** The actions each status offers in the list. */
export const ACTIONS: Record<JourneyStatus, JourneyAction[]> = {
  draft: ['publish'],
  active: ['pause'],
  paused: ['resume', 'archive'],
  archived: [],
};

/** Journeys: status, trigger in words, entered / in progress / converted / uplift, publish / pause / resume; the ready-made journeys to start from. */
export function JourneysPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const write = can(me, 'journeys:write');
  const [status, setStatus] = useState<JourneyStatus | ''>('');
  const list = useJourneys(status);
  const all = useJourneys('');
  const action = useJourneyAction();
  const [publishing, setPublishing] = useState<Journey | null>(null);
  const [archiving, setArchiving] = useState<Journey | null>(null);

  const counts = new Map<string, number>();
  for (const j of all.data ?? []) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);

  const run = (j: Journey, a: JourneyAction) => {
    if (a === 'publish') setPublishing(j);
    else if (a === 'archive') setArchiving(j);
    else action.mutate({ id: j.id, action: a });
  };

  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <h1>{t('journeys.list.title')}</h1>
          <p className="muted">{t('journeys.list.subtitle')}</p>
        </div>
        {write ? (
          <div className="jr-head-actions">
            <a href="#blueprints" className="btn">
              <Icon name="grid" size={16} />
              {t('journeys.list.fromBlueprint')}
            </a>
            <Link to="/journeys/new" className="btn btn-primary" data-testid="journey-new">
              <Icon name="plus" size={16} />
              {t('journeys.list.new')}
            </Link>
          </div>
        ) : null}
      </div>

      <section className="card">
        <div className="card-head">
          <div className="jr-tabs" role="tablist" aria-label={t('journeys.list.filter')}>
            {(['', ...JOURNEY_STATUSES] as const).map((s) => (
              <button
                key={s || 'all'}
                type="button"
                role="tab"
                aria-selected={status === s}
                className={status === s ? 'jr-tab active' : 'jr-tab'}
                onClick={() => setStatus(s)}
                data-status={s || 'all'}
              >
                {s ? t(`journeys.status.${s}`) : t('journeys.list.all')}
                <span className="jr-tab-count">{f.number(s ? (counts.get(s) ?? 0) : (all.data?.length ?? 0))}</span>
              </button>
            ))}
          </div>
        </div>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          <Empty title={t('journeys.list.empty')}>{write ? t('journeys.list.emptyHint') : null}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table jr-table" data-testid="journey-table">
              <thead>
                <tr>
                  <th>{t('journeys.list.name')}</th>
                  <th>{t('journeys.list.status')}</th>
                  <th>{t('journeys.list.trigger')}</th>
                  <th className="num">{t('journeys.list.entered')}</th>
                  <th className="num">{t('journeys.list.inProgress')}</th>
                  <th className="num">{t('journeys.list.converted')}</th>
                  <th className="num">{t('journeys.list.uplift')}</th>
                  {write ? <th className="jr-actions-col">{t('journeys.list.actions')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((j) => (
                  <JourneyRow key={j.id} j={j} write={write} busy={action.isPending} onAction={(a) => run(j, a)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {action.isError ? (
          <div className="form-error" role="alert">
            {action.error.message}
          </div>
        ) : null}
      </section>

      <BlueprintGallery write={write} />

      {publishing ? <PublishDialog journey={publishing} onClose={() => setPublishing(null)} /> : null}
      {archiving ? (
        <ConfirmDialog
          title={t('journeys.action.archiveTitle', { name: archiving.name })}
          confirm={t('journeys.action.archive')}
          danger
          busy={action.isPending}
          onClose={() => setArchiving(null)}
          onConfirm={() => action.mutate({ id: archiving.id, action: 'archive' }, { onSuccess: () => setArchiving(null) })}
        >
          <p>{t('journeys.action.archiveBody')}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function JourneyRow({ j, write, busy, onAction }: { j: Journey; write: boolean; busy: boolean; onAction: (a: JourneyAction) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const given = j.counts ?? j.stats;
  const stats = useJourneyStats(j.id, { enabled: j.status !== 'draft' });
  const detail = useJourney(j.definition ? undefined : j.id);
  const def = j.definition ?? currentDefinition(detail.data);
  const s = stats.data;
  const entered = given?.entered ?? s?.entered;
  const active = given?.active ?? s?.active;
  const converted = given?.converted ?? s?.converted;
  const uplift = s ? s.conversion.difference : given?.uplift;
  const pp = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v * 100).toFixed(1)} pp`;
  return (
    <tr data-code={j.code} data-status={j.status}>
      <td>
        <Link to={`/journeys/${j.id}`} className="jr-name">
          {j.name}
        </Link>
        <div className="muted small">
          <span className="mono">{j.code}</span>
          {j.blueprint ? <span className="badge jr-blueprint-badge">{t('journeys.list.fromBlueprintBadge')}</span> : null}
        </div>
      </td>
      <td>
        <JourneyStatusBadge status={j.status} />
        <div className="muted small nowrap">{t('journeys.list.version', { n: j.currentVersion })}</div>
      </td>
      <td className="jr-trigger-cell" data-testid="journey-trigger">
        {def ? triggerText(t, def.trigger) : '…'}
        <div className="muted small">{t('journeys.list.holdout', { n: j.holdoutPercent })}</div>
      </td>
      <td className="num" data-testid="journey-entered">
        {entered === undefined ? '—' : f.number(entered)}
      </td>
      <td className="num">{active === undefined ? '—' : f.number(active)}</td>
      <td className="num">
        {converted === undefined ? '—' : f.number(converted)}
        {entered ? <div className="muted small">{f.percent((converted ?? 0) / entered)}</div> : null}
      </td>
      <td className={`num nowrap ${uplift === null || uplift === undefined ? '' : uplift > 0 ? 'positive' : uplift < 0 ? 'negative' : ''}`}>{uplift === null || uplift === undefined ? '—' : pp(uplift)}</td>
      {write ? (
        <td className="jr-actions-col">
          <div className="jr-row-actions">
            {j.status !== 'draft' ? (
              <Link to={`/journeys/${j.id}/stats`} className="btn btn-small btn-ghost" data-action="stats">
                {t('journeys.action.stats')}
              </Link>
            ) : null}
            {ACTIONS[j.status].map((a) => (
              <button key={a} type="button" className={a === 'publish' ? 'btn btn-small btn-primary' : a === 'archive' ? 'btn btn-small btn-ghost' : 'btn btn-small'} disabled={busy} data-action={a} onClick={() => onAction(a)}>
                {t(`journeys.action.${a}`)}
              </button>
            ))}
          </div>
        </td>
      ) : null}
    </tr>
  );
}

export function JourneyStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge jr-status jr-status-${status}`} data-status={status}>
      {t(`journeys.status.${status}`)}
    </span>
  );
}

const BLUEPRINT_ICONS: Record<string, IconName> = {
  welcome: 'customers',
  second_purchase: 'basket',
  win_back: 'churn',
  birthday: 'ticket',
  tier_upgrade: 'tiers',
  quarterly_callback: 'rules',
  referral: 'segments',
  complaint_care: 'check',
};

/** The ready-made journeys from the seeds: install one, then edit it in the builder. */
function BlueprintGallery({ write }: { write: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  const navigate = useNavigate();
  const list = useBlueprints();
  const install = useInstallBlueprint();
  const [installing, setInstalling] = useState<string | null>(null);
  const go = (b: Blueprint) => {
    setInstalling(b.code);
    install.mutate({ code: b.code }, { onSuccess: (j) => navigate(`/journeys/${j.id}`), onSettled: () => setInstalling(null) });
  };
  return (
    <section className="card" id="blueprints" data-testid="blueprints">
      <div className="card-head">
        <div>
          <h2>{t('journeys.blueprints.title')}</h2>
          <div className="muted small">{t('journeys.blueprints.subtitle')}</div>
        </div>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <Empty title={t('journeys.blueprints.none')} />
      ) : (
        <div className="jr-gallery">
          {list.data.map((b) => (
            <article key={b.code} className="jr-blueprint" data-blueprint={b.code}>
              <div className="jr-blueprint-icon" aria-hidden="true">
                <Icon name={BLUEPRINT_ICONS[b.code] ?? 'builder'} size={22} />
              </div>
              <div className="jr-blueprint-text">
                <h3>{b.names?.[lang] ?? b.name}</h3>
                <p className="muted small">{b.descriptions?.[lang] ?? b.description}</p>
                {b.definition ? <div className="jr-blueprint-trigger small">{triggerText(t, b.definition.trigger)}</div> : null}
              </div>
              {write ? (
                <button type="button" className="btn btn-small" disabled={install.isPending} onClick={() => go(b)} data-action="install">
                  {installing === b.code ? t('journeys.blueprints.installing') : b.installed ? t('journeys.blueprints.installAgain') : t('journeys.blueprints.install')}
                </button>
              ) : null}
            </article>
          ))}
        </div>
      )}
      {install.isError ? (
        <div className="form-error" role="alert">
          {install.error.message}
        </div>
      ) : null}
    </section>
  );
}
