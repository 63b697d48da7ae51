/**
 * The app shell: sign-in gate, top bar, and the routes. Nothing here fetches; each page loads its own data.
 * Inside a sandbox (`/sandboxes/<name>/`) the bar says so, and a sandbox that is not there gets a page of its own.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { setSandboxMissingHandler, setUnauthorizedHandler, signOut, token, username, type ApiError } from './api.ts';
import { SANDBOX } from './base.ts';
import { startLive, stopLive, useLiveStatus } from './live.ts';
import { currentPath, match, navigate, usePath } from './router.ts';
import { Link } from './components/ui.tsx';
import { catchUnhandled, Notices } from './components/notices.tsx';
import { useMe } from './roles.ts';
import { TIME_ZONE } from './format.ts';
import { SandboxBadge, SandboxMissing } from './components/sandbox.tsx';
import { SandboxesPage } from './pages/sandboxes.tsx';
import { Login } from './pages/login.tsx';
import { DagListPage } from './pages/dag-list.tsx';
import { DagPage } from './pages/dag.tsx';
import { RunPage } from './pages/gantt.tsx';
import { TaskInstancePage } from './pages/task-instance.tsx';
import { ConnectionsPage, PoolsPage, VariablesPage } from './pages/resources.tsx';
import { ImportErrorsPage } from './pages/import-errors.tsx';

function TopBar({ path }: { path: string }) {
  const live = useLiveStatus();
  const me = useMe();
  // Pages the role may not read are not offered (Variables and Connections are Op's and Admin's).
  const nav = ([['/dags', 'DAGs', 'read:dag'], ['/variables', 'Variables', 'read:variable'], ['/pools', 'Pools', 'read:pool'],
    ['/connections', 'Connections', 'read:connection'], ...(SANDBOX ? [] : [['/sandboxes', 'Sandboxes', null]] as const)] as const)
    .filter(([, , perm]) => !perm || !me || me.permissions.includes(perm));
  return (
    <header class={`topbar${SANDBOX ? ' in-sandbox' : ''}`}>
      <a class="skip" href="#main">Skip to content</a>
      <Link href="/dags" class="brand"><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 2v12M2 3l12 2-12 4" /></svg>Windsock</Link>
      <nav aria-label="Main">
        {nav.map(([href, label]) => <Link key={href} href={href} aria-current={path.startsWith(href) ? 'page' : undefined}>{label}</Link>)}
      </nav>
      <span class="spacer" />
      {SANDBOX && <SandboxBadge />}
      <span class="tz" title={`Times are shown in ${TIME_ZONE}`}>{TIME_ZONE}</span>
      <span class={`live live-${live}`} role="status" title={live === 'lost' ? 'The connection to the server was lost: what you see may be out of date. Reconnecting…' : 'Live updates over WebSocket'}>
        {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : live === 'lost' ? 'Disconnected' : 'Offline'}</span>
      <span class="user" title={me ? `Role: ${me.role}` : undefined}>{username()}{me && <span class="muted small"> · {me.role}</span>}</span>
      <button type="button" class="ghost on-dark" onClick={() => { signOut(); stopLive(); navigate('/login'); }}>Sign out</button>
    </header>
  );
}

function Routes({ path }: { path: string }) {
  let m;
  if ((m = match('/dags/:dag_id/runs/:run_id/tasks/:task_id', path))) return <TaskInstancePage dagId={m.dag_id!} runId={m.run_id!} taskId={m.task_id!} path={path} />;
  if ((m = match('/dags/:dag_id/runs/:run_id', path))) return <RunPage dagId={m.dag_id!} runId={m.run_id!} />;
  if ((m = match('/dags/:dag_id/:tab', path))) return <DagPage dagId={m.dag_id!} tab={m.tab!} path={path} />;
  if ((m = match('/dags/:dag_id', path))) return <DagPage dagId={m.dag_id!} tab="grid" path={path} />;
  if (match('/import-errors', path)) return <ImportErrorsPage />;
  if (match('/variables', path)) return <VariablesPage />;
  if (match('/pools', path)) return <PoolsPage />;
  if (match('/connections', path)) return <ConnectionsPage />;
  if (!SANDBOX && match('/sandboxes', path)) return <SandboxesPage />;
  if (match('/dags', path) || match('/', path)) return <DagListPage path={path} />;
  return <NotFound path={path} />;
}

function NotFound({ path }: { path: string }) {
  return (
    <section class="page not-found">
      <h1>Page not found</h1>
      <p>There is no page at <code>{path.split('?')[0]}</code>.</p>
      <p><Link href="/dags">Go to the DAGs</Link></p>
    </section>
  );
}

/** Shown while a live connection is lost: what is on screen may be stale until it comes back. */
function ConnectionLost() {
  const live = useLiveStatus();
  if (live !== 'lost') return null;
  return <p class="banner danger conn-lost" role="alert">Connection to the server lost: this page is not updating. Reconnecting…</p>;
}

function App() {
  const path = usePath();
  const signedIn = !!token();
  const [missing, setMissing] = useState<ApiError | null>(null);
  useEffect(() => {
    // Signing out in another tab signs this one out too.
    const onStorage = (e: StorageEvent) => { if (e.key === null || e.key.startsWith('windsock.token')) { if (!token()) { stopLive(); navigate('/login', true); } } };
    addEventListener('storage', onStorage);
    setUnauthorizedHandler(() => navigate(`/login?next=${encodeURIComponent(currentPath().split('?')[0]!)}`));
    setSandboxMissingHandler((e) => { stopLive(); setMissing(e); });
    return () => removeEventListener('storage', onStorage);
  }, []);
  useEffect(() => {
    if (!signedIn && !path.startsWith('/login')) navigate(`/login?next=${encodeURIComponent(path)}`, true);
    if (signedIn) startLive();
  }, [signedIn, path]);
  if (missing) return <SandboxMissing error={missing} onSignOut={() => { signOut(); setMissing(null); navigate('/login', true); }} />;
  if (!signedIn || path.startsWith('/login')) return <Login path={path} />;
  return (
    <>
      <TopBar path={path} />
      <ConnectionLost />
      <Notices />
      <main id="main" tabIndex={-1}><Routes path={path} /></main>
    </>
  );
}

catchUnhandled();
document.title = SANDBOX ? `${SANDBOX} · Sandbox · Windsock` : 'Windsock';
render(<App />, document.getElementById('app')!);
