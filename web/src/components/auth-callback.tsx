import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { completeSignIn, loadOidcConfig, type SignedIn } from '../oidc.ts';

/** `/auth/callback`: the identity provider sends the browser back here with a code; finish the sign-in. */
export function AuthCallback(props: { onSignedIn: (signedIn: SignedIn) => void; onCancel: () => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    (async () => {
      const config = await loadOidcConfig();
      if (!config) throw new Error('Single sign-on is not configured on this server.');
      const signedIn = await completeSignIn(config, location.href, sessionStorage);
      try {
        await api.check(signedIn.token);
      } catch (err) {
        if (err instanceof ApiError && err.status === 403) throw new Error(`Signed in as ${signedIn.name}, but: ${err.message}`);
        throw err;
      }
      if (live) props.onSignedIn(signedIn);
    })().catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, []);
  return (
    <main class="signin">
      <h1>EchoCloud</h1>
      {error ? (
        <div>
          <p role="alert" class="error">
            {error}
          </p>
          <button type="button" onClick={props.onCancel}>
            Back to sign-in
          </button>
        </div>
      ) : (
        <p role="status">Signing in…</p>
      )}
    </main>
  );
}
