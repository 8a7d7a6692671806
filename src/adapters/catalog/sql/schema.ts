import type { Generated } from 'kysely';

/** Table types shared by the SQLite and PostgreSQL catalogs (one Kysely schema). Times are ms since epoch. */
export interface CatalogDb {
  projects: { id: string; name: string; created_at: number };
  studies: { id: string; project_id: string; name: string; created_at: number };
  clips: {
    id: string;
    project_id: string;
    study_id: string | null;
    name: string;
    input_key: string;
    sha256: string;
    size: number;
    format: string;
    source: string;
    status: string;
    result_id: string | null;
    error_code: string | null;
    error_message: string | null;
    created_at: number;
    updated_at: number;
  };
  jobs: {
    id: string;
    clip_id: string;
    model_name: string;
    model_version: string;
    status: string;
    attempts: number;
    result_id: string | null;
    error_code: string | null;
    error_message: string | null;
    created_at: number;
    started_at: number | null;
    finished_at: number | null;
    /** 1: the clip's primary job (its result is the clip's); 0: a further model (shadow rule, backfill). */
    is_primary: Generated<number>;
  };
  results: {
    id: string;
    input_sha256: string;
    model_name: string;
    model_version: string;
    weights_sha256: string;
    document_key: string;
    csv_key: string;
    view: string;
    confidence: number;
    quality_mean: number;
    quality_std: number;
    created_at: number;
  };
  tokens: {
    id: string;
    hash: string;
    project_id: string;
    role: string;
    label: string;
    created_at: number;
    expires_at: number | null;
    revoked_at: number | null;
  };
  grants: { project_id: string; subject: string; role: string; created_at: number };
  audit_log: {
    seq: number;
    at: number;
    actor: string;
    project_id: string | null;
    action: string;
    object: string | null;
    ip: string | null;
    outcome: number;
    detail: string | null;
    prev_hash: string;
    hash: string;
  };
}
