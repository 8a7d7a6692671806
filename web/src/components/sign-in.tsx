import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { beginSignIn, CALLBACK_PATH, loadOidcConfig, type OidcConfig } from '../oidc.ts';

/** The sign-in page: an API token, or single sign-on when the server has an OIDC issuer. `notice`: why we are here again. */
export function SignIn(props: { onSignedIn: (token: string) => void; notice?: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  useEffect(() => {
    void loadOidcConfig().then(setOidc);
  }, []);

  async function sso() {
    if (!oidc) return;
    setBusy(true);
    // Back to the page asked for (a shared /clips/<id> link) once signed in.
    const here = location.pathname === CALLBACK_PATH ? '/' : location.pathname + location.search;
    location.assign(await beginSignIn(oidc, location.origin, sessionStorage, here));
  }

  async function submit(e: Event) {
    e.preventDefault();
    const t = token.trim();
    if (!t) return setError('Paste an API token first.');
    setBusy(true);
    setError(null);
    try {
      await api.check(t);
      props.onSignedIn(t);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This token is not valid (expired, revoked or mistyped).' : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <h1>EchoCloud</h1>
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        {props.notice && (
          <p role="status" class="hint" data-testid="signin-notice">
            {props.notice}
          </p>
        )}
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} aria-describedby="token-help" />
        <p id="token-help" class="hint">
          The server prints where its admin token is stored when it starts (or set <code>ECHO_CLOUD_ADMIN_TOKEN</code>). The token is kept only for this tab.
        </p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {oidc && (
          <button type="button" class="secondary" disabled={busy} onClick={() => void sso()}>
            Sign in with single sign-on
          </button>
        )}
      </form>
    </main>
  );
}
