import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { pct, num } from '../format.ts';
import { link } from '../router.ts';
import type { Clip, ClipStatus } from '../types.ts';

type SortKey = 'created_at' | 'name' | 'status' | 'view' | 'confidence' | 'quality';
const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'view', label: 'View' },
  { key: 'confidence', label: 'Confidence' },
  { key: 'quality', label: 'Quality' },
  { key: 'created_at', label: 'Uploaded' },
];

function sortValue(c: Clip, key: SortKey): string | number {
  switch (key) {
    case 'view':
      return c.result?.view ?? '';
    case 'confidence':
      return c.result?.confidence ?? -1;
    case 'quality':
      return c.result?.quality_mean ?? -1;
    default:
      return c[key] ?? '';
  }
}

export function ClipList(props: { clips: Clip[]; onChanged: (clip: Clip) => void }) {
  const [status, setStatus] = useState<'' | ClipStatus>('');
  const [view, setView] = useState('');
  const [model, setModel] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'created_at', dir: -1 });
  const [retryError, setRetryError] = useState<Record<string, string>>({});

  const views = useMemo(() => distinct(props.clips, (c) => c.result?.view), [props.clips]);
  const models = useMemo(() => distinct(props.clips, (c) => c.result?.model), [props.clips]);

  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    const fromMs = from ? Date.parse(`${from}T00:00:00`) : -Infinity;
    const toMs = to ? Date.parse(`${to}T23:59:59.999`) : Infinity;
    return props.clips
      .filter((c) => (!status || c.status === status) && (!view || c.result?.view === view) && (!model || c.result?.model === model))
      .filter((c) => !q || c.name.toLowerCase().includes(q))
      .filter((c) => {
        const t = Date.parse(c.created_at);
        return t >= fromMs && t <= toMs;
      })
      .sort((a, b) => {
        const x = sortValue(a, sort.key);
        const y = sortValue(b, sort.key);
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
      });
  }, [props.clips, status, view, model, from, to, search, sort]);

  async function retry(c: Clip) {
    try {
      props.onChanged(await api.retry(c.id));
    } catch (err) {
      setRetryError((m) => ({ ...m, [c.id]: (err as Error).message }));
    }
  }

  return (
    <section class="clips" aria-labelledby="clips-title">
      <h2 id="clips-title">Clips</h2>
      <fieldset class="filters">
        <legend class="visually-hidden">Filters</legend>
        <label>
          Search
          <input type="search" value={search} placeholder="file name" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} data-testid="search" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as ClipStatus | '')} data-testid="filter-status">
            <option value="">any</option>
            <option value="queued">queued</option>
            <option value="processing">processing</option>
            <option value="done">done</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <AnyOf label="View" value={view} options={views} onChange={setView} />
        <AnyOf label="Model" value={model} options={models} onChange={setModel} />
        <label>
          From
          <input type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          To
          <input type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
      </fieldset>
      <p class="count" aria-live="polite">
        {shown.length} of {props.clips.length} clips
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              {COLUMNS.map((col) => (
                <th key={col.key} scope="col" aria-sort={sort.key === col.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" class="sort" onClick={() => setSort((s) => ({ key: col.key, dir: s.key === col.key ? (s.dir === 1 ? -1 : 1) : 1 }))}>
                    {col.label}
                    <span aria-hidden="true">{sort.key === col.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              ))}
              <th scope="col">Study</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.id} data-testid="clip-row" data-clip-id={c.id} data-name={c.name} data-status={c.status}>
                <td class="name">
                  <a {...link(`/clips/${c.id}`)}>{c.name}</a>
                </td>
                <td>
                  <span class={`status ${c.status}`} data-testid="clip-status">
                    {c.status}
                  </span>
                  {c.status === 'failed' && (
                    <div class="failure">
                      <span class="error">{c.error ? `${c.error.code}: ${c.error.message}` : 'failed'}</span>
                      <button type="button" onClick={() => void retry(c)} aria-label={`Retry ${c.name}`}>
                        Retry
                      </button>
                      {retryError[c.id] && <span role="alert">{retryError[c.id]}</span>}
                    </div>
                  )}
                </td>
                <td>{c.result?.view ?? '—'}</td>
                <td>{pct(c.result?.confidence)}</td>
                <td>{c.result ? `${num(c.result.quality_mean)} ± ${num(c.result.quality_std)}` : '—'}</td>
                <td>
                  <time dateTime={c.created_at}>{new Date(c.created_at).toLocaleString()}</time>
                </td>
                <td>{c.study_id ? <a {...link(`/studies/${c.study_id}`)}>study</a> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The distinct values `pick` finds among the clips, sorted. */
function distinct(clips: Clip[], pick: (clip: Clip) => string | undefined): string[] {
  return [...new Set(clips.map(pick).filter((v): v is string => Boolean(v)))].sort();
}

/** A filter select: "any" or one of `options`. */
function AnyOf(props: { label: string; value: string; options: string[]; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}
