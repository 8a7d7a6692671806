import { readFile } from 'node:fs/promises';
import type { Config } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import type { Catalog } from '../ports/catalog.ts';
import { type AuditLog, createAuditLog } from '../security/audit/audit-log.ts';
import { type AuditHeadStore, auditHeadStore, loadAuditKey } from '../security/audit/head.ts';
import { createOidcVerifier } from '../security/oidc.ts';
import { type Authenticate, createAuthenticator } from '../security/tokens.ts';

/** The audit trail's signed head (`<data>/audit-head`, key from ECHO_CLOUD_AUDIT_KEY or `<data>/audit-key`). */
export async function auditHead(config: Config): Promise<AuditHeadStore> {
  return auditHeadStore(config.dataDir, await loadAuditKey(config.dataDir, config.security.auditKey));
}

export async function auditLog(config: Config, catalog: Catalog): Promise<AuditLog> {
  return createAuditLog(catalog, await auditHead(config));
}

/** API tokens, the admin token and (when ECHO_CLOUD_OIDC_ISSUER is set) OIDC JWTs. */
export function authenticator(config: Config, catalog: Catalog): Authenticate {
  const oidc = config.security.oidc ? createOidcVerifier(config.security.oidc, catalog) : null;
  return createAuthenticator(catalog, config.adminToken, oidc);
}

/** The certificate and key of ECHO_CLOUD_TLS_CERT / ECHO_CLOUD_TLS_KEY, or null for plain HTTP. */
export async function tlsFiles(config: Config): Promise<{ cert: Buffer; key: Buffer } | null> {
  const tls = config.security.tls;
  if (!tls) return null;
  const read = (path: string, variable: string) =>
    readFile(path).catch((err: Error) => {
      throw new EchoError('CONFIG_INVALID', `${variable}=${path}: cannot read the PEM file: ${err.message}`, { details: { variable } });
    });
  return { cert: await read(tls.certFile, 'ECHO_CLOUD_TLS_CERT'), key: await read(tls.keyFile, 'ECHO_CLOUD_TLS_KEY') };
}
