// What every feature may use from the app without importing it: the API
// client, the runtime config and the session. The app provides these.
import { createContext, useContext } from 'react';
import type { RuntimeConfig } from '../config/runtime-config';
import type { User } from '../types/api';
import type { ApiClient } from './api-client';
import type { Session } from './session';

export interface AppServices {
  api: ApiClient;
  config: RuntimeConfig;
  session: Session | null;
  /** Store a fresh session after log in / register. */
  signIn: (token: string, user: User) => void;
  /** Clear the session; `reason` is shown on the login screen. */
  signOut: (reason?: string) => void;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp() outside <AppContext.Provider>');
  return value;
}

/** For screens that only render when signed in. */
export function useSession(): Session {
  const { session } = useApp();
  if (!session) throw new Error('useSession() without a session');
  return session;
}
