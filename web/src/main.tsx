import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, getToken, setToken } from './api.ts';
import { AuthCallback } from './components/auth-callback.tsx';
import { ClipList } from './components/clip-list.tsx';
import { SignIn } from './components/sign-in.tsx';
import { Study } from './components/study.tsx';
import { UploadPanel } from './components/upload-panel.tsx';
import { Viewer } from './components/viewer.tsx';
import { connectLive } from './events.ts';
import { CALLBACK_PATH, setSsoSession, ssoSession } from './oidc.ts';
import { link, useRoute } from './router.ts';
import type { Clip } from './types.ts';
import './styles.css';

performance.mark('echo:app-start');

/** Keeps the newer of two versions of a clip (list answers and live events may arrive in any order). */
function merge(map: Map<string, Clip>, clip: Clip): void {
  const old = map.get(clip.id);
  if (!old || (clip.updated_at ?? '') >= (old.updated_at ?? '')) map.set(clip.id, clip);
}

function App() {
  const [token, setTok] = useState(getToken());
  const [callback, setCallback] = useState(() => {
    if (location.pathname !== CALLBACK_PATH) return false;
    if (!getToken()) return true;
    history.replaceState(null, '', '/'); // already signed in (a stale /auth/callback in the history): nothing to finish
    return false;
  });
  const [notice, setNotice] = useState<string | null>(null);
  const sso = token ? ssoSession() : null;
  const [clips, setClips] = useState<Map<string, Clip>>(new Map());
  const [live, setLive] = useState<'connecting' | 'live' | 'offline'>('connecting');
  // Status changes pushed by the server, read out by screen readers (a polite live region).
  const [announcement, setAnnouncement] = useState('');
  const route = useRoute();

  const upsert = useCallback((list: Clip[]) => {
    setClips((m) => {
      const next = new Map(m);
      for (const c of list) merge(next, c);
      return next;
    });
  }, []);

  const signOut = useCallback((why: string | null) => {
    setToken(null);
    setSsoSession(null);
    setTok(null);
    setNotice(why);
  }, []);

  useEffect(() => {
    // A 401: the token expired or was revoked. Back to the sign-in page, saying why.
    // (A token being checked on the sign-in or callback page is not stored yet: those pages say what went wrong.)
    const out = () => {
      if (getToken()) signOut(ssoSession() ? 'Your single sign-on session has expired: sign in again.' : 'The API token is no longer valid: sign in again.');
    };
    window.addEventListener('echo:unauthorized', out);
    return () => window.removeEventListener('echo:unauthorized', out);
  }, [signOut]);

  useEffect(() => {
    // An SSO token is not renewed: sign out when it expires rather than fail the next request.
    if (!sso) return;
    const timer = setTimeout(() => signOut('Your single sign-on session has expired: sign in again.'), Math.max(0, sso.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [sso?.expiresAt, signOut]);

  useEffect(() => {
    if (!token) return;
    return connectLive({
      onReady: () => void api.listClips().then(upsert, () => {}),
      onClip: (c) => {
        upsert([c]);
        // Uploads sent straight to the object store wait for their clip to appear (upload.ts).
        window.dispatchEvent(new CustomEvent('echo:clip', { detail: c }));
        if (c.status === 'done' || c.status === 'failed') setAnnouncement(`${c.name}: ${c.status}${c.result ? `, ${c.result.view}` : ''}`);
      },
      onState: setLive,
    });
  }, [token, upsert]);

  if (!token && callback) {
    const leave = (path: string) => {
      history.replaceState(null, '', path);
      window.dispatchEvent(new PopStateEvent('popstate'));
      setCallback(false);
    };
    return (
      <AuthCallback
        onSignedIn={(s) => {
          setToken(s.token);
          setSsoSession({ name: s.name, expiresAt: s.expiresAt });
          leave(s.returnTo);
          setNotice(null);
          setTok(s.token);
        }}
        onCancel={() => leave('/')}
      />
    );
  }

  if (!token) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(t) => {
          setToken(t);
          setNotice(null);
          setTok(t);
        }}
      />
    );
  }

  const list = [...clips.values()];
  return (
    <>
      <header class="topbar">
        <a class="brand" {...link('/')}>
          EchoCloud
        </a>
        <span class={`live ${live}`} role="status" data-testid="live-state">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline, reconnecting'}
        </span>
        {sso && (
          <span class="who" data-testid="signed-in-as">
            {sso.name}
          </span>
        )}
        <button type="button" class="secondary" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      <p class="visually-hidden" aria-live="polite" data-testid="announcer">
        {announcement}
      </p>
      {route.page === 'viewer' ? (
        <Viewer key={route.id} id={route.id} clip={clips.get(route.id)} />
      ) : route.page === 'study' ? (
        <Study id={route.id} clips={list} />
      ) : (
        <main class="home">
          <h1 class="visually-hidden">Clips and uploads</h1>
          <UploadPanel onUploaded={upsert} />
          <ClipList clips={list} onChanged={(c) => upsert([c])} />
        </main>
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
