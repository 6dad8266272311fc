import { useState, type FormEvent } from 'react';
import { useApp } from '../../../lib/app-context';
import { isApiError } from '../../../lib/api-client';
import { login, register } from '../api/auth-api';

export type AuthMode = 'login' | 'register';

export function useAuthForm(mode: AuthMode, onDone: () => void) {
  const { api, signIn } = useApp();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const credentials = { username: username.trim(), password };
      if (mode === 'register') await register(api, credentials);
      const session = await login(api, credentials);
      signIn(session.access_token, session.user);
      onDone();
    } catch (err) {
      setError(isApiError(err) ? err.message : 'Something went wrong. Please try again.');
      setBusy(false);
    }
  }

  return { username, setUsername, password, setPassword, error, busy, submit };
}
