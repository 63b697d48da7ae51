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
import { SandboxBadge, SandboxMissing } from './components/sandbox.tsx';
import { SandboxesPage } from './pages/sandboxes.tsx';
import { Login } from './pages/login.tsx';
import { DagListPage } from './pages/dag-list.tsx';
import { DagPage } from './pages/dag.tsx';
import { RunPage } from './pages/gantt.tsx';
import { TaskInstancePage } from './pages/task-instance.tsx';
import { ConnectionsPage, PoolsPage, VariablesPage } from './pages/resources.tsx';

function TopBar({ path }: { path: string }) {
  const live = useLiveStatus();
  const nav = [['/dags', 'DAGs'], ['/variables', 'Variables'], ['/pools', 'Pools'], ['/connections', 'Connections'],
    ...(SANDBOX ? [] : [['/sandboxes', 'Sandboxes']] as const)] as const;
  return (
    <header class={`topbar${SANDBOX ? ' in-sandbox' : ''}`}>
      <a class="skip" href="#main">Skip to content</a>
      <Link href="/dags" class="brand"><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 2v12M2 3l12 2-12 4" /></svg>Windsock</Link>
      <nav aria-label="Main">
        {nav.map(([href, label]) => <Link key={href} href={href} aria-current={path.startsWith(href) ? 'page' : undefined}>{label}</Link>)}
      </nav>
      <span class="spacer" />
      {SANDBOX && <SandboxBadge />}
      <span class={`live live-${live}`} role="status" title="Live updates over WebSocket">{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline'}</span>
      <span class="user">{username()}</span>
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
  if (match('/variables', path)) return <VariablesPage />;
  if (match('/pools', path)) return <PoolsPage />;
  if (match('/connections', path)) return <ConnectionsPage />;
  if (!SANDBOX && match('/sandboxes', path)) return <SandboxesPage />;
  return <DagListPage path={path} />;
}

function App() {
  const path = usePath();
  const signedIn = !!token();
  const [missing, setMissing] = useState<ApiError | null>(null);
  useEffect(() => {
    setUnauthorizedHandler(() => navigate(`/login?next=${encodeURIComponent(currentPath().split('?')[0]!)}`));
    setSandboxMissingHandler((e) => { stopLive(); setMissing(e); });
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
      <main id="main" tabIndex={-1}><Routes path={path} /></main>
    </>
  );
}

document.title = SANDBOX ? `${SANDBOX} · Sandbox · Windsock` : 'Windsock';
render(<App />, document.getElementById('app')!);
