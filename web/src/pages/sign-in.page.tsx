import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-client';
import { useSignIn } from '../auth/session';
import { LanguageSwitch } from '../components/language-switch';

export function SignInPage() {
  const { t } = useTranslation();
  const signIn = useSignIn();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ username: username.trim(), password });
  };
  const error = signIn.error
    ? isApiError(signIn.error, 401)
      ? t('auth.wrongCredentials')
      : isApiError(signIn.error)
        ? signIn.error.message
        : t('errors.network')
    : null;

  return (
    <div className="auth-page">
      <div className="auth-lang">
        <LanguageSwitch />
      </div>
      <form className="auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="auth-brand">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <div>
            <div className="auth-product">{t('app.name')}</div>
            <div className="muted small">{t('app.tagline')}</div>
          </div>
        </div>
        <h1 id="sign-in-title">{t('auth.title')}</h1>
        <label className="field">
          <span>{t('auth.username')}</span>
          <input name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <div className="form-error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={signIn.isPending}>
          {signIn.isPending ? t('auth.signingIn') : t('auth.signIn')}
        </button>
      </form>
    </div>
  );
}
