/**
 * Sandboxes (the shared instance only): the caller's own (an admin's: everyone's) from the control plane's API
 * `/api/windsock/v1/sandboxes`, with a small create form and a confirmed delete. A sandbox opens as a whole page
 * at `/sandboxes/<name>/` (a UI of its own, signed in on its own). The list refetches every 2 s while a sandbox
 * is starting or being deleted; the control plane pushes nothing over the shared WebSocket.
 */
import { useEffect, useState } from 'preact/hooks';
import { enc, get, request, username } from '../api.ts';
import { Dialog, ErrorNote, useData } from '../components/ui.tsx';
import { fmtDate, relative } from '../format.ts';
import type { Sandbox } from '../types.ts';

const API = '/api/windsock/v1/sandboxes';
const POLL_MS = 2000;
const BUSY = new Set(['pending', 'deleting']);

export function SandboxesPage() {
  const { data, error, reload } = useData(() => get<{ sandboxes: Sandbox[]; total_entries: number }>(`${API}?limit=100`), []);
  const [deleting, setDeleting] = useState<Sandbox | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const rows = data?.sandboxes ?? [];
  const busy = rows.some((s) => BUSY.has(s.status) || (s.status === 'ready' && s.scheduler === 'starting'));
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(t);
  }, [busy, reload]);
  const extend = async (s: Sandbox) => {
    setActionError(null);
    try { await request('POST', `${API}/${enc(s.name)}/extend`, { by_seconds: 3600 }); await reload(); } catch (e) { setActionError(e); }
  };
  return (
    <section class="page">
      <div class="page-head"><h1>Sandboxes</h1>{data && <span class="muted">{data.total_entries}</span>}</div>
      <p class="muted intro">A sandbox is your own Windsock: its own scheduler, database schema and queue, running the DAGs of one folder.
        It opens in its own UI, under <code>/sandboxes/&lt;name&gt;/</code>, and is deleted when it expires.</p>
      <CreateForm onCreated={() => void reload()} />
      <ErrorNote error={error ?? actionError} />
      {!data && !error && <p class="muted">Loading sandboxes…</p>}
      {data && (
        <table class="list sandboxes">
          <thead><tr>
            <th scope="col">Name</th><th scope="col">Status</th><th scope="col">Scheduler</th><th scope="col">Owner</th>
            <th scope="col">DAG folder</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr></thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.name} data-sandbox={s.name}>
                <td>{s.status === 'ready' ? <a href={s.ui_url} class="dag-link">{s.name}</a> : <span class="dag-link">{s.name}</span>}</td>
                <td><span class="sb-status" data-status={s.status}>{s.status}</span>
                  {s.reason && s.status !== 'ready' && <div class="muted small reason">{s.reason}</div>}</td>
                <td class="muted">{s.status === 'ready' ? s.scheduler : '—'}</td>
                <td>{s.owner}</td>
                <td><code>{'folder' in s.dag_source ? String(s.dag_source.folder) : JSON.stringify(s.dag_source)}</code></td>
                <td title={s.expires_at ?? 'never'}>{s.expires_at ? <>{fmtDate(s.expires_at)} <span class="muted small">({relative(s.expires_at)})</span></> : 'never'}</td>
                <td class="actions">
                  {s.status === 'ready' && <a class="button small" href={s.ui_url} aria-label={`Open ${s.name}`}>Open</a>}
                  {s.expires_at && s.status !== 'deleting' && <button type="button" class="small" onClick={() => extend(s)} aria-label={`Extend ${s.name} by an hour`}>+1 h</button>}
                  {s.status !== 'deleting' && <button type="button" class="small danger" onClick={() => { setActionError(null); setDeleting(s); }} aria-label={`Delete ${s.name}`}>Delete</button>}
                </td>
              </tr>
            ))}
            {rows.length === 0 && <tr><td colSpan={7} class="empty">No sandboxes yet: create one above.</td></tr>}
          </tbody>
        </table>
      )}
      {deleting && <DeleteDialog sandbox={deleting} onClose={() => setDeleting(null)} onDeleted={() => { setDeleting(null); void reload(); }} />}
    </section>
  );
}

function CreateForm({ onCreated }: { onCreated: () => void }) {
  const me = username() ?? 'me';
  const [name, setName] = useState('');
  const [folder, setFolder] = useState('');
  const [ttlHours, setTtlHours] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      const hours = ttlHours.trim() === '' ? null : Number(ttlHours);
      const body = { name: name.trim(), dag_source: { folder: folder.trim() }, ...(hours !== null ? { ttl_seconds: Math.round(hours * 3600) } : {}) };
      await request('POST', API, body);
      setName(''); setFolder(''); setTtlHours('');
      onCreated();
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  return (
    <form class="sb-create" onSubmit={submit} aria-label="New sandbox">
      <label>Name<input name="name" required maxLength={40} pattern="[a-z]([a-z0-9\-]*[a-z0-9])?" autoComplete="off" spellcheck={false}
        placeholder={`${me.toLowerCase().replace(/[^a-z0-9-]/g, '') || 'my'}-dev`} title="lower-case letters, digits and -, starting with a letter"
        value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
      <label>DAG folder<input name="folder" required autoComplete="off" spellcheck={false} placeholder={`${me}/dags`}
        value={folder} onInput={(e) => setFolder(e.currentTarget.value)} /></label>
      <label>TTL (hours)<input name="ttl" type="number" min="0.1" step="any" placeholder="default" class="ttl"
        value={ttlHours} onInput={(e) => setTtlHours(e.currentTarget.value)} /></label>
      <button type="submit" class="primary" disabled={busy}>{busy ? 'Creating…' : 'Create sandbox'}</button>
      <ErrorNote error={error} />
    </form>
  );
}

function DeleteDialog({ sandbox, onClose, onDeleted }: { sandbox: Sandbox; onClose: () => void; onDeleted: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true); setError(null);
    try { await request('DELETE', `${API}/${enc(sandbox.name)}`); onDeleted(); } catch (e) { setError(e); setBusy(false); }
  };
  return (
    <Dialog title={`Delete sandbox ${sandbox.name}?`} open onClose={onClose}>
      <p>Its scheduler stops, and its database schema (DAG runs, logs, variables, connections) and queue are removed. This cannot be undone.
        The DAG files in <code>{'folder' in sandbox.dag_source ? String(sandbox.dag_source.folder) : 'its source'}</code> stay.</p>
      <ErrorNote error={error} />
      <div class="buttons"><button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class="danger primary" disabled={busy} onClick={confirm}>{busy ? 'Deleting…' : 'Delete sandbox'}</button></div>
    </Dialog>
  );
}
