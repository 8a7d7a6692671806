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

  /** Every job of a clip (primary and further models), oldest first. */
  listJobs(clipId: string): Promise<Job[]>;
  /**
   * Clips with no job of the given model that is queued, processing, or done with a result of these
   * weights: what a backfill must run. Oldest first, paged with `after`.
   */
  listClipsLackingModel(query: LackingModelQuery): Promise<Clip[]>;

  createToken(token: NewToken): Promise<void>;
  findTokenByHash(hash: string): Promise<Token | null>;
  countTokens(): Promise<number>;

  // security (migration 0002-security-auth): projects, tokens and OIDC grants, and the audit trail
  listProjects(): Promise<Project[]>;
  getProject(id: string): Promise<Project | null>;
  /** Tokens of one project (or every project when omitted), newest first. */
  listTokens(projectId?: string): Promise<Token[]>;
  /** Sets `revokedAt` on a token of that project; false when there is none (or it was already revoked). */
  revokeToken(id: string, projectId: string, at: number): Promise<boolean>;
  /** Creates or replaces the role of one OIDC subject in one project. */
  putGrant(grant: Grant): Promise<void>;
  /** Grants of any of these subjects (`sub:<sub>`, `email:<email>`), in every project. */
  findGrants(subjects: string[]): Promise<Grant[]>;
  listGrants(projectId?: string): Promise<Grant[]>;
  /**
   * Appends audit entries. `make` receives the newest entry's seq and hash (null when the log is empty) and
   * returns the entries to insert, seq = previous + 1, + 2, ...; the adapter runs read and inserts in one
   * transaction and calls `make` again when another writer took those seqs first. Entries are never updated
   * or deleted through this port.
   */
  appendAudit(make: (previous: { seq: number; hash: string } | null) => AuditEntry[]): Promise<AuditEntry[]>;
  /** Audit entries in seq order: seq > afterSeq, at >= since, at most limit. */
  listAudit(query: { afterSeq?: number; since?: number; limit: number }): Promise<AuditEntry[]>;

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
  /**
   * Default true: the clip's primary job, whose start, finish and failure move the clip's status and whose
   * result becomes the clip's result. False: a further model on the same clip (a shadow routing rule, a
   * backfill); its lifecycle is recorded on the job only.
   */
  primary?: boolean;
}

export interface Job extends NewJob {
  primary: boolean;
  status: ClipStatus;
  attempts: number;
  resultId: string | null;
  error: CodedError | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface LackingModelQuery {
  model: { name: string; version: string; weightsSha256: string };
  projectId?: string;
  /** Only clips created at or after this time (ms). */
  since?: number;
  /** Cursor: clips after this one in (createdAt, id) order. */
  after?: { createdAt: number; id: string };
  limit: number;
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

/** An OIDC subject's role in a project. `subject` is `sub:<sub claim>` or `email:<verified email>`. */
export interface Grant {
  projectId: string;
  subject: string;
  role: Role;
  createdAt: number;
}

/** One hash-chained audit entry (see src/security/audit/chain.ts for how `hash` is made). */
export interface AuditEntry {
  seq: number;
  at: number;
  /** Who: a token id, `env-admin`, `oidc:<sub>`, `cli:<user>` or `anonymous`. */
  actor: string;
  projectId: string | null;
  /** What: e.g. `clip.upload`, `clip.get`, `auth.failure`, `token.create`. */
  action: string;
  /** Which object (a clip or token id), when there is one. */
  object: string | null;
  /** From where: the client address, or null for local CLI actions. */
  ip: string | null;
  /** The HTTP status answered (CLI actions: 0 success, else the exit code). */
  outcome: number;
  /** A short machine-readable note, e.g. the error code or the authentication method. */
  detail: string | null;
  prevHash: string;
  hash: string;
}
