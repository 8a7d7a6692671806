import type { FrameResult } from '../types.ts';
import { viewColor } from '../view-colors.ts';

/**
 * The per-frame results along the cine: the predicted view of each sampled frame as a coloured band,
 * its confidence (solid) and quality (dashed) as lines, and the playhead. Clicking seeks.
 */
export function Timeline(props: { frames: FrameResult[]; count: number; current: number; onSeek: (frame: number) => void }) {
  const n = Math.max(1, props.count);
  const sorted = [...props.frames].sort((a, b) => a.index - b.index);
  const x = (i: number) => (i / n) * 1000;
  const y = (v: number) => 90 - Math.max(0, Math.min(1, v)) * 75;
  const line = (pick: (f: FrameResult) => number) => sorted.map((f, k) => `${k === 0 ? 'M' : 'L'}${x(f.index + 0.5).toFixed(1)},${y(pick(f)).toFixed(1)}`).join(' ');
  const summary = sorted.length ? `${sorted.length} sampled frames; views ${[...new Set(sorted.map((f) => f.view))].join(', ')}` : 'no per-frame results';
  return (
    <figure class="timeline">
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: clicking is a shortcut; the Frame slider is the keyboard control */}
      <svg
        viewBox="0 0 1000 100"
        preserveAspectRatio="none"
        role="img"
        aria-label={`Per-frame timeline: ${summary}`}
        data-testid="timeline"
        onClick={(e) => {
          const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          props.onSeek(Math.min(n - 1, Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * n))));
        }}
      >
        <rect x="0" y="0" width="1000" height="100" class="bg" />
        {sorted.map((f, k) => {
          const end = sorted[k + 1]?.index ?? n;
          return <rect key={f.index} x={x(f.index)} y="0" width={Math.max(1, x(end) - x(f.index))} height="10" fill={viewColor(f.view)} />;
        })}
        <path d={line((f) => f.confidence)} class="confidence" vector-effect="non-scaling-stroke" />
        <path d={line((f) => f.quality)} class="quality" vector-effect="non-scaling-stroke" />
        <line x1={x(props.current + 0.5)} x2={x(props.current + 0.5)} y1="0" y2="100" class="playhead" vector-effect="non-scaling-stroke" />
      </svg>
      <figcaption>
        <span class="key confidence">confidence</span> <span class="key quality">quality</span> <span class="key band">view per sampled frame</span>
      </figcaption>
    </figure>
  );
}
