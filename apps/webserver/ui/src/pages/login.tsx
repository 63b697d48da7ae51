/** Sign-in: POST /auth/token (a sandbox's own, inside one), then back to where the user was going. */
import { useState } from 'preact/hooks';
import { signIn } from '../api.ts';
import { navigate, query } from '../router.ts';
import { ErrorNote } from '../components/ui.tsx';
import { SandboxSignInNote } from '../components/sandbox.tsx';

export function Login({ path }: { path: string }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      await signIn(user, password);
      const next = query(path).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('/login') ? next : '/dags', true);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <div class="brand big"><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 2v12M2 3l12 2-12 4" /></svg>Windsock</div>
        <h1 id="login-title">Sign in</h1>
        <SandboxSignInNote />
        <label>Username<input name="username" autoComplete="username" required autoFocus value={user} onInput={(e) => setUser(e.currentTarget.value)} /></label>
        <label>Password<input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
