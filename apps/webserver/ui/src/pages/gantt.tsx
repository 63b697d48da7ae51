/**
 * A DAG run: its state, conf, and a Gantt chart of its task instances (queued time in a lighter shade, then the
 * run time, on one time axis). Bars of running tasks grow as events arrive; each bar opens its task instance.
 */
import { enc, get } from '../api.ts';
import { useLive } from '../live.ts';
import { fmtDate, fmtDuration, between } from '../format.ts';
import { stateColor, stateLabel } from '../states.ts';
import type { Gantt } from '../types.ts';
import { ErrorNote, Link, MiddleEllipsis, StateBadge, useData, useDebounced, useNow } from '../components/ui.tsx';

export function RunPage({ dagId, runId }: { dagId: string; runId: string }) {
  const { data, error, reload } = useData(() => get<Gantt>(`/ui/gantt/${enc(dagId)}/${enc(runId)}`), [dagId, runId]);
  const refresh = useDebounced(() => void reload(), 200);
  useLive(['ti:queued', 'ti:running', 'ti:finished', 'dagrun:finished', 'resync'], (e) => { if (!e.dagId || (e.dagId === dagId && e.runId === runId)) refresh(); }, [dagId, runId, refresh]);
  const base = `/dags/${enc(dagId)}`;
  // While the run or any of its tasks runs, durations and bars move with the clock, not only with events.
  const running = !!data && ((!!data.start_date && !data.end_date) || data.rows.some((r) => r.start_date && !r.end_date));
  const now = useNow(running);
  return (
    <section class="page">
      <nav class="crumbs" aria-label="Breadcrumb"><Link href="/dags">DAGs</Link><span aria-hidden="true">/</span><Link href={`${base}/grid`}>{dagId}</Link><span aria-hidden="true">/</span><span>{runId}</span></nav>
      <ErrorNote error={error} />
      {!data && !error && <p class="muted">Loading the run…</p>}
      {data && (
        <>
          <div class="page-head"><h1>Run <code>{runId}</code></h1><StateBadge state={data.state} /><span class="spacer" /><Link href={`${base}/graph?run_id=${enc(runId)}`} class="button">Graph of this run</Link></div>
          <dl class="facts">
            <div><dt>Started</dt><dd>{fmtDate(data.start_date)}</dd></div>
            <div><dt>Ended</dt><dd>{fmtDate(data.end_date)}</dd></div>
            <div><dt>Duration</dt><dd data-testid="run-duration">{fmtDuration(between(data.start_date, data.end_date, now))}</dd></div>
            <div><dt>Conf</dt><dd><code class="conf">{JSON.stringify(data.conf)}</code></dd></div>
          </dl>
          <h2>Gantt</h2>
          <GanttChart data={data} base={base} now={now} />
        </>
      )}
    </section>
  );
}

function GanttChart({ data, base, now }: { data: Gantt; base: string; now: number }) {
  const times = data.rows.flatMap((r) => [r.queued_dttm, r.start_date, r.end_date]).filter((t): t is string => !!t).map(Date.parse);
  if (data.start_date) times.push(Date.parse(data.start_date));
  const anyRunning = data.rows.some((r) => r.start_date && !r.end_date);
  if (anyRunning || (data.start_date && !data.end_date)) times.push(now);
  if (times.length === 0) return <p class="muted">No task has started yet.</p>;
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 1000);
  const pct = (iso: string | null, fallback: number) => ((iso ? Date.parse(iso) : fallback) - t0) / (t1 - t0) * 100;
  const ticks = Array.from({ length: 5 }, (_, i) => i / 4);
  return (
    <div class="gantt" role="table" aria-label="Task instances over time">
      <div class="gantt-row axis" role="row">
        <span role="columnheader" class="gantt-name">Task</span>
        <span role="columnheader" class="gantt-track">{ticks.map((f) => <span key={f} class={`tick${f === 1 ? ' last' : ''}`} style={{ left: `${f * 100}%` }}>{fmtDuration((t1 - t0) * f / 1000)}</span>)}</span>
      </div>
      {data.rows.map((r) => {
        const qs = r.queued_dttm ? pct(r.queued_dttm, t0) : null;
        const s = r.start_date ? pct(r.start_date, t0) : null;
        const e = pct(r.end_date, now);
        const dur = between(r.start_date, r.end_date, now);
        return (
          <div class="gantt-row" role="row" key={r.task_id}>
            <span role="cell" class="gantt-name"><Link href={`${base}/runs/${enc(data.run_id)}/tasks/${enc(r.task_id)}`} aria-label={r.task_id}><MiddleEllipsis text={r.task_id} /></Link></span>
            <span role="cell" class="gantt-track" data-task={r.task_id} data-duration={dur ?? ''} title={`${r.task_id}: ${stateLabel(r.state)} · ${fmtDuration(dur)}${r.try_number > 1 ? ` · try ${r.try_number}` : ''}`}>
              {qs !== null && s !== null && s > qs && <i class="queued" style={{ left: `${qs}%`, width: `${s - qs}%` }} />}
              {s !== null && <i class="bar" data-state={r.state ?? 'none'} style={{ left: `${s}%`, width: `${Math.max(0.4, e - s)}%`, background: stateColor(r.state) }} />}
              {s === null && <span class="muted small waiting">{stateLabel(r.state)}</span>}
            </span>
          </div>
        );
      })}
    </div>
  );
}
