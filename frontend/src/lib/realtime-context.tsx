// The signed-in shell provides the tab's RealtimeHub; features read it here.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { RealtimeHub } from './realtime';
import type { StatusInfo } from './ws-client';

export const RealtimeContext = createContext<RealtimeHub | null>(null);

export function useRealtime(): RealtimeHub {
  const hub = useContext(RealtimeContext);
  if (!hub) throw new Error('useRealtime() outside <RealtimeContext.Provider>');
  return hub;
}

/** The connection's status, re-rendering when it changes. */
export function useConnectionStatus(): StatusInfo {
  const hub = useRealtime();
  return useSyncExternalStore(hub.subscribeStatus, hub.getStatus, hub.getStatus);
}
