import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { num, pct, stem, uncertainty } from '../format.ts';
import { type FrameSource, loadFrames } from '../frames.ts';
import { link } from '../router.ts';
import type { Clip, FrameResult, ResultDocument } from '../types.ts';
import { Timeline } from './timeline.tsx';

const SPEEDS = [0.25, 0.5, 1, 2, 4];

/** The per-frame result in force at frame `i`: the last sampled frame at or before it. */
function frameResultAt(frames: FrameResult[], i: number): FrameResult | null {
  let best: FrameResult | null = null;
  for (const f of frames) if (f.index <= i && (!best || f.index > best.index)) best = f;
  return best ?? frames[0] ?? null;
}

export function Viewer(props: { id: string; clip: Clip | undefined }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [source, setSource] = useState<FrameSource | null>(null);
  const [fetched, setFetched] = useState<Clip | null>(null);
  const clip = props.clip ?? fetched;
  const [result, setResult] = useState<ResultDocument | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [frame, setFrame] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [loop, setLoop] = useState(true);
  const frameRef = useRef(0);
  const loopRef = useRef(loop);
  loopRef.current = loop;
  const drawn = useRef(false);

  // The clip: from the live list when there, else fetched once.
  useEffect(() => {
    if (!props.clip) api.clip(props.id).then(setFetched, (e: Error) => setError(e.message));
  }, [props.id, props.clip]);

  useEffect(() => {
    let s: FrameSource | null = null;
    let cancelled = false;
    drawn.current = false;
    loadFrames(props.id).then(
      (src) => {
        if (cancelled) return src.close();
        s = src;
        setSource(src);
      },
      (e: Error) => setError(`Frames: ${e.message}`),
    );
    return () => {
      cancelled = true;
      s?.close();
    };
  }, [props.id]);

  const status = clip?.status;
  useEffect(() => {
    if (status === 'done') api.result(props.id).then(setResult, (e: Error) => setError(`Result: ${e.message}`));
  }, [props.id, status]);

  const draw = useCallback(
    async (i: number) => {
      if (!source || !canvas.current) return;
      const bmp = source.peek(i) ?? (await source.get(i));
      if (frameRef.current !== i || !canvas.current) return;
      canvas.current.getContext('2d')!.drawImage(bmp, 0, 0);
      if (!drawn.current) {
        drawn.current = true;
        performance.mark('echo:first-frame');
        canvas.current.dataset['firstFrame'] = String(Math.round(performance.now()));
      }
      // Decode the next frames now so that playback does not wait for them.
      source.prefetch(i, loopRef.current);
    },
    [source],
  );

  useEffect(() => {
    frameRef.current = frame;
    void draw(frame);
  }, [frame, draw]);

  // Playback at the cine's own frame rate × speed, on animation frames.
  useEffect(() => {
    if (!playing || !source) return;
    const n = source.index.frames;
    const fps = source.index.fps * speed;
    const t0 = performance.now();
    const f0 = frameRef.current >= n - 1 && !loop ? 0 : frameRef.current;
    let raf = 0;
    const tick = (now: number) => {
      let f = f0 + Math.floor(((now - t0) / 1000) * fps);
      if (f >= n) {
        if (loop) f %= n;
        else {
          setFrame(n - 1);
          setPlaying(false);
          return;
        }
      }
      if (f !== frameRef.current) setFrame(f);
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, source, speed, loop]);

  const n = source?.index.frames ?? 0;
  const step = (d: number) => {
    setPlaying(false);
    setFrame((f) => Math.max(0, Math.min(n - 1, f + d)));
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.closest('input, select, textarea') && !(t as HTMLInputElement).type?.includes('range')) return;
      if (e.key === ' ' || e.key === 'k') {
        e.preventDefault();
        setPlaying((p) => !p);
      } else if (e.key === 'ArrowRight' || e.key === '.') {
        e.preventDefault();
        step(1);
      } else if (e.key === 'ArrowLeft' || e.key === ',') {
        e.preventDefault();
        step(-1);
      } else if (e.key === 'Home') setFrame(0);
      else if (e.key === 'End') setFrame(Math.max(0, n - 1));
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const p = result?.prediction;
  const here = result ? frameResultAt(result.frames, frame) : null;
  const index = source?.index;
  // A region outside the frame is a header that does not describe these pixels: not drawn.
  const regions = index?.regions.filter((r) => r.x1 > r.x0 && r.y1 > r.y0 && r.x0 >= 0 && r.y0 >= 0 && r.x1 < index.source_width && r.y1 < index.source_height) ?? [];

  return (
    <main class="viewer" aria-labelledby="viewer-title">
      <nav aria-label="Breadcrumb">
        <a {...link('/')}>← Clips</a>
        {clip?.study_id && (
          <>
            {' · '}
            <a {...link(`/studies/${clip.study_id}`)}>Study</a>
          </>
        )}
      </nav>
      <h1 id="viewer-title">{clip?.name ?? props.id}</h1>
      <p class="meta">
        <span class={`status ${status ?? ''}`} data-testid="viewer-status">
          {status ?? '…'}
        </span>
        {index && ` · ${index.frames} frames · ${num(index.fps, 1)} fps${index.fps_known ? '' : ' (not stated by the file; assumed)'} · ${index.source_width}×${index.source_height} · ${index.format}`}
        {clip?.status === 'failed' && clip.error && <span class="error"> · {`${clip.error.code}: ${clip.error.message}`}</span>}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="viewer-grid">
        <div class="stage" style={index ? { aspectRatio: `${index.width} / ${index.height}`, width: `min(100%, calc(52vh * ${index.width / index.height}))` } : undefined}>
          <canvas ref={canvas} width={index?.width ?? 1} height={index?.height ?? 1} data-testid="viewer-canvas" aria-label={`Frame ${frame + 1} of ${n}`} role="img" />
          {index && regions.length > 0 && (
            <svg class="sector" viewBox={`0 0 ${index.source_width} ${index.source_height}`} preserveAspectRatio="none" aria-label="Ultrasound region" role="img">
              {regions.map((r, k) => (
                <rect key={k} x={r.x0} y={r.y0} width={r.x1 - r.x0 + 1} height={r.y1 - r.y0 + 1} />
              ))}
            </svg>
          )}
          {p && (
            <div class="overlay" data-testid="overlay" aria-live="off">
              <div>
                <b data-testid="overlay-view">{p.view}</b> <span data-testid="overlay-confidence">{pct(p.confidence)}</span>
              </div>
              <div>uncertainty {num(uncertainty(p.probabilities))}</div>
              <div>
                quality {num(p.quality_mean)} ± {num(p.quality_std)}
              </div>
              {here && (
                <div class="frame-result" data-testid="overlay-frame">
                  frame: {here.view} {pct(here.confidence)} · q {num(here.quality)}
                </div>
              )}
            </div>
          )}
        </div>
        {p && (
          <aside class="probabilities" aria-label="View probabilities">
            <h2>Views</h2>
            <ol>
              {Object.entries(p.probabilities)
                .sort((a, b) => b[1] - a[1])
                .map(([v, pr]) => (
                  <li key={v}>
                    <span class="label">{v}</span>
                    <meter min={0} max={1} value={pr} aria-label={`${v} probability`} />
                    <span class="value">{pct(pr)}</span>
                  </li>
                ))}
            </ol>
          </aside>
        )}
      <fieldset class="controls">
        <legend class="visually-hidden">Playback</legend>
        <button type="button" onClick={() => setPlaying((x) => !x)} disabled={!n} aria-pressed={playing} data-testid="play">
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => step(-1)} disabled={!n} aria-label="Previous frame">
          ◀︎ Step
        </button>
        <button type="button" onClick={() => step(1)} disabled={!n} aria-label="Next frame">
          Step ▶︎
        </button>
        <label>
          Speed
          <select value={String(speed)} onChange={(e) => setSpeed(Number((e.target as HTMLSelectElement).value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={String(s)}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={loop} onChange={(e) => setLoop((e.target as HTMLInputElement).checked)} /> Loop
        </label>
        <input
          type="range"
          class="scrub"
          min={0}
          max={Math.max(0, n - 1)}
          value={frame}
          aria-label="Frame"
          aria-valuetext={`Frame ${frame + 1} of ${n}`}
          onInput={(e) => {
            setPlaying(false);
            setFrame(Number((e.target as HTMLInputElement).value));
          }}
          disabled={!n}
        />
        <output data-testid="frame-index" data-frame={frame}>
          {n ? `${frame + 1} / ${n}` : '—'}
        </output>
      </fieldset>
      {result && <Timeline frames={result.frames} count={n || result.input.frames} current={frame} onSeek={(f) => {
            setPlaying(false);
            setFrame(f);
          }} />}
      {status === 'done' && clip && (
        <fieldset class="downloads">
          <legend class="visually-hidden">Downloads</legend>
          <button type="button" onClick={() => void api.download(props.id, 'json', `${stem(clip.name)}.json`)} data-testid="download-json">
            Download result JSON
          </button>
          <button type="button" onClick={() => void api.download(props.id, 'csv', `${stem(clip.name)}.csv`)} data-testid="download-csv">
            Download CSV
          </button>
          <button type="button" onClick={() => void api.downloadInput(props.id, clip.name)} data-testid="download-input">
            Download original
          </button>
        </fieldset>
      )}
      </div>
      <p class="hint">Keys: Space play/pause · ← → step · Home/End first/last frame.</p>
    </main>
  );
}
