import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-client';
import { useChangePassword, useSignOut, type Me } from '../auth/session';
import { LanguageSwitch } from '../components/language-switch';

const MIN_LENGTH = 10;

/** A one-time or reset password must be replaced before the console opens. */
export function ChangePasswordPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const change = useChangePassword();
  const signOut = useSignOut();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (next.length < MIN_LENGTH) return setProblem(t('auth.passwordTooShort', { min: MIN_LENGTH }));
    if (next !== repeat) return setProblem(t('auth.passwordMismatch'));
    if (next === current) return setProblem(t('auth.passwordUnchanged'));
    setProblem(null);
    change.mutate({ currentPassword: current, newPassword: next });
  };
  const apiProblem = change.error
    ? isApiError(change.error, 401)
      ? t('auth.currentPasswordWrong')
      : isApiError(change.error)
        ? change.error.message
        : t('errors.network')
    : null;
  const shown = problem ?? apiProblem;

  return (
    <div className="auth-page">
      <div className="auth-lang">
        <LanguageSwitch />
      </div>
      <form className="auth-card" onSubmit={submit} aria-labelledby="change-title">
        <h1 id="change-title">{t('auth.changeTitle')}</h1>
        <p className="muted">{t('auth.changeIntro', { name: me.staff?.displayName ?? me.name })}</p>
        <label className="field">
          <span>{t('auth.currentPassword')}</span>
          <input name="currentPassword" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('auth.newPassword')}</span>
          <input name="newPassword" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
          <small className="muted">{t('auth.passwordRule', { min: MIN_LENGTH })}</small>
        </label>
        <label className="field">
          <span>{t('auth.repeatPassword')}</span>
          <input name="repeatPassword" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </label>
        {shown ? (
          <div className="form-error" role="alert">
            {shown}
          </div>
        ) : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={change.isPending}>
          {t('auth.changeSubmit')}
        </button>
        <button type="button" className="btn btn-ghost btn-block" onClick={() => signOut.mutate()}>
          {t('auth.signOut')}
        </button>
      </form>
    </div>
  );
}
