import { useId } from 'react';
import { Link, navigate } from '../../../lib/router';
import { useAuthForm, type AuthMode } from '../hooks/use-auth-form';

interface Props {
  mode: AuthMode;
  /** Where to go after signing in (a same-origin path). */
  next: string | null;
  /** Shown above the form, e.g. "Your session has expired". */
  notice?: string | null;
}

export function AuthScreen({ mode, next, notice }: Props) {
  const form = useAuthForm(mode, () => navigate(next ?? '/rooms', { replace: true }));
  const ids = { user: useId(), pass: useId(), userHint: useId(), passHint: useId(), error: useId() };
  const isLogin = mode === 'login';
  const otherPath = `${isLogin ? '/register' : '/login'}${next ? `?next=${encodeURIComponent(next)}` : ''}`;

  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand brand--large" aria-hidden="true">
          <span className="brand-mark" />
          <span className="brand-name">Chat</span>
        </div>
        <h1 className="auth-title">{isLogin ? 'Welcome back' : 'Create your account'}</h1>
        <p className="auth-subtitle">
          {isLogin ? 'Log in to pick up your conversations.' : 'Pick a username and password to start chatting.'}
        </p>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form className="auth-form" onSubmit={form.submit} noValidate aria-describedby={form.error ? ids.error : undefined}>
          <div className="field">
            <label htmlFor={ids.user}>Username</label>
            <input
              id={ids.user}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={form.username}
              onChange={(e) => form.setUsername(e.target.value)}
              aria-describedby={isLogin ? undefined : ids.userHint}
              autoFocus
            />
            {!isLogin && (
              <p className="hint" id={ids.userHint}>
                3–32 characters: letters, digits, dot, dash or underscore.
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.pass}>Password</label>
            <input
              id={ids.pass}
              name="password"
              type="password"
              autoComplete={isLogin ? 'current-password' : 'new-password'}
              required
              value={form.password}
              onChange={(e) => form.setPassword(e.target.value)}
              aria-describedby={isLogin ? undefined : ids.passHint}
            />
            {!isLogin && (
              <p className="hint" id={ids.passHint}>
                At least 8 characters.
              </p>
            )}
          </div>
          {form.error && (
            <p className="form-error" role="alert" id={ids.error}>
              {form.error}
            </p>
          )}
          <button className="btn btn-primary btn-block" type="submit" disabled={form.busy}>
            {form.busy ? (isLogin ? 'Logging in…' : 'Creating account…') : isLogin ? 'Log in' : 'Create account'}
          </button>
        </form>
        <p className="auth-switch">
          {isLogin ? 'New here?' : 'Already have an account?'}{' '}
          <Link to={otherPath} replace>
            {isLogin ? 'Create an account' : 'Log in'}
          </Link>
        </p>
      </div>
    </main>
  );
}
