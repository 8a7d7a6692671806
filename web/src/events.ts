/**
 * Live clip status from `GET /v1/events` (server-sent events), read with fetch() so that the token
 * travels in the Authorization header, never in a URL. Reconnects with a growing delay when the stream
 * drops; the server pushes, the browser never polls.
 */
import { authHeaders } from './api.ts';
import type { Clip } from './types.ts';

export interface LiveHandlers {
  /** The stream is live: load the list now and no change after it is missed. */
  onReady(): void;
  onClip(clip: Clip): void;
  onState(state: 'connecting' | 'live' | 'offline'): void;
}

/** Parses one SSE block (`event:`/`data:` lines); comments and unknown fields are ignored. */
export function parseBlock(block: string): { event: string; data: string } | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { event, data: data.join('\n') } : null;
}

export function connectLive(handlers: LiveHandlers): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let delay = 500;

  async function run(): Promise<void> {
    while (!stopped) {
      handlers.onState('connecting');
      controller = new AbortController();
      try {
        const res = await fetch('/v1/events', { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal: controller.signal });
        if (res.status === 401) {
          window.dispatchEvent(new CustomEvent('echo:unauthorized'));
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const msg = parseBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            if (!msg) continue;
            if (msg.event === 'ready') {
              delay = 500;
              handlers.onState('live');
              handlers.onReady();
            } else if (msg.event === 'clip') handlers.onClip(JSON.parse(msg.data) as Clip);
          }
        }
      } catch {
        // dropped or refused: reconnect below
      }
      if (stopped) return;
      handlers.onState('offline');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
