/**
 * Variables, pools and connections: one table-and-form component over their /api/v2 collections (list with
 * paging, create, edit, delete). Connection passwords are write-only: the API never returns them, and an empty
 * password field on edit leaves the stored one alone.
 */
import { useState } from 'preact/hooks';
import { enc, get, request } from '../api.ts';
import { Dialog, ErrorNote, useData } from '../components/ui.tsx';
import { notify } from '../components/notices.tsx';
import { denial, useMe } from '../roles.ts';

type Row = Record<string, unknown>;
interface Field { name: string; label: string; kind?: 'text' | 'number' | 'textarea' | 'password'; required?: boolean; help?: string }
interface Resource {
  /** The API's resource name in permissions (`create:variable`). */
  perm: string;
  title: string; path: string; listKey: string; idField: string; singular: string;
  columns: { name: string; label: string; render?: (r: Row) => string }[];
  fields: Field[];
  /** Form values → request body (create when `existing` is null). */
  body: (v: Record<string, string>, existing: Row | null) => Row;
  canDelete?: (r: Row) => boolean;
}

const PAGE = 100;

function ResourcePage({ res }: { res: Resource }) {
  const [limit, setLimit] = useState(PAGE);
  const { data, error, reload } = useData(() => get<Record<string, unknown>>(`${res.path}?limit=${limit}&offset=0&order_by=${res.idField}`), [res.path, limit]);
  const [editing, setEditing] = useState<Row | 'new' | null>(null);
  const [filter, setFilter] = useState('');
  const me = useMe();
  const noCreate = denial(me, `create:${res.perm}`, `add ${res.title.toLowerCase()}`);
  const noEdit = denial(me, `edit:${res.perm}`, `edit ${res.title.toLowerCase()}`);
  const noDelete = denial(me, `delete:${res.perm}`, `delete ${res.title.toLowerCase()}`);
  const rows = ((data?.[res.listKey] as Row[] | undefined) ?? []).filter((r) => !filter || JSON.stringify(r).toLowerCase().includes(filter.toLowerCase()));
  const total = (data?.total_entries as number | undefined) ?? 0;
  const del = async (r: Row) => {
    if (!confirm(`Delete ${res.singular} ${String(r[res.idField])}?`)) return;
    try { await request('DELETE', `${res.path}/${enc(String(r[res.idField]))}`); await reload(); } catch (e) { notify(e); }
  };
  return (
    <section class="page">
      <div class="page-head"><h1>{res.title}</h1><span class="muted">{total}</span><span class="spacer" />
        <input type="search" aria-label={`Filter ${res.title.toLowerCase()}`} placeholder="Filter…" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <button type="button" class="primary" disabled={!!noCreate} title={noCreate ?? undefined} onClick={() => setEditing('new')}>+ Add {res.singular}</button>
      </div>
      <ErrorNote error={error} />
      {!data && !error && <p class="muted">Loading {res.title.toLowerCase()}…</p>}
      {data && (
        <table class="list">
          <thead><tr>{res.columns.map((c) => <th scope="col" key={c.name}>{c.label}</th>)}<th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={String(r[res.idField])}>
                {res.columns.map((c) => <td key={c.name}>{c.name === res.idField ? <code>{String(r[c.name])}</code> : c.render ? c.render(r) : r[c.name] == null ? '—' : String(r[c.name])}</td>)}
                <td class="actions">
                  <button type="button" class="small" disabled={!!noEdit} title={noEdit ?? undefined} onClick={() => setEditing(r)} aria-label={`Edit ${String(r[res.idField])}`}>Edit</button>
                  {(res.canDelete?.(r) ?? true) && <button type="button" class="small danger" disabled={!!noDelete} title={noDelete ?? undefined} onClick={() => del(r)} aria-label={`Delete ${String(r[res.idField])}`}>Delete</button>}
                </td>
              </tr>
            ))}
            {rows.length === 0 && <tr><td colSpan={res.columns.length + 1} class="empty">Nothing here yet.</td></tr>}
          </tbody>
        </table>
      )}
      {total > limit && <button type="button" onClick={() => setLimit(limit + PAGE)}>Show more</button>}
      {editing && <EditDialog res={res} existing={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); void reload(); }} />}
    </section>
  );
}

function EditDialog({ res, existing, onClose, onSaved }: { res: Resource; existing: Row | null; onClose: () => void; onSaved: () => void }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(res.fields.map((f) => {
    const v = existing?.[f.name];
    return [f.name, v == null || f.kind === 'password' ? '' : typeof v === 'string' ? v : JSON.stringify(v)];
  })));
  const [error, setError] = useState<unknown>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = res.body(values, existing);
      if (existing) await request('PATCH', `${res.path}/${enc(String(existing[res.idField]))}`, body);
      else await request('POST', res.path, body);
      onSaved();
    } catch (err) { setError(err); }
  };
  return (
    <Dialog title={existing ? `Edit ${res.singular} ${String(existing[res.idField])}` : `Add ${res.singular}`} open onClose={onClose}>
      <form class="form" onSubmit={save}>
        {res.fields.map((f) => {
          const common = {
            name: f.name, required: f.required && !(existing && f.kind === 'password'), value: values[f.name],
            readOnly: !!existing && f.name === res.idField,
            onInput: (e: Event) => setValues({ ...values, [f.name]: (e.currentTarget as HTMLInputElement).value }),
          };
          return (
            <label key={f.name}>{f.label}{f.help && <span class="muted small"> {f.help}</span>}
              {f.kind === 'textarea' ? <textarea rows={4} spellcheck={false} {...common} /> : <input type={(f.kind === 'password' ? 'password' : f.kind === 'number' ? 'number' : 'text') as 'text'} autoComplete="off" {...common} />}
            </label>
          );
        })}
        <ErrorNote error={error} />
        <div class="buttons"><button type="button" onClick={onClose}>Cancel</button><button type="submit" class="primary">Save</button></div>
      </form>
    </Dialog>
  );
}

const opt = (s: string | undefined): string | null => (s && s.trim() !== '' ? s : null);

const VARIABLES: Resource = {
  perm: 'variable', title: 'Variables', path: '/api/v2/variables', listKey: 'variables', idField: 'key', singular: 'variable',
  columns: [{ name: 'key', label: 'Key' }, { name: 'value', label: 'Value', render: (r) => String(r.value ?? '').slice(0, 120) }, { name: 'description', label: 'Description' }],
  fields: [{ name: 'key', label: 'Key', required: true }, { name: 'value', label: 'Value', kind: 'textarea', required: true, help: '(text or JSON)' }, { name: 'description', label: 'Description' }],
  body: (v) => ({ key: v.key, value: v.value, description: opt(v.description) }),
};

const POOLS: Resource = {
  perm: 'pool', title: 'Pools', path: '/api/v2/pools', listKey: 'pools', idField: 'name', singular: 'pool',
  columns: [{ name: 'name', label: 'Pool' }, { name: 'slots', label: 'Slots' }, { name: 'running_slots', label: 'Running' },
    { name: 'queued_slots', label: 'Queued' }, { name: 'open_slots', label: 'Open' }, { name: 'description', label: 'Description' }],
  fields: [{ name: 'name', label: 'Name', required: true }, { name: 'slots', label: 'Slots', kind: 'number', required: true, help: '(-1 = unlimited)' }, { name: 'description', label: 'Description' }],
  body: (v) => ({ name: v.name, slots: Number(v.slots), description: opt(v.description) }),
  canDelete: (r) => r.name !== 'default_pool',
};

const CONNECTIONS: Resource = {
  perm: 'connection', title: 'Connections', path: '/api/v2/connections', listKey: 'connections', idField: 'connection_id', singular: 'connection',
  columns: [{ name: 'connection_id', label: 'Connection id' }, { name: 'conn_type', label: 'Type' }, { name: 'host', label: 'Host' },
    { name: 'port', label: 'Port' }, { name: 'login', label: 'Login' }, { name: 'description', label: 'Description' }],
  fields: [{ name: 'connection_id', label: 'Connection id', required: true }, { name: 'conn_type', label: 'Type', required: true, help: '(e.g. postgres, http, aws)' },
    { name: 'host', label: 'Host' }, { name: 'port', label: 'Port', kind: 'number' }, { name: 'schema', label: 'Schema' }, { name: 'login', label: 'Login' },
    { name: 'password', label: 'Password', kind: 'password', help: '(write-only; leave empty to keep)' }, { name: 'extra', label: 'Extra', kind: 'textarea', help: '(JSON)' },
    { name: 'description', label: 'Description' }],
  body: (v, existing) => {
    const b: Row = { connection_id: v.connection_id, conn_type: v.conn_type, host: opt(v.host), port: v.port ? Number(v.port) : null,
      schema: opt(v.schema), login: opt(v.login), extra: opt(v.extra), description: opt(v.description) };
    if (v.password || !existing) b.password = opt(v.password);
    return b;
  },
};

export const VariablesPage = () => <ResourcePage key="v" res={VARIABLES} />;
export const PoolsPage = () => <ResourcePage key="p" res={POOLS} />;
export const ConnectionsPage = () => <ResourcePage key="c" res={CONNECTIONS} />;
