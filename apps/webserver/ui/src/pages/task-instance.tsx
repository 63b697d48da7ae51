/**
 * A task instance: state and actions (clear, mark success, mark failed — through /api/v2), then its log per try
 * with a live tail, its details, rendered templates and XComs. The tail is pushed by the server over the
 * WebSocket (the whole try, then each chunk as it is written); it never polls.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, get, request } from '../api.ts';
import { subscribeLog, useLive } from '../live.ts';
import { navigate, query } from '../router.ts';
import { between, fmtDate, fmtDuration } from '../format.ts';
import type { TiDetails } from '../types.ts';
import { Dialog, ErrorNote, Link, StateBadge, useData, useDebounced, useNow } from '../components/ui.tsx';
import { useDenial } from '../roles.ts';

type Action = 'clear' | 'success' | 'failed';

export function TaskInstancePage({ dagId, runId, taskId, path }: { dagId: string; runId: string; taskId: string; path: string }) {
  const mapParam = query(path).get('map');
  const { data: ti, error, reload } = useData(() => get<TiDetails>(`/ui/ti/${enc(dagId)}/${enc(runId)}/${enc(taskId)}${mapParam !== null ? `?map_index=${enc(mapParam)}` : ''}`), [dagId, runId, taskId, mapParam]);
  const refresh = useDebounced(() => void reload(), 100);
  useLive(['ti:queued', 'ti:running', 'ti:finished', 'resync'], (e) => { if (!e.dagId || (e.dagId === dagId && e.runId === runId && e.taskId === taskId)) refresh(); }, [dagId, runId, taskId, refresh]);
  const [action, setAction] = useState<Action | null>(null);
  const denied = useDenial('edit:task_instance', 'clear or mark task instances');
  const q = query(path);
  const tab = q.get('tab') ?? 'log';
  const base = `/dags/${enc(dagId)}/runs/${enc(runId)}/tasks/${enc(taskId)}`;
  // A mapped instance's tabs stay on that instance.
  const here = ti && ti.map_index >= 0 ? `${base}?map=${ti.map_index}&` : `${base}?`;
  const tryParam = Number(q.get('try'));
  const selectedTry = ti ? (tryParam > 0 ? tryParam : Math.max(1, ti.try_number)) : 0;

  return (
    <section class="page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/dags">DAGs</Link><span aria-hidden="true">/</span><Link href={`/dags/${enc(dagId)}/grid`}>{dagId}</Link>
        <span aria-hidden="true">/</span><Link href={`/dags/${enc(dagId)}/runs/${enc(runId)}`}>{runId}</Link><span aria-hidden="true">/</span><span>{taskId}</span>
      </nav>
      <ErrorNote error={error} />
      {!ti && !error && <p class="muted">Loading the task instance…</p>}
      {ti && (
        <>
          <div class="page-head">
            <h1>{taskId}{ti.map_index >= 0 ? ` [${ti.map_index}]` : ''}</h1><StateBadge state={ti.state} />
            <span class="muted small">try {ti.try_number} of {ti.max_tries + 1} · {ti.operator ?? ''}</span>
            <span class="spacer" />
            <button type="button" disabled={!!denied} title={denied ?? undefined} onClick={() => setAction('clear')}>Clear</button>
            <button type="button" class="success" disabled={!!denied} title={denied ?? undefined} onClick={() => setAction('success')}>Mark success</button>
            <button type="button" class="danger" disabled={!!denied} title={denied ?? undefined} onClick={() => setAction('failed')}>Mark failed</button>
          </div>
          {ti.mapped && ti.mapped.length > 0 && (
            <nav class="seg mapped" aria-label={`Mapped instances (${ti.mapped.length})`}>
              <span class="muted small">{ti.mapped.length} mapped:</span>
              {ti.mapped.map((m) => (
                <Link key={m.map_index} href={`${base}?map=${m.map_index}`} class="map-link" data-state={m.state ?? 'none'}
                  aria-current={m.map_index === ti.map_index ? 'page' : undefined}>[{m.map_index}] {m.state ?? 'no status'}</Link>
              ))}
            </nav>
          )}
          <nav class="tabs" aria-label="Task instance views">
            {[['log', 'Log'], ['details', 'Details'], ['rendered', 'Rendered templates'], ['xcom', `XCom (${ti.xcoms.length})`]].map(([id, label]) => (
              <Link key={id} href={`${here}tab=${id}`} class="tab" aria-current={tab === id ? 'page' : undefined}>{label}</Link>
            ))}
          </nav>
          <div class="tab-body">
            {tab === 'details' ? <Details ti={ti} /> : tab === 'rendered' ? <Rendered ti={ti} /> : tab === 'xcom' ? <XComs ti={ti} /> : (
              <>
                {ti.try_number > 0 && (
                  <div class="seg tries" role="group" aria-label="Try">
                    {Array.from({ length: Math.max(1, ti.try_number) }, (_, i) => i + 1).map((n) => {
                      const t = ti.tries.find((x) => x.try_number === n);
                      return <button type="button" key={n} aria-pressed={n === selectedTry} data-state={t?.state ?? 'none'} onClick={() => navigate(`${here}tab=log&try=${n}`, true)}>Try {n}{t?.state ? ` · ${t.state}` : ''}</button>;
                    })}
                  </div>
                )}
                {ti.try_number === 0 ? <p class="muted">This task instance has not run yet.</p>
                  : <LogTail key={`${ti.id}:${selectedTry}`} tiId={ti.id} tryNumber={selectedTry} fileName={`${ti.dag_id}__${ti.run_id}__${ti.task_id}__try${selectedTry}.log`.replace(/[^\w.+-]+/g, '_')} />}
              </>
            )}
          </div>
          {action && <ActionDialog action={action} ti={ti} onClose={() => setAction(null)} onDone={() => { setAction(null); void reload(); }} />}
        </>
      )}
    </section>
  );
}

interface LogLine { event: string; timestamp: string | null }

/** `12:03:04.120` (UTC) from a line's timestamp, or '' when it has none. */
function clock(ts: string | null): string {
  if (!ts) return '';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(11, 23);
}

/**
 * A try's log, followed live: each line with its time (UTC, hideable), a search that keeps the matching lines, a
 * wrap toggle, and a download of the whole log as text.
 */
function LogTail({ tiId, tryNumber, fileName }: { tiId: string; tryNumber: number; fileName: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [done, setDone] = useState(false);
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(true);
  const [stamps, setStamps] = useState(true);
  const [search, setSearch] = useState('');
  const pre = useRef<HTMLPreElement>(null);
  // Where the shown text ends in the server's log (its `pos`): a message is appended only when it starts there,
  // and one from the start (after a (re)subscription) replaces the text. A late or repeated message changes nothing.
  const pos = useRef(0);
  useEffect(() => { setLines([]); setDone(false); pos.current = 0; return subscribeLog(tiId, tryNumber); }, [tiId, tryNumber]);
  useLive(['log'], (m) => {
    if (m.ti_id !== tiId || m.try_number !== tryNumber) return;
    const from = typeof m.from === 'number' ? m.from : pos.current;
    if (from !== 0 && from !== pos.current) return;
    const add = ((m.lines as { event: string; timestamp?: string | null }[] | undefined) ?? []).map((l) => ({ event: l.event, timestamp: l.timestamp ?? null }));
    if (from === 0) setLines(add); else if (add.length) setLines((t) => [...t, ...add]);
    if (typeof m.pos === 'number') pos.current = m.pos;
    setDone(!!m.end_of_log);
  }, [tiId, tryNumber]);
  const needle = search.toLowerCase();
  const shown = needle ? lines.filter((l) => l.event.toLowerCase().includes(needle)) : lines;
  useEffect(() => { if (follow && !needle && pre.current) pre.current.scrollTop = pre.current.scrollHeight; }, [lines, follow, needle]);

  const download = () => {
    const text = lines.map((l) => (l.timestamp ? `${l.timestamp} ${l.event}` : l.event)).join('\n') + (lines.length ? '\n' : '');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    a.download = fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return (
    <div class="log">
      <div class="toolbar">
        <span class={`tail ${done ? 'done' : 'live'}`} role="status">{done ? `Try ${tryNumber} finished · ${lines.length} lines` : `Following try ${tryNumber} live · ${lines.length} lines`}</span>
        <input type="search" class="log-search" aria-label="Search the log" placeholder="Search the log…" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        {needle && <span class="muted small" role="status">{shown.length} of {lines.length} lines match</span>}
        <span class="spacer" />
        <label class="check"><input type="checkbox" checked={stamps} onChange={(e) => setStamps(e.currentTarget.checked)} /> Timestamps</label>
        <label class="check"><input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.currentTarget.checked)} /> Wrap lines</label>
        <label class="check"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Scroll with new lines</label>
        <button type="button" class="small" onClick={download} disabled={lines.length === 0} title={`Download the whole log as ${fileName}`}>Download</button>
      </div>
      <pre ref={pre} class={`log-text${wrap ? '' : ' nowrap'}`} tabIndex={0} aria-label={`Log of try ${tryNumber}`} data-lines={lines.length}>
        {lines.length === 0 ? (done ? '(empty log)' : 'Waiting for output…')
          : shown.length === 0 ? <span class="muted">No line matches “{search}”.</span>
            : shown.map((l, i) => <span key={i} class="ln">{stamps && l.timestamp ? <time class="ts" dateTime={l.timestamp} title={fmtDate(l.timestamp)}>{clock(l.timestamp)} </time> : null}{l.event}{'\n'}</span>)}
      </pre>
    </div>
  );
}

function Details({ ti }: { ti: TiDetails }) {
  // A running try's duration moves with the clock (the stored one is written when it ends).
  const running = !!ti.start_date && !ti.end_date;
  const now = useNow(running);
  const rows: [string, string][] = [
    ['Task id', ti.task_id], ['Run id', ti.run_id], ['State', ti.state ?? 'no status'], ['Try', `${ti.try_number} of ${ti.max_tries + 1}`],
    ['Operator', ti.operator ?? ''], ['Trigger rule', ti.task?.trigger_rule ?? ''], ['Pool', ti.pool], ['Queue', ti.queue],
    ['Priority weight', String(ti.priority_weight)], ['Started', fmtDate(ti.start_date)], ['Ended', fmtDate(ti.end_date)],
    ['Duration', fmtDuration(running ? between(ti.start_date, null, now) : ti.duration)], ['Host', ti.hostname ?? '—'], ['Note', ti.note ?? '—'],
  ];
  return (
    <div class="two-col">
      <table class="kv"><tbody>{rows.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{v}</td></tr>)}</tbody></table>
      <div>
        <h3>Tries</h3>
        <table class="list small-table">
          <thead><tr><th scope="col">Try</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Host</th></tr></thead>
          <tbody>
            {ti.tries.map((t) => <tr key={t.try_number}><td>{t.try_number}</td><td><StateBadge state={t.state} /></td><td>{fmtDate(t.start_date)}</td><td>{fmtDuration(t.duration)}</td><td>{t.hostname ?? '—'}</td></tr>)}
            {ti.tries.length === 0 && <tr><td colSpan={5} class="empty">No tries yet.</td></tr>}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Rendered({ ti }: { ti: TiDetails }) {
  const fields = ti.rendered_fields ?? {};
  const names = Object.keys(fields);
  if (names.length === 0) return <p class="muted">{ti.try_number === 0 ? 'Templates are rendered when the task runs.' : 'This task has no templated fields.'}</p>;
  return (
    <dl class="rendered">
      {names.map((n) => (
        <div key={n}><dt><code>{n}</code></dt><dd><pre>{typeof fields[n] === 'string' ? fields[n] as string : JSON.stringify(fields[n], null, 2)}</pre></dd></div>
      ))}
    </dl>
  );
}

function XComs({ ti }: { ti: TiDetails }) {
  if (ti.xcoms.length === 0) return <p class="muted">No XComs were pushed.</p>;
  return (
    <table class="list">
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Pushed</th></tr></thead>
      <tbody>{ti.xcoms.map((x) => <tr key={x.key}><td><code>{x.key}</code></td><td><pre class="inline">{JSON.stringify(x.value, null, 2)}</pre></td><td>{fmtDate(x.timestamp)}</td></tr>)}</tbody>
    </table>
  );
}

function ActionDialog({ action, ti, onClose, onDone }: { action: Action; ti: TiDetails; onClose: () => void; onDone: () => void }) {
  const [downstream, setDownstream] = useState(action === 'clear');
  const [upstream, setUpstream] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const title = action === 'clear' ? `Clear ${ti.task_id}` : `Mark ${ti.task_id} as ${action}`;
  const run = async () => {
    setBusy(true); setError(null);
    try {
      const base = `/api/v2/dags/${enc(ti.dag_id)}`;
      if (action === 'clear') {
        await request('POST', `${base}/clearTaskInstances`, {
          dry_run: false, task_ids: [ti.task_id], dag_run_id: ti.run_id, only_failed: false, only_running: false,
          include_downstream: downstream, include_upstream: upstream, reset_dag_runs: true,
        });
      } else {
        // A mapped instance is marked alone (clearing takes every instance of the task, as in Airflow).
        await request('PATCH', `${base}/dagRuns/${enc(ti.run_id)}/taskInstances/${enc(ti.task_id)}${ti.map_index >= 0 ? `/${ti.map_index}` : ''}`, {
          new_state: action, include_downstream: downstream, include_upstream: upstream,
        });
      }
      onDone();
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <Dialog title={title} open onClose={onClose}>
      <p>{action === 'clear'
        ? 'Clearing resets the task instance to no status so the scheduler runs it again (a running one is stopped first).'
        : `The task instance becomes ${action}${ti.state === 'running' ? '; its running process is stopped' : ''}.`}</p>
      <fieldset class="checks"><legend>Also</legend>
        <label class="check"><input type="checkbox" checked={downstream} onChange={(e) => setDownstream(e.currentTarget.checked)} /> downstream tasks</label>
        <label class="check"><input type="checkbox" checked={upstream} onChange={(e) => setUpstream(e.currentTarget.checked)} /> upstream tasks</label>
      </fieldset>
      <ErrorNote error={error} />
      <div class="buttons">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class={action === 'failed' ? 'danger' : 'primary'} disabled={busy} onClick={run}>{busy ? 'Working…' : action === 'clear' ? 'Clear' : `Mark ${action}`}</button>
      </div>
    </Dialog>
  );
}
