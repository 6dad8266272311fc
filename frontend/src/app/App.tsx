import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { RuntimeConfig } from '../config/runtime-config';
import { AuthScreen } from '../features/auth/components/AuthScreen';
import { me } from '../features/auth/api/auth-api';
import { createApiClient } from '../lib/api-client';
import { AppContext, type AppServices } from '../lib/app-context';
import { matchRoute, navigate, useLocationPath } from '../lib/router';
import { clearSession, loadSession, saveSession, TOKEN_KEY, type Session } from '../lib/session';
import type { User } from '../types/api';
import { AppShell } from './AppShell';

export function App({ config }: { config: RuntimeConfig }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [notice, setNotice] = useState<string | null>(null);
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const signOut = useCallback((reason?: string) => {
    clearSession();
    setSession(null);
    setNotice(reason ?? null);
    const here = window.location.pathname;
    const next = here.startsWith('/rooms/') ? `?next=${encodeURIComponent(here)}` : '';
    navigate(`/login${reason ? next : ''}`, { replace: true });
  }, []);

  const signIn = useCallback((token: string, user: User) => {
    const s = { token, user };
    saveSession(s);
    setSession(s);
    setNotice(null);
  }, []);

  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: config.apiBaseUrl,
        getToken: () => sessionRef.current?.token ?? null,
        onUnauthorized: () => {
          if (sessionRef.current) signOut('Your session has ended. Please log in again.');
        },
      }),
    [config.apiBaseUrl, signOut],
  );

  // Another tab logged out (or in): follow it.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key !== null && e.key !== TOKEN_KEY) return;
      const s = loadSession();
      if (!s && sessionRef.current) signOut();
      else if (s && s.token !== sessionRef.current?.token) setSession(s);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [signOut]);

  // Check a stored token once at start-up (a revoked or expired one signs out via the 401 hook).
  const token = session?.token;
  useEffect(() => {
    if (!token) return;
    me(api)
      .then((user) => {
        setSession((s) => {
          if (!s || s.token !== token || s.user.username === user.username) return s;
          const next = { token, user };
          saveSession(next);
          return next;
        });
      })
      .catch(() => {
        // Network trouble is not a reason to sign out; 401 is handled by the client.
      });
    // Only on start-up / when a new token appears.
  }, [token, api]);

  const services: AppServices = useMemo(
    () => ({ api, config, session, signIn, signOut }),
    [api, config, session, signIn, signOut],
  );

  const path = useLocationPath();
  const route = matchRoute(path);

  // Redirects: signed out → login (remembering where to go), signed in → away from the auth screens.
  const redirect = !session
    ? route.name === 'login' || route.name === 'register'
      ? null
      : `/login${route.name === 'room' ? `?next=${encodeURIComponent(`/rooms/${route.roomId}`)}` : ''}`
    : route.name === 'login' || route.name === 'register'
      ? route.next ?? '/rooms'
      : route.name === 'unknown'
        ? '/rooms'
        : null;
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  let screen: ReactNode = null;
  if (!redirect) {
    if (!session) {
      const authRoute = route as Extract<typeof route, { name: 'login' | 'register' }>;
      screen = (
        <AuthScreen
          key={authRoute.name}
          mode={authRoute.name}
          next={authRoute.next}
          notice={authRoute.name === 'login' ? notice : null}
        />
      );
    } else {
      screen = <AppShell key={session.user.id} roomId={route.name === 'room' ? route.roomId : null} />;
    }
  }

  return <AppContext.Provider value={services}>{screen}</AppContext.Provider>;
}
