import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormat } from '../../format/format';
import { useNotices, useReadNotices, type ConsoleNotice } from './listening.api';

/** The head of every listening page: title and subtitle, the page's actions, and the notification bell. */
export function ListeningHead({ title, subtitle, children }: { title: string; subtitle?: string; children?: ReactNode }) {
  return (
    <div className="page-head ls-head">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      <div className="ls-head-actions">
        {children}
        <NoticeBell />
      </div>
    </div>
  );
}

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** Where a notice leads: its crisis, else the alerts. */
const noticeLink = (n: ConsoleNotice) => (n.crisisId ? `/listening/crises/${n.crisisId}` : '/listening/alerts');

/**
 * Unread console notices of listening (spikes, crises opened, deadlines near or missed): a count on the bell, the list
 * in a panel; opening one marks it read, "mark all read" clears them.
 */
export function NoticeBell() {
  const { t } = useTranslation();
  const f = useFormat();
  const notices = useNotices();
  const read = useReadNotices();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const unread = notices.data?.unread ?? 0;
  const items = notices.data?.items ?? [];

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', away);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', away);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);

  return (
    <div className="ls-bell-box" ref={box}>
      <button
        type="button"
        className="btn ls-bell"
        aria-expanded={open}
        aria-label={t('listening.notices.button', { count: unread })}
        data-testid="notice-bell"
        onClick={() => setOpen((o) => !o)}
      >
        <BellIcon />
        {unread > 0 ? (
          <span className="ls-bell-count" data-testid="notice-count">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div className="ls-bell-panel" role="dialog" aria-label={t('listening.notices.title')}>
          <div className="ls-bell-head">
            <strong>{t('listening.notices.title')}</strong>
            {unread > 0 ? (
              <button type="button" className="btn btn-ghost btn-small" disabled={read.isPending} onClick={() => read.mutate(undefined)}>
                {t('listening.notices.readAll')}
              </button>
            ) : null}
          </div>
          {items.length === 0 ? (
            <div className="muted ls-bell-empty">{t('listening.notices.empty')}</div>
          ) : (
            <ul className="ls-bell-list" data-testid="notice-list">
              {items.map((n) => (
                <li key={n.id} className={`ls-notice ls-notice-${n.kind}`}>
                  <Link
                    to={noticeLink(n)}
                    onClick={() => {
                      read.mutate([n.id]);
                      setOpen(false);
                    }}
                  >
                    <span className="ls-notice-kind">{t(`listening.notices.kind.${n.kind}`, { defaultValue: n.kind })}</span>
                    <span className="ls-notice-subject">{n.subject}</span>
                    <span className="muted small">{f.dateTime(n.createdAt)}</span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
