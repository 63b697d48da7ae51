/**
 * Beside the grid: the selected run (the latest unless a run's bar was clicked) with its timing, how many of its
 * tasks are in each state, and run-level actions through /api/v2 (clear the run, mark it success or failed).
 */
import { useState } from 'preact/hooks';
import { enc, request } from '../api.ts';
import { fmtDate, fmtDuration, between } from '../format.ts';
import { stateColor, stateLabel } from '../states.ts';
import type { Grid } from '../types.ts';
import { ErrorNote, Link, MiddleEllipsis, StateBadge, useNow } from '../components/ui.tsx';
import { useDenial } from '../roles.ts';

export function RunPanel({ grid, index, onChanged }: { grid: Grid; index: number; onChanged: () => void }) {
  const run = grid.runs[index];
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const denied = useDenial('edit:dag_run', 'clear or mark DAG runs');
  // A running run's duration moves with the clock.
  const now = useNow(!!run?.start_date && !run.end_date);
  if (!run) return <aside class="run-panel" aria-label="Run"><p class="muted">No runs yet. Trigger one to see its tasks fill in here.</p></aside>;
  const counts = new Map<string, number>();
  for (const row of grid.states) { const s = row[index] ?? 'none'; counts.set(s, (counts.get(s) ?? 0) + 1); }
  const base = `/api/v2/dags/${enc(grid.dag_id)}/dagRuns/${enc(run.run_id)}`;
  const act = async (what: 'clear' | 'success' | 'failed') => {
    const label = what === 'clear' ? 'Clear every task of this run so it runs again?' : `Mark this run ${what}?`;
    if (!confirm(label)) return;
    setBusy(true); setError(null);
    try {
      if (what === 'clear') await request('POST', `${base}/clear`, { dry_run: false, only_failed: false });
      else await request('PATCH', base, { state: what });
      onChanged();
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <aside class="run-panel" aria-label="Selected run">
      <div class="run-panel-head"><StateBadge state={run.state} /><span class="muted small">{run.run_type}</span></div>
      <h2 class="run-id"><MiddleEllipsis text={run.run_id} tail={20} /></h2>
      <dl class="rows">
        {run.logical_date ? <div><dt>Logical date</dt><dd>{fmtDate(run.logical_date)}</dd></div> : <div><dt>Run after</dt><dd>{fmtDate(run.run_after)}</dd></div>}
        <div><dt>Started</dt><dd>{fmtDate(run.start_date)}</dd></div>
        <div><dt>Duration</dt><dd data-testid="run-duration">{fmtDuration(between(run.start_date, run.end_date, now))}</dd></div>
        {run.bundle_version && <div><dt>Commit</dt><dd><code title={run.bundle_version} data-testid="run-commit">{run.bundle_version.slice(0, 12)}</code></dd></div>}
        {run.note && <div><dt>Note</dt><dd>{run.note}</dd></div>}
      </dl>
      <ul class="counts" aria-label="Task states in this run">
        {[...counts].sort((a, b) => b[1] - a[1]).map(([s, n]) => (
          <li key={s}><i style={{ background: stateColor(s === 'none' ? null : s) }} />{stateLabel(s === 'none' ? null : s)}<b>{n}</b></li>
        ))}
      </ul>
      <div class="panel-links">
        <Link href={`/dags/${enc(grid.dag_id)}/runs/${enc(run.run_id)}`} class="button">Gantt &amp; conf</Link>
        <Link href={`/dags/${enc(grid.dag_id)}/graph?run_id=${enc(run.run_id)}`} class="button">Graph</Link>
      </div>
      <div class="panel-actions">
        <button type="button" disabled={busy || !!denied} title={denied ?? undefined} onClick={() => act('clear')}>Clear run</button>
        <span class="muted small">Mark</span>
        <button type="button" class="success" disabled={busy || !!denied} title={denied ?? undefined} aria-label="Mark run success" onClick={() => act('success')}>success</button>
        <button type="button" class="danger" disabled={busy || !!denied} title={denied ?? undefined} aria-label="Mark run failed" onClick={() => act('failed')}>failed</button>
      </div>
      <ErrorNote error={error} />
    </aside>
  );
}
