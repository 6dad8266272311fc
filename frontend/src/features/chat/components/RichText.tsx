// The Markdown renderer is the largest part of the app; it loads in its own
// chunk right after start-up (not on the way to the first paint). Until it is
// there, a message shows its text as plain text, exactly as typed.
import { lazy, Suspense } from 'react';
import type { UserSummary } from '../../../types/api';

const load = () => import('./MessageText');
const LazyMessageText = lazy(() => load().then((m) => ({ default: m.MessageText })));

/** Start fetching the renderer now (the room view calls it when it mounts). */
export function preloadRichText(): void {
  void load();
}

interface Props {
  content: string;
  mentions: readonly UserSummary[];
  selfId: number;
}

export function RichText(props: Props) {
  return (
    <Suspense fallback={<p>{props.content}</p>}>
      <LazyMessageText {...props} />
    </Suspense>
  );
}
