/**
 * Catalog: the system of record for projects, studies, clips, jobs, results and API tokens.
 *
 * Contract
 * - Every row belongs to one project; every read that takes a `projectId` returns nothing for rows of
 *   another project (the API answers 404, so existence does not leak).
 * - `migrate` brings the schema to the newest version; migrations are versioned and run once.
 * - Status of a clip moves `queued → processing → done | failed`; `failed` may go back to `queued` on retry.
 *   Transitions are single statements or transactions: a reader never sees a clip `done` without its result.
 * - Results are unique on their idempotency key (input sha256, model name, model version, weights sha256):
 *   `putResult` of an existing key returns the row already stored and changes nothing, so a redelivered
 *   job never produces a second, different result.
 * - Timestamps are milliseconds since the epoch (UTC).
 * - Driver failures become ECHO_ERR_CATALOG_FAILED. The adapter owns its connection pool; `close` ends it.
 */
export interface Catalog {
  migrate(): Promise<void>;

  ensureProject(id: string, name: string): Promise<Project>;
  findOrCreateStudy(projectId: string, name: string): Promise<Study>;
  getStudy(projectId: string, id: string): Promise<Study | null>;

  createClip(clip: NewClip): Promise<Clip>;
  getClip(id: string, projectId?: string): Promise<Clip | null>;
  listClips(query: ClipQuery): Promise<Clip[]>;
  /** Deletes a clip row that never got a job (used to roll back a failed ingest). */
  deleteClip(id: string): Promise<void>;
  /** The clip stored at this input key (keys are unique), in any project: how an S3 event finds its clip. */
  findClipByInputKey(inputKey: string): Promise<Clip | null>;

  createJob(job: NewJob): Promise<Job>;
  getJob(id: string): Promise<Job | null>;
  /** Jobs of one clip, oldest first. */
  listJobs(clipId: string): Promise<Job[]>;
  /** Marks the job started (attempt count +1); the clip goes to `processing`. */
  startJob(id: string, at: number): Promise<Job>;
  /** Links the result and marks job and clip `done`, in one transaction. */
  finishJob(id: string, resultId: string, at: number): Promise<void>;
  /** Marks job and clip `failed` with a coded error, in one transaction. */
  failJob(id: string, error: CodedError, at: number): Promise<void>;
  /** Back to `queued` (retry after a failure, or a released job). */
  requeueJob(id: string, at: number): Promise<void>;

  findResult(key: ResultKey): Promise<Result | null>;
  putResult(result: NewResult): Promise<Result>;
  getResult(id: string): Promise<Result | null>;

  countClipsByStatus(): Promise<Record<ClipStatus, number>>;

  createToken(token: NewToken): Promise<void>;
  findTokenByHash(hash: string): Promise<Token | null>;
  countTokens(): Promise<number>;

  close(): Promise<void>;
}

export type ClipStatus = 'queued' | 'processing' | 'done' | 'failed';
export const CLIP_STATUSES: readonly ClipStatus[] = ['queued', 'processing', 'done', 'failed'];

export type IngestSource = 'http' | 'cli' | 'inbox' | 's3';

export interface CodedError {
  code: string;
  message: string;
}

export interface Project {
  id: string;
  name: string;
  createdAt: number;
}

export interface Study {
  id: string;
  projectId: string;
  name: string;
  createdAt: number;
}

export interface NewClip {
  id: string;
  projectId: string;
  studyId: string | null;
  name: string;
  inputKey: string;
  sha256: string;
  size: number;
  format: string;
  source: IngestSource;
  status: ClipStatus;
  createdAt: number;
}

export interface Clip extends NewClip {
  resultId: string | null;
  error: CodedError | null;
  updatedAt: number;
}

export interface ClipQuery {
  projectId: string;
  status?: ClipStatus;
  studyId?: string;
  limit: number;
  /** Clips created strictly before this (ms), for paging newest first. */
  before?: number;
}

export interface NewJob {
  id: string;
  clipId: string;
  modelName: string;
  modelVersion: string;
  createdAt: number;
}

export interface Job extends NewJob {
  status: ClipStatus;
  attempts: number;
  resultId: string | null;
  error: CodedError | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface ResultKey {
  inputSha256: string;
  modelName: string;
  modelVersion: string;
  weightsSha256: string;
}

export interface NewResult extends ResultKey {
  id: string;
  documentKey: string;
  csvKey: string;
  view: string;
  confidence: number;
  qualityMean: number;
  qualityStd: number;
  createdAt: number;
}

export type Result = NewResult;

export type Role = 'admin' | 'uploader' | 'viewer';

export interface NewToken {
  id: string;
  hash: string;
  projectId: string;
  role: Role;
  label: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface Token extends NewToken {
  revokedAt: number | null;
}
