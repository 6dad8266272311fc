// A tiny History-API router: the app has four screens, which does not justify
// a routing library. local-dev and CloudFront answer every path with index.html.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const NAV_EVENT = 'app:navigate';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAV_EVENT, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAV_EVENT, listener);
  };
}

const getPath = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === getPath()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAV_EVENT));
}

/** The current path plus query string, re-rendering on navigation. */
export function useLocationPath(): string {
  return useSyncExternalStore(subscribe, getPath, () => '/');
}

export type Route =
  | { name: 'login'; next: string | null }
  | { name: 'register'; next: string | null }
  | { name: 'rooms' }
  | { name: 'room'; roomId: number }
  | { name: 'unknown' };

export function matchRoute(pathWithQuery: string): Route {
  const [path = '/', query = ''] = pathWithQuery.split('?');
  const params = new URLSearchParams(query);
  const next = params.get('next');
  const safeNext = next && next.startsWith('/') && !next.startsWith('//') ? next : null;
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/login') return { name: 'login', next: safeNext };
  if (clean === '/register') return { name: 'register', next: safeNext };
  if (clean === '/' || clean === '/rooms') return { name: 'rooms' };
  const m = /^\/rooms\/(\d+)$/.exec(clean);
  if (m) {
    const roomId = Number(m[1]);
    if (Number.isSafeInteger(roomId) && roomId > 0) return { name: 'room', roomId };
  }
  return { name: 'unknown' };
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; replace?: boolean };

export function Link({ to, replace, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to, { replace });
  };
  return <a href={to} onClick={handle} {...rest} />;
}
