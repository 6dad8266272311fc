import { useEffect, useRef, type KeyboardEvent } from 'react';
import { QUICK_EMOJI } from '../hooks/reactions';

const COLUMNS = 4;

interface Props {
  /** Whose message (for the dialog's name). */
  label: string;
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Open below the button instead of above (near the top of the list). */
  below?: boolean;
}

/** A small grid of common emoji; arrows move, Enter picks, Escape closes. */
export function EmojiPicker({ label, onPick, onClose, below }: Props) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const onDown = (e: PointerEvent) => {
      // Inside the picker, or on the button that opened it (that one toggles it): not outside.
      const toolbar = ref.current?.parentElement;
      const opener = toolbar?.querySelector('[aria-haspopup="dialog"]');
      if (ref.current && !ref.current.contains(e.target as Node) && !opener?.contains(e.target as Node)) onClose();
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [onClose]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => {
      e.preventDefault();
      e.stopPropagation(); // not the toolbar's arrows too
      buttons[(to + buttons.length) % buttons.length]?.focus();
    };
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === 'ArrowRight') move(i + 1);
    else if (e.key === 'ArrowLeft') move(i - 1);
    else if (e.key === 'ArrowDown') move(i + COLUMNS);
    else if (e.key === 'ArrowUp') move(i - COLUMNS);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(buttons.length - 1);
  }

  return (
    <div
      ref={ref}
      className={`emoji-picker${below ? ' emoji-picker--below' : ''}`}
      role="dialog"
      aria-label={`Add a reaction to ${label}`}
      onKeyDown={onKeyDown}
    >
      <div className="emoji-grid" role="group" aria-label="Emoji">
        {QUICK_EMOJI.map(({ emoji, name }) => (
          <button
            key={emoji}
            type="button"
            className="emoji-btn"
            aria-label={`React with ${emoji} ${name}`}
            title={name}
            onClick={() => onPick(emoji)}
          >
            {emoji}
          </button>
        ))}
      </div>
    </div>
  );
}
