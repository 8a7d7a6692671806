/** A tiny history router: `/` (clips), `/clips/:id` (viewer), `/studies/:id` (study). */
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'clips' } | { page: 'viewer'; id: string } | { page: 'study'; id: string };

export function parseRoute(path: string): Route {
  const m = /^\/(clips|studies)\/([^/]+)\/?$/.exec(path);
  if (m?.[1] === 'clips') return { page: 'viewer', id: decodeURIComponent(m[2]!) };
  if (m?.[1] === 'studies') return { page: 'study', id: decodeURIComponent(m[2]!) };
  return { page: 'clips' };
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

/** Props for an <a> that navigates without reloading (ctrl/middle-click still open a tab). */
export function link(path: string) {
  return {
    href: path,
    onClick: (e: MouseEvent) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
      e.preventDefault();
      navigate(path);
    },
  };
}
