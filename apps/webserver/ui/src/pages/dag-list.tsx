/**
 * The DAG list: search, tag filter (repo: tags first, since DAGs come from several repositories), paused filter,
 * each DAG's latest runs, schedule and next run, and the import-error banner. Filters live in the URL, so a
 * filtered list can be bookmarked and shared. Runs starting or finishing refresh the list (pushed, not polled).
 */
import { useMemo, useState } from 'preact/hooks';
import { enc, get, request } from '../api.ts';
import { useLive } from '../live.ts';
import { navigate, query } from '../router.ts';
import { fmtDate, relative } from '../format.ts';
import { stateColor, stateLabel } from '../states.ts';
import type { DagList, DagListEntry } from '../types.ts';
import { ErrorNote, Link, PauseToggle, useData, useDebounced } from '../components/ui.tsx';
import { TriggerDialog } from './trigger.tsx';
import { denial, useMe } from '../roles.ts';

function setFilter(path: string, key: string, value: string | null): void {
  const q = query(path);
  if (value) q.set(key, value); else q.delete(key);
  const s = q.toString();
  navigate(`/dags${s ? `?${s}` : ''}`, true);
}

function ImportErrors({ errors }: { errors: DagList['import_errors'] }) {
  if (errors.length === 0) return null;
  return (
    <details class="banner danger">
      <summary><strong>{errors.length} DAG file{errors.length > 1 ? 's' : ''} could not be imported.</strong> Show details</summary>
      <ul>{errors.map((e) => <li key={e.filename}><code>{e.filename}{e.line ? `:${e.line}` : ''}</code> <span>{e.message}</span></li>)}</ul>
    </details>
  );
}

function RecentRuns({ dag }: { dag: DagListEntry }) {
  if (dag.recent_runs.length === 0) return <span class="muted">never ran</span>;
  return (
    <span class="runs">
      {[...dag.recent_runs].reverse().map((r) => (
        <Link key={r.run_id} href={`/dags/${enc(dag.dag_id)}/runs/${enc(r.run_id)}`} class="run-dot" title={`${r.run_id}: ${stateLabel(r.state)}`}>
          <i style={{ background: stateColor(r.state) }} data-state={r.state} /><span class="sr-only">{r.run_id} {stateLabel(r.state)}</span>
        </Link>
      ))}
    </span>
  );
}

export function DagListPage({ path }: { path: string }) {
  const { data, error, reload, set } = useData(() => get<DagList>('/ui/dags'), []);
  const refresh = useDebounced(() => void reload(), 300);
  useLive(['dagrun:created', 'dagrun:finished', 'dags:changed', 'resync'], refresh, [refresh]);
  const [trigger, setTrigger] = useState<string | null>(null);
  const me = useMe();
  const noPause = denial(me, 'edit:dag', 'pause or unpause DAGs');
  const noTrigger = denial(me, 'create:dag_run', 'trigger DAGs');
  const q = query(path);
  const search = q.get('search') ?? '';
  const tags = (q.get('tags') ?? '').split(',').filter(Boolean);
  const paused = q.get('paused') ?? 'all';

  const allTags = useMemo(() => {
    const s = new Set<string>();
    for (const d of data?.dags ?? []) for (const t of d.tags) s.add(t);
    return [...s].sort((a, b) => Number(b.startsWith('repo:')) - Number(a.startsWith('repo:')) || a.localeCompare(b));
  }, [data]);
  const shown = useMemo(() => (data?.dags ?? []).filter((d) =>
    (!search || d.dag_id.toLowerCase().includes(search.toLowerCase()) || (d.description ?? '').toLowerCase().includes(search.toLowerCase()))
    && tags.every((t) => d.tags.includes(t))
    && (paused === 'all' || (paused === 'paused') === d.is_paused)), [data, search, tags.join(','), paused]);

  const toggleTag = (t: string) => setFilter(path, 'tags', (tags.includes(t) ? tags.filter((x) => x !== t) : [...tags, t]).join(',') || null);
  const setPaused = async (dagId: string, p: boolean) => {
    await request('PATCH', `/api/v2/dags/${enc(dagId)}`, { is_paused: p });
    set((d) => ({ ...d, dags: d.dags.map((x) => (x.dag_id === dagId ? { ...x, is_paused: p } : x)) }));
  };

  return (
    <section class="page">
      <div class="page-head"><h1>DAGs</h1>{data && <span class="muted">{shown.length} of {data.dags.length}</span>}</div>
      <ErrorNote error={error} />
      {data && <ImportErrors errors={data.import_errors} />}
      <div class="filters" role="search">
        <input type="search" aria-label="Search DAGs" placeholder="Search DAGs…" value={search}
          onInput={(e) => setFilter(path, 'search', e.currentTarget.value || null)} />
        <div class="seg" role="group" aria-label="Paused filter">
          {(['all', 'active', 'paused'] as const).map((p) => (
            <button type="button" key={p} aria-pressed={paused === p} onClick={() => setFilter(path, 'paused', p === 'all' ? null : p)}>{p[0]!.toUpperCase() + p.slice(1)}</button>
          ))}
        </div>
        <div class="tags" role="group" aria-label="Filter by tag">
          {allTags.map((t) => <button type="button" key={t} class={`tag${t.startsWith('repo:') ? ' repo' : ''}`} aria-pressed={tags.includes(t)} onClick={() => toggleTag(t)}>{t}</button>)}
        </div>
      </div>
      {!data && !error && <p class="muted">Loading…</p>}
      {data && (
        <table class="list dags">
          <thead><tr><th scope="col"><span class="sr-only">Active</span></th><th scope="col">DAG</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Recent runs</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {shown.map((d) => (
              <tr key={d.dag_id} class={d.is_paused ? 'paused' : ''}>
                <td><PauseToggle paused={d.is_paused} dagId={d.dag_id} onChange={(p) => setPaused(d.dag_id, p)} denied={noPause} /></td>
                <td>
                  <Link href={`/dags/${enc(d.dag_id)}/grid`} class="dag-link">{d.dag_id}</Link>
                  {d.description && <div class="muted small">{d.description}</div>}
                  <div class="row-tags">{d.tags.map((t) => <button type="button" key={t} class={`tag small${t.startsWith('repo:') ? ' repo' : ''}`} aria-pressed={tags.includes(t)} onClick={() => toggleTag(t)}>{t}</button>)}</div>
                </td>
                <td><code class="sched" title={d.timetable_description ?? ''}>{d.timetable_summary ?? 'None'}</code></td>
                <td>{d.next_dagrun ? <span title={fmtDate(d.next_dagrun)}>{fmtDate(d.next_dagrun)}<div class="muted small">{relative(d.next_dagrun_create_after ?? d.next_dagrun)}</div></span> : <span class="muted">—</span>}</td>
                <td><RecentRuns dag={d} /></td>
                <td class="actions"><button type="button" class="icon" aria-label={`Trigger ${d.dag_id}`} title={noTrigger ?? 'Trigger DAG'} disabled={!!noTrigger} onClick={() => setTrigger(d.dag_id)}>▶</button></td>
              </tr>
            ))}
            {shown.length === 0 && <tr><td colSpan={6} class="empty">{data.dags.length === 0 ? 'No DAGs yet: add a DAG file to the DAG folder and it appears here.' : 'No DAGs match these filters.'}</td></tr>}
          </tbody>
        </table>
      )}
      {trigger && <TriggerDialog dagId={trigger} onClose={() => setTrigger(null)} onTriggered={() => { const id = trigger; setTrigger(null); navigate(`/dags/${enc(id)}/grid`); }} />}
    </section>
  );
}
