/**
 * The DAG list: search, tag filter (repo: tags first, since DAGs come from several repositories), paused filter,
 * sorting (dag id, owner, last run, next run) and pages of 25/50/100, all done by the server (`/ui/dags`), so a
 * thousand DAGs cost one page of rows. Each row: pause switch, name (cut in the middle), owner, schedule, next run,
 * last run, its runs counted by state (as Airflow's "Runs" column) and its latest runs. Filters, sort and page
 * live in the URL, so a view can be bookmarked and shared. Runs starting or finishing refresh the page (pushed,
 * not polled). DAG files that failed to import are a banner linking to their tracebacks.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, get, request } from '../api.ts';
import { useLive } from '../live.ts';
import { navigate, query } from '../router.ts';
import { fmtDate, relative } from '../format.ts';
import { stateColor, stateLabel } from '../states.ts';
import type { DagList, DagListEntry } from '../types.ts';
import { ErrorNote, Link, MiddleEllipsis, PauseToggle, useData, useDebounced } from '../components/ui.tsx';
import { TriggerDialog } from './trigger.tsx';
import { denial, useMe } from '../roles.ts';

export const PAGE_SIZES = [25, 50, 100] as const;
/** The run states counted on each row, in Airflow's order; others (up_for_retry, …) follow when present. */
const COUNTED = ['queued', 'running', 'success', 'failed'] as const;
type Sort = 'dag_id' | 'owners' | 'next_run' | 'last_run';

/** The list's address with one setting changed; any change but the page's goes back to page 1. */
function withParam(path: string, changes: Record<string, string | null>): string {
  const q = query(path);
  for (const [k, v] of Object.entries(changes)) { if (v) q.set(k, v); else q.delete(k); }
  if (!('page' in changes)) q.delete('page');
  const s = q.toString();
  return `/dags${s ? `?${s}` : ''}`;
}
const setParam = (path: string, changes: Record<string, string | null>) => navigate(withParam(path, changes), true);

function ImportErrorsBanner({ errors }: { errors: DagList['import_errors'] }) {
  if (errors.length === 0) return null;
  return (
    <details class="banner danger">
      <summary><strong>{errors.length} DAG file{errors.length > 1 ? 's' : ''} could not be imported.</strong> Show details</summary>
      <ul>{errors.map((e) => <li key={e.filename}><code>{e.filename}{e.line ? `:${e.line}` : ''}</code> <span>{e.message}</span></li>)}</ul>
      <p><Link href="/import-errors">See the full tracebacks</Link></p>
    </details>
  );
}

/** DAG sources that cannot be synced: their DAGs stay at the last good commit until the source answers again. */
function SourceErrorsBanner({ errors }: { errors: NonNullable<DagList['source_errors']> }) {
  if (errors.length === 0) return null;
  return (
    <div class="banner warn" role="status" data-testid="source-errors">
      <strong>{errors.length} DAG source{errors.length > 1 ? 's' : ''} cannot be synced;</strong> {errors.length > 1 ? 'they serve' : 'it serves'} the last good commit.
      <ul>{errors.map((e) => <li key={e.name}><code>repo:{e.name}</code>{e.commit ? <> at <code>{e.commit.slice(0, 12)}</code></> : null}: <span>{e.error}</span></li>)}</ul>
    </div>
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

/** Runs by state, like Airflow's "Runs" column: a coloured circle per state with its count (none shown at 0). */
export function RunCounts({ counts }: { counts: Record<string, number> }) {
  const states = [...COUNTED, ...Object.keys(counts).filter((s) => !(COUNTED as readonly string[]).includes(s)).sort()];
  const shown = states.filter((s) => (counts[s] ?? 0) > 0);
  if (shown.length === 0) return <span class="muted">—</span>;
  return (
    <span class="run-counts">
      {shown.map((s) => (
        <span key={s} class="run-count" data-state={s} title={`${counts[s]} ${stateLabel(s)} run${counts[s] === 1 ? '' : 's'}`}
          style={{ borderColor: stateColor(s) }}>
          {counts[s]}<span class="sr-only"> {stateLabel(s)}</span>
        </span>
      ))}
    </span>
  );
}

function SortHeader({ path, sort, id, label }: { path: string; sort: string; id: Sort; label: string }) {
  const desc = sort === `-${id}`, asc = sort === id;
  const next = asc ? `-${id}` : id;
  return (
    <th scope="col" aria-sort={asc ? 'ascending' : desc ? 'descending' : 'none'}>
      <button type="button" class="sort" onClick={() => setParam(path, { sort: next === 'dag_id' ? null : next })}
        title={`Sort by ${label.toLowerCase()}${asc ? ', descending' : ''}`}>
        {label}<span aria-hidden="true" class="arrow">{asc ? '▲' : desc ? '▼' : '↕'}</span>
      </button>
    </th>
  );
}

/** Page numbers around the current one, with the first and last: 1 … 4 5 [6] 7 8 … 40. */
function pageList(page: number, pages: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let p = 1; p <= pages; p++) {
    if (p === 1 || p === pages || Math.abs(p - page) <= 2) out.push(p);
    else if (out[out.length - 1] !== null) out.push(null);
  }
  return out;
}

function Pager({ path, page, pages, size, total, offset, shown }: { path: string; page: number; pages: number; size: number; total: number; offset: number; shown: number }) {
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted">{total === 0 ? 'No DAGs' : `${offset + 1}–${offset + shown} of ${total}`}</span>
      <span class="spacer" />
      <button type="button" class="small" disabled={page <= 1} onClick={() => setParam(path, { page: page - 1 > 1 ? String(page - 1) : null })}>‹ Previous</button>
      {pageList(page, pages).map((p, i) => p === null
        ? <span key={`gap${i}`} class="muted" aria-hidden="true">…</span>
        : <button type="button" key={p} class="small page-no" aria-current={p === page ? 'page' : undefined} aria-label={`Page ${p}`}
          onClick={() => setParam(path, { page: p > 1 ? String(p) : null })}>{p}</button>)}
      <button type="button" class="small" disabled={page >= pages} onClick={() => setParam(path, { page: String(page + 1) })}>Next ›</button>
      <label class="check">Per page
        <select value={String(size)} onChange={(e) => setParam(path, { size: e.currentTarget.value === '25' ? null : e.currentTarget.value })}>
          {PAGE_SIZES.map((s) => <option key={s} value={String(s)}>{s}</option>)}
        </select>
      </label>
    </nav>
  );
}

/** The search box: typing waits for a pause before it asks the server. */
function SearchBox({ path, value }: { path: string; value: string }) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => { if (!timer.current) setText(value); }, [value]);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  return (
    <input type="search" aria-label="Search DAGs" placeholder="Search DAGs…" value={text}
      onInput={(e) => {
        const v = e.currentTarget.value;
        setText(v);
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => { timer.current = null; setParam(path, { search: v || null }); }, 200);
      }} />
  );
}

export function DagListPage({ path }: { path: string }) {
  const q = query(path);
  const search = q.get('search') ?? '';
  const tags = (q.get('tags') ?? '').split(',').filter(Boolean);
  const paused = q.get('paused') ?? 'all';
  const sort = q.get('sort') ?? 'dag_id';
  const size = PAGE_SIZES.includes(Number(q.get('size')) as 25) ? Number(q.get('size')) : 25;
  const page = Math.max(1, Math.floor(Number(q.get('page') ?? 1)) || 1);
  // Only what differs from the defaults goes on the request (the plain `/ui/dags` is the first page by dag id).
  const params = new URLSearchParams();
  if (search) params.set('search', search);
  if (tags.length) params.set('tags', tags.join(','));
  if (paused !== 'all') params.set('paused', paused);
  if (sort !== 'dag_id') params.set('order_by', sort);
  if (size !== 25) params.set('limit', String(size));
  if (page > 1) params.set('offset', String((page - 1) * size));
  const key = params.toString();
  const { data, error, loading, reload, set } = useData(() => get<DagList>(`/ui/dags${key ? `?${key}` : ''}`), [key], { keepPrevious: true });
  const refresh = useDebounced(() => void reload(), 300);
  useLive(['dagrun:created', 'dagrun:finished', 'dags:changed', 'resync'], refresh, [refresh]);
  const [trigger, setTrigger] = useState<string | null>(null);
  const me = useMe();
  const noPause = denial(me, 'edit:dag', 'pause or unpause DAGs');
  const noTrigger = denial(me, 'create:dag_run', 'trigger DAGs');
  const pages = data ? Math.max(1, Math.ceil(data.total_entries / size)) : 1;
  // A page past the end (DAGs went away, or a stale link) shows the last one.
  useEffect(() => { if (data && page > pages) setParam(path, { page: pages > 1 ? String(pages) : null }); }, [data, page, pages]);

  const toggleTag = (t: string) => setParam(path, { tags: (tags.includes(t) ? tags.filter((x) => x !== t) : [...tags, t]).join(',') || null });
  const setPaused = async (dagId: string, p: boolean) => {
    await request('PATCH', `/api/v2/dags/${enc(dagId)}`, { is_paused: p });
    set((d) => ({ ...d, dags: d.dags.map((x) => (x.dag_id === dagId ? { ...x, is_paused: p } : x)) }));
  };

  return (
    <section class="page">
      <div class="page-head"><h1>DAGs</h1>{data && <span class="muted">{data.total_entries} of {data.all_entries}</span>}
        <span class="spacer" /><Link href="/import-errors" class="small">Import errors{data && data.import_errors.length > 0 ? ` (${data.import_errors.length})` : ''}</Link></div>
      {data && <SourceErrorsBanner errors={data.source_errors ?? []} />}
      {data && <ImportErrorsBanner errors={data.import_errors} />}
      <div class="filters" role="search">
        <SearchBox path={path} value={search} />
        <div class="seg" role="group" aria-label="Paused filter">
          {(['all', 'active', 'paused'] as const).map((p) => (
            <button type="button" key={p} aria-pressed={paused === p} onClick={() => setParam(path, { paused: p === 'all' ? null : p })}>{p[0]!.toUpperCase() + p.slice(1)}</button>
          ))}
        </div>
        <div class="tags" role="group" aria-label="Filter by tag">
          {(data?.all_tags ?? tags).map((t) => <button type="button" key={t} class={`tag${t.startsWith('repo:') ? ' repo' : ''}`} aria-pressed={tags.includes(t)} onClick={() => toggleTag(t)}>{t}</button>)}
        </div>
      </div>
      <ErrorNote error={error} />
      {error && <p><button type="button" onClick={() => void reload()}>Try again</button></p>}
      {!data && !error && <p class="muted loading" role="status">Loading the DAGs…</p>}
      {data && (
        <>
          <table class="list dags" data-ready="" aria-busy={loading}>
            <thead><tr>
              <th scope="col"><span class="sr-only">Active</span></th>
              <SortHeader path={path} sort={sort} id="dag_id" label="DAG" />
              <SortHeader path={path} sort={sort} id="owners" label="Owner" />
              <th scope="col">Runs</th>
              <th scope="col">Schedule</th>
              <SortHeader path={path} sort={sort} id="last_run" label="Last run" />
              <SortHeader path={path} sort={sort} id="next_run" label="Next run" />
              <th scope="col">Recent runs</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr></thead>
            <tbody>
              {data.dags.map((d) => (
                <tr key={d.dag_id} class={d.is_paused ? 'paused' : ''} data-dag={d.dag_id}>
                  <td><PauseToggle paused={d.is_paused} dagId={d.dag_id} onChange={(p) => setPaused(d.dag_id, p)} denied={noPause} /></td>
                  <td class="dag-cell">
                    <Link href={`/dags/${enc(d.dag_id)}/grid`} class="dag-link"><MiddleEllipsis text={d.dag_id} /></Link>
                    {d.description && <div class="muted small desc" title={d.description}>{d.description}</div>}
                    <div class="row-tags">{d.tags.map((t) => <button type="button" key={t} class={`tag small${t.startsWith('repo:') ? ' repo' : ''}`} aria-pressed={tags.includes(t)} onClick={() => toggleTag(t)}>{t}</button>)}</div>
                  </td>
                  <td class="owner">{d.owners ? <MiddleEllipsis text={d.owners} tail={6} /> : <span class="muted">—</span>}</td>
                  <td><RunCounts counts={d.run_counts} /></td>
                  <td><code class="sched" title={d.timetable_description ?? ''}>{d.timetable_summary ?? 'None'}</code></td>
                  <td class="last-run when">{d.last_run
                    ? <><Link href={`/dags/${enc(d.dag_id)}/runs/${enc(d.last_run.run_id)}`} title={`${d.last_run.run_id}: ${stateLabel(d.last_run.state)}`}>
                      <i class="dot" style={{ background: stateColor(d.last_run.state) }} data-state={d.last_run.state} />{relative(d.last_run.run_after)}</Link>
                    <div class="muted small">{fmtDate(d.last_run.run_after)}</div></>
                    : <span class="muted">never</span>}</td>
                  <td class="when">{d.next_dagrun ? <span title={fmtDate(d.next_dagrun)}>{relative(d.next_dagrun_create_after ?? d.next_dagrun)}<div class="muted small">{fmtDate(d.next_dagrun)}</div></span> : <span class="muted">—</span>}</td>
                  <td><RecentRuns dag={d} /></td>
                  <td class="actions"><button type="button" class="icon" aria-label={`Trigger ${d.dag_id}`} title={noTrigger ?? 'Trigger DAG'} disabled={!!noTrigger} onClick={() => setTrigger(d.dag_id)}>▶</button></td>
                </tr>
              ))}
              {data.dags.length === 0 && <tr><td colSpan={9} class="empty">{data.all_entries === 0 ? 'No DAGs yet: add a DAG file to the DAG folder and it appears here.' : 'No DAGs match these filters.'}</td></tr>}
            </tbody>
          </table>
          <Pager path={path} page={Math.min(page, pages)} pages={pages} size={size} total={data.total_entries} offset={data.offset} shown={data.dags.length} />
        </>
      )}
      {trigger && <TriggerDialog dagId={trigger} onClose={() => setTrigger(null)} onTriggered={() => { const id = trigger; setTrigger(null); navigate(`/dags/${enc(id)}/grid`); }} />}
    </section>
  );
}
