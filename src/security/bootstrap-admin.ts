import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../ports/catalog.ts';
import { randomId } from '../util/ids.ts';
import { DEFAULT_PROJECT, generateToken, hashToken } from './tokens.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The API is never open. With ECHO_CLOUD_ADMIN_TOKEN unset, the first start creates an admin token, keeps
 * only its hash in the catalog and writes the token to `<data>/admin-token` (mode 0600) for the operator.
 * Returns the file's path, or null when the token comes from the environment.
 */
export async function ensureAdminToken(catalog: Catalog, dataDir: string, configured: string | null): Promise<string | null> {
  await catalog.ensureProject(DEFAULT_PROJECT.id, DEFAULT_PROJECT.name);
  if (configured) return null;
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = await readFile(path, 'utf8').then((t) => t.trim(), () => null);
  if (existing && (await catalog.findTokenByHash(hashToken(existing)))) return path;
  const token = generateToken();
  await catalog.createToken({
    id: randomId('tok'),
    hash: hashToken(token),
    projectId: DEFAULT_PROJECT.id,
    role: 'admin',
    label: 'first-start admin token',
    createdAt: Date.now(),
    expiresAt: null,
  });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/** Reads the token a local CLI should use: ECHO_CLOUD_TOKEN, else `<data>/admin-token`. */
export async function localToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.ECHO_CLOUD_TOKEN) return env.ECHO_CLOUD_TOKEN;
  if (env.ECHO_CLOUD_ADMIN_TOKEN) return env.ECHO_CLOUD_ADMIN_TOKEN;
  return readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8').then((t) => t.trim(), () => null);
}
