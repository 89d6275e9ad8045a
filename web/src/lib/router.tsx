// A small router over the History API: the URL is the state of every screen (filters, the
// open alert, the query), so a link copied from the address bar opens the same view.
import { useCallback, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();

function subscribe(fn: () => void) {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

function snapshot() {
  return window.location.pathname + window.location.search;
}

/** navigate changes the URL; replace keeps the history entry (filters typed as you go). */
export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  listeners.forEach((fn) => fn());
  if (!opts.replace) window.scrollTo?.(0, 0);
}

export interface Location {
  path: string;
  search: URLSearchParams;
  href: string;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const i = href.indexOf('?');
  const path = i < 0 ? href : href.slice(0, i);
  return { path, search: new URLSearchParams(i < 0 ? '' : href.slice(i + 1)), href };
}

/** match returns the parameters of pattern ("/alerts/:id") in path, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      try {
        params[ps[i].slice(1)] = decodeURIComponent(xs[i]);
      } catch {
        return null;
      }
    } else if (ps[i] !== xs[i]) return null;
  }
  return params;
}

/** withParams returns path with the given query parameters set (empty values removed). */
export function withParams(path: string, current: URLSearchParams, set: Record<string, string | string[] | null | undefined>): string {
  const next = new URLSearchParams(current);
  for (const [k, v] of Object.entries(set)) {
    next.delete(k);
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => x !== '' && next.append(k, x));
    else next.set(k, v);
  }
  const q = next.toString();
  return q ? `${path}?${q}` : path;
}

/** useParams reads and writes query parameters of the current URL. */
export function useSearchParams(): [URLSearchParams, (set: Record<string, string | string[] | null | undefined>, opts?: { replace?: boolean }) => void] {
  const loc = useLocation();
  const update = useCallback(
    (set: Record<string, string | string[] | null | undefined>, opts: { replace?: boolean } = { replace: true }) => {
      const cur = new URLSearchParams(window.location.search);
      navigate(withParams(window.location.pathname, cur, set), opts);
    },
    [],
  );
  return [loc.search, update];
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** Link is an <a> that navigates without reloading (and still opens in a new tab with a modifier). */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
