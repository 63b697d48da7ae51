/**
 * The marks of a UI opened inside a sandbox: the top bar's badge (its name, its owner when the tab is also signed
 * in to the shared instance, and the way back), and the page for a sandbox that is not there for this user.
 */
import { useEffect, useState } from 'preact/hooks';
import { getShared, username, type ApiError } from '../api.ts';
import { SANDBOX } from '../base.ts';
import type { Sandbox } from '../types.ts';

/** Where "back to the shared instance" goes: its list of sandboxes. */
const SHARED_HOME = '/sandboxes';

export function SandboxBadge() {
  const [owner, setOwner] = useState<string | null>(null);
  useEffect(() => {
    if (SANDBOX) void getShared<Sandbox>(`/api/windsock/v1/sandboxes/${encodeURIComponent(SANDBOX)}`).then((s) => setOwner(s?.owner ?? null));
  }, []);
  if (!SANDBOX) return null;
  return (
    <span class="sandbox-badge" role="note" aria-label={`Sandbox ${SANDBOX}${owner ? `, owned by ${owner}` : ''}`}
      title="You are inside a sandbox: its own scheduler, database and DAGs, apart from the shared instance">
      <span>Sandbox {SANDBOX}{owner && <span class="owner"> · {owner}</span>}</span>
      <a href={SHARED_HOME}>Shared instance</a>
    </span>
  );
}

/** Shown in the sign-in form inside a sandbox: the token it gives is for this sandbox only. */
export function SandboxSignInNote() {
  if (!SANDBOX) return null;
  return (
    <>
      <span class="sandbox-badge">Sandbox {SANDBOX}</span>
      <p class="muted small">Signing in here gives access to this sandbox only. <a href={SHARED_HOME}>Shared instance</a></p>
    </>
  );
}

export function SandboxMissing({ error, onSignOut }: { error: ApiError; onSignOut: () => void }) {
  const who = username();
  return (
    <main id="main" class="page">
      <section class="missing" role="alert">
        <div class="brand big"><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 2v12M2 3l12 2-12 4" /></svg>Windsock</div>
        <h1>Sandbox not found</h1>
        <p>There is no sandbox named <code>{SANDBOX}</code> that {who ? <>the user <b>{who}</b></> : 'you'} may use: it may have been deleted or
          expired, or it belongs to someone else. ({error.status}: {error.detail})</p>
        <div class="buttons">
          <a class="button" href={SHARED_HOME}>Your sandboxes</a>
          <button type="button" onClick={onSignOut}>Sign in as someone else</button>
        </div>
      </section>
    </main>
  );
}
