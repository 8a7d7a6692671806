import { num, pct } from '../format.ts';
import { link } from '../router.ts';
import type { Clip } from '../types.ts';
import { viewColor } from '../view-colors.ts';

/** Which views a study's clips show, and for each view its best-quality clip. */
export function Study(props: { id: string; clips: Clip[] }) {
  const clips = props.clips.filter((c) => c.study_id === props.id);
  const byView = new Map<string, Clip[]>();
  for (const c of clips) {
    if (c.status !== 'done' || !c.result) continue;
    byView.set(c.result.view, [...(byView.get(c.result.view) ?? []), c]);
  }
  const views = [...byView.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const pending = clips.filter((c) => c.status === 'queued' || c.status === 'processing').length;
  const failed = clips.filter((c) => c.status === 'failed');
  return (
    <main class="study" aria-labelledby="study-title">
      <nav aria-label="Breadcrumb">
        <a {...link('/')}>← Clips</a>
      </nav>
      <h1 id="study-title">Study {props.id}</h1>
      <p class="meta">
        {clips.length} clips · {views.length} views found{pending ? ` · ${pending} still processing` : ''}
        {failed.length ? ` · ${failed.length} failed` : ''}
      </p>
      <table>
        <caption>Best-quality clip per view</caption>
        <thead>
          <tr>
            <th scope="col">View</th>
            <th scope="col">Clips</th>
            <th scope="col">Best clip</th>
            <th scope="col">Quality</th>
            <th scope="col">Confidence</th>
          </tr>
        </thead>
        <tbody>
          {views.map(([view, list]) => {
            const best = list.reduce((a, b) => ((b.result!.quality_mean > a.result!.quality_mean) ? b : a));
            return (
              <tr key={view} data-testid="study-view">
                <th scope="row">
                  <span class="swatch" style={{ background: viewColor(view) }} aria-hidden="true" /> {view}
                </th>
                <td>{list.length}</td>
                <td>
                  <a {...link(`/clips/${best.id}`)}>{best.name}</a>
                </td>
                <td>{num(best.result!.quality_mean)}</td>
                <td>{pct(best.result!.confidence)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {failed.length > 0 && (
        <ul aria-label="Failed clips">
          {failed.map((c) => (
            <li key={c.id}>
              <a {...link(`/clips/${c.id}`)}>{c.name}</a>: <span class="error">{c.error?.message ?? 'failed'}</span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
