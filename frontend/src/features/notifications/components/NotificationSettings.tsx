import { Icon } from '../../../lib/ui';
import type { NotificationsState } from '../hooks/use-notifications';

/** The opt-in controls: desktop notifications on/off and their sound on/off. */
export function NotificationSettings({ state }: { state: NotificationsState }) {
  const on = state.active;
  const blocked = state.permission === 'denied' || state.permission === 'unsupported';
  return (
    <>
      <div className="notify-settings" role="group" aria-label="Notifications">
        <button
          type="button"
          className={`icon-btn${on ? ' is-on' : ''}`}
          aria-pressed={on}
          aria-label="Desktop notifications"
          title={on ? 'Desktop notifications are on' : blocked ? 'Desktop notifications are blocked' : 'Turn on desktop notifications'}
          onClick={() => void state.toggle()}
        >
          <Icon name={on ? 'bell' : 'bell-off'} />
        </button>
        <button
          type="button"
          className={`icon-btn${on && state.prefs.sound ? ' is-on' : ''}`}
          aria-pressed={state.prefs.sound}
          aria-label="Notification sound"
          title={state.prefs.sound ? 'Notification sound is on' : 'Notification sound is off'}
          disabled={!on}
          onClick={() => state.setSound(!state.prefs.sound)}
        >
          <Icon name={state.prefs.sound ? 'volume' : 'volume-off'} />
        </button>
      </div>
      {state.hint && (
        <div className="notify-hint" role="status">
          <span>{state.hint}</span>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={state.dismissHint}>
            <Icon name="close" width={14} height={14} />
          </button>
        </div>
      )}
    </>
  );
}
