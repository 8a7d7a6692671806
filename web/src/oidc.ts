/**
 * Hook for single sign-on. When the server offers OIDC, return its authorization URL here and the
 * sign-in page shows a "Sign in with SSO" button; until then there is none and tokens are pasted.
 */
export interface OidcConfig {
  authorizeUrl: string;
  label: string;
}

export async function loadOidcConfig(): Promise<OidcConfig | null> {
  return null;
}
