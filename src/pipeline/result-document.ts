import { stem } from '../ingest/file-names.ts';
import type { ClipAggregate, FramePrediction } from '../models/aggregate.ts';

/** The model's answer for one clip (built by src/models/predict.ts). */
export type ClipPrediction = ClipAggregate;

/** The result document of docs/contracts.md (per clip, per model). Field names are a public contract. */
export interface ResultDocument {
  input: { key: string; sha256: string; format: string; frames: number; height: number; width: number; fps: number | null };
  model: { name: string; version: string; sha256: string };
  prediction: Omit<ClipAggregate, 'frames'>;
  frames: FramePrediction[];
  timings_ms: { queued: number; read: number; inference: number; total: number };
}

/** Assembles the result document, rounding numbers to 6 decimals so documents are stable byte for byte. */
export function buildResultDocument(args: {
  input: { key: string; sha256: string };
  cine: { format: string; frames: number; height: number; width: number; fps: number | null };
  model: { name: string; version: string; weightsSha256: string };
  prediction: ClipPrediction;
  timings: ResultDocument['timings_ms'];
}): ResultDocument {
  const { cine, prediction: p } = args;
  return {
    input: { key: args.input.key, sha256: args.input.sha256, format: cine.format, frames: cine.frames, height: cine.height, width: cine.width, fps: cine.fps },
    model: { name: args.model.name, version: args.model.version, sha256: args.model.weightsSha256 },
    prediction: {
      view: p.view,
      confidence: round(p.confidence),
      probabilities: Object.fromEntries(Object.entries(p.probabilities).map(([k, v]) => [k, round(v)])),
      quality_mean: round(p.quality_mean),
      quality_std: round(p.quality_std),
    },
    frames: p.frames.map((f) => ({ index: f.index, view: f.view, confidence: round(f.confidence), quality: round(f.quality) })),
    timings_ms: args.timings,
  };
}

/**
 * Where a clip's result lives: `outputs/<input key below inputs/, without extension>.{json,csv}`; the
 * result of a further model on the clip (shadow rule, backfill) at `...<stem>.<name>@<version>.{json,csv}`.
 */
export function outputKeys(inputKey: string, model?: { name: string; version: string }): { json: string; csv: string } {
  const rest = inputKey.replace(/^inputs\//, '');
  const slash = rest.lastIndexOf('/');
  const dir = slash >= 0 ? rest.slice(0, slash + 1) : '';
  const base = `${stem(rest.slice(slash + 1))}${model ? `.${model.name}@${model.version}` : ''}`;
  return { json: `outputs/${dir}${base}.json`, csv: `outputs/${dir}${base}.csv` };
}

export const CSV_HEADER = 'filename,predicted view,predicted quality,prediction std';

/** The seed-compatible CSV: the original system's header and one row per clip. */
export function resultCsv(fileName: string, doc: Pick<ResultDocument, 'prediction'>): string {
  const p = doc.prediction;
  return `${CSV_HEADER}\n${csvField(fileName)},${csvField(p.view)},${round(p.quality_mean)},${round(p.quality_std)}\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Six decimals: plenty for probabilities, and stable across platforms. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
