import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, getToken, setToken } from './api.ts';
import { ClipList } from './components/clip-list.tsx';
import { SignIn } from './components/sign-in.tsx';
import { Study } from './components/study.tsx';
import { UploadPanel } from './components/upload-panel.tsx';
import { Viewer } from './components/viewer.tsx';
import { connectLive } from './events.ts';
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

  useEffect(() => {
    const out = () => {
      setToken(null);
      setTok(null);
    };
    window.addEventListener('echo:unauthorized', out);
    return () => window.removeEventListener('echo:unauthorized', out);
  }, []);

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

  if (!token) {
    return (
      <SignIn
        onSignedIn={(t) => {
          setToken(t);
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
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setToken(null);
            setTok(null);
          }}
        >
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
