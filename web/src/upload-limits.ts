/** Files above this size use a resumable session (POST /v1/uploads), sent in chunks of CHUNK_BYTES. */
export const RESUMABLE_ABOVE = 8 * 1024 * 1024;
export const CHUNK_BYTES = 4 * 1024 * 1024;
