import { PROJECT_ID_PATTERN } from '../security/roles.ts';

/**
 * Keys of presigned browser uploads: `inputs/presigned/<project>/<clip id>/<name>`, or with a study
 * `inputs/presigned/<project>/<study id>/<clip id>/<name>`. The API signs a PUT for exactly one such key,
 * built from the caller's token (its project) and the study it resolved, so the S3-event path registers
 * the object in that project and study, under that clip id, once (the clip id is the catalog's key).
 *
 * Anyone who can write the bucket directly can also write these keys: the bucket's writers are trusted
 * (as for every key under `inputs/`). A key under `inputs/presigned/` that does not have this shape is
 * not registered at all.
 */
export const PRESIGNED_PREFIX = 'inputs/presigned/';

export interface PresignedTarget {
  projectId: string;
  studyId: string | null;
  clipId: string;
  name: string;
}

const CLIP_ID = /^clip_[0-9a-z]{8,40}$/;
const STUDY_ID = /^st_[0-9a-z]{8,40}$/;

export function presignedInputKey(t: PresignedTarget): string {
  return `${PRESIGNED_PREFIX}${t.projectId}/${t.studyId ? `${t.studyId}/` : ''}${t.clipId}/${t.name}`;
}

/** The target a presigned key names; null when the key is not a well-formed presigned key. */
export function parsePresignedKey(key: string): PresignedTarget | null {
  if (!key.startsWith(PRESIGNED_PREFIX)) return null;
  const parts = key.slice(PRESIGNED_PREFIX.length).split('/');
  if (parts.length !== 3 && parts.length !== 4) return null;
  const [projectId, ...rest] = parts as [string, ...string[]];
  const name = rest.pop() as string;
  const clipId = rest.pop() as string;
  const studyId = rest.pop() ?? null;
  if (!PROJECT_ID_PATTERN.test(projectId) || !CLIP_ID.test(clipId) || (studyId !== null && !STUDY_ID.test(studyId)) || name.length === 0) return null;
  return { projectId, studyId, clipId, name };
}
