/** The API's shapes (docs/contracts.md), as the web app reads them. */
export type ClipStatus = 'queued' | 'processing' | 'done' | 'failed';

export interface Clip {
  id: string;
  status: ClipStatus;
  name: string;
  format?: string;
  size?: number;
  study_id?: string | null;
  error?: { code: string; message: string } | null;
  result?: { view: string; confidence: number; quality_mean: number; quality_std: number; model: string } | null;
  created_at: string;
  updated_at?: string;
}

export interface FrameResult {
  index: number;
  view: string;
  confidence: number;
  quality: number;
}

export interface ResultDocument {
  input: { key: string; sha256: string; format: string; frames: number; height: number; width: number; fps: number | null };
  model: { name: string; version: string; sha256: string };
  prediction: { view: string; confidence: number; probabilities: Record<string, number>; quality_mean: number; quality_std: number };
  frames: FrameResult[];
  timings_ms: Record<string, number>;
}

export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface FramesIndex {
  frames: number;
  fps: number;
  fps_known: boolean;
  width: number;
  height: number;
  source_width: number;
  source_height: number;
  format: string;
  regions: Region[];
  offsets: number[];
}
