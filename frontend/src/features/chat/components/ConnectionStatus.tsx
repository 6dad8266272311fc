import { useEffect, useState } from 'react';
import type { StatusInfo } from '../../../lib/ws-client';

const LABELS: Record<StatusInfo['status'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ConnectionStatus({ info, onReconnect }: { info: StatusInfo; onReconnect: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (info.nextRetryAt === null) return;
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, [info.nextRetryAt]);

  const seconds = info.nextRetryAt !== null ? Math.max(0, Math.ceil((info.nextRetryAt - now) / 1000)) : null;
  const showRetry = info.status === 'offline' || (info.status === 'reconnecting' && (seconds ?? 0) > 2);

  return (
    <div className={`conn conn--${info.status}`}>
      <span role="status" aria-live="polite" className="conn-label" data-status={info.status}>
        <span className="conn-dot" aria-hidden="true" />
        {LABELS[info.status]}
        {seconds !== null && seconds > 0 && info.status !== 'connected' && (
          <span className="conn-detail"> · retry in {seconds}s</span>
        )}
      </span>
      {showRetry && (
        <button type="button" className="link-btn conn-retry" onClick={onReconnect}>
          Reconnect now
        </button>
      )}
    </div>
  );
}
