import { useRef, useState } from 'preact/hooks';
import { ACCEPT, checkFile } from '../sniff.ts';
import type { Clip } from '../types.ts';
import { uploadFile } from '../upload.ts';

interface Item {
  key: number;
  name: string;
  size: number;
  state: 'checking' | 'refused' | 'waiting' | 'sending' | 'sent' | 'failed';
  progress: number;
  message: string;
}

/** How many files are sent at once (the rest wait their turn). */
const PARALLEL = 3;
let nextKey = 1;

export function UploadPanel(props: { onUploaded: (clips: Clip[]) => void }) {
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const queue = useRef<{ file: File; key: number }[]>([]);
  const active = useRef(0);

  const update = (key: number, patch: Partial<Item>) => setItems((list) => list.map((it) => (it.key === key ? { ...it, ...patch } : it)));

  function pump() {
    while (active.current < PARALLEL && queue.current.length > 0) {
      const { file, key } = queue.current.shift()!;
      active.current++;
      update(key, { state: 'sending', message: 'Sending…' });
      uploadFile(
        file,
        (f) => update(key, { progress: f }),
        (note) => update(key, { message: note }),
      )
        .then((out) => {
          const refused = out.rejected.length ? `; ${out.rejected.length} entr${out.rejected.length === 1 ? 'y' : 'ies'} refused: ${out.rejected.map((r) => `${r.name} (${r.error.message})`).join(', ')}` : '';
          update(key, { state: 'sent', progress: 1, message: `Queued as ${out.clips.length} clip${out.clips.length === 1 ? '' : 's'}${refused}` });
          props.onUploaded(out.clips);
        })
        .catch((err: Error) => update(key, { state: 'failed', message: err.message }))
        .finally(() => {
          active.current--;
          pump();
        });
    }
  }

  async function add(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const key = nextKey++;
      setItems((list) => [{ key, name: file.name, size: file.size, state: 'checking', progress: 0, message: 'Checking…' }, ...list]);
      const reason = await checkFile(file);
      if (reason) {
        update(key, { state: 'refused', message: `Refused: ${reason}` });
        continue;
      }
      update(key, { state: 'waiting', message: 'Waiting…' });
      queue.current.push({ file, key });
    }
    pump();
  }

  return (
    <section class="upload" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target; keyboard users have the "Choose files" button inside */}
      <div
        class={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer?.files.length) void add(e.dataTransfer.files);
        }}
      >
        <p>Drop cines here (MAT, DICOM, zip of DICOM, AVI, MP4, MKV/WebM) or</p>
        <button type="button" onClick={() => input.current?.click()}>
          Choose files…
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={ACCEPT}
          hidden
          aria-label="Files to upload"
          data-testid="file-input"
          onChange={(e) => {
            const el = e.target as HTMLInputElement;
            if (el.files) void add(el.files);
            el.value = '';
          }}
        />
      </div>
      {items.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {items.map((it) => (
            <li key={it.key} class={`upload-item ${it.state}`} data-testid="upload-item" data-state={it.state}>
              <span class="name">{it.name}</span>
              <progress max={1} value={it.progress} aria-label={`Upload of ${it.name}`} />
              <span class="message" role={it.state === 'refused' || it.state === 'failed' ? 'alert' : undefined}>
                {it.message}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
