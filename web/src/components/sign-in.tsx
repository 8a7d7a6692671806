import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { loadOidcConfig, type OidcConfig } from '../oidc.ts';

export function SignIn(props: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  useEffect(() => {
    void loadOidcConfig().then(setOidc);
  }, []);

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
          <a class="button secondary" href={oidc.authorizeUrl}>
            {oidc.label}
          </a>
        )}
      </form>
    </main>
  );
}
