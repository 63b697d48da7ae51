/**
 * The grid: the DAG's last runs (columns, oldest left) × its tasks (rows, topological, task groups collapsible),
 * each square in Airflow's state colour. One /ui/grid call loads it; rows are virtualised so a 1,000-task DAG
 * renders as fast as a 10-task one; task-instance events from the WebSocket recolour squares in place, and a new
 * run refetches. Arrow keys move between squares; Enter opens the task instance.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { enc, get } from '../api.ts';
import { useLive, type LiveEvent } from '../live.ts';
import { navigate } from '../router.ts';
import { fmtDate, fmtDuration, between } from '../format.ts';
import { stateColor, stateLabel, summarise } from '../states.ts';
import type { Grid } from '../types.ts';
import { ErrorNote, MiddleEllipsis, useData, useDebounced } from '../components/ui.tsx';
import { RunPanel } from './run-panel.tsx';

const ROW = 22;
const OVERSCAN = 12;

type Line = { kind: 'group'; id: string; label: string; depth: number; tasks: number[] } | { kind: 'task'; index: number; label: string; depth: number };

function buildLines(grid: Grid, collapsed: Set<string>): Line[] {
  const lines: Line[] = [];
  const emitted = new Set<string>();
  const members = new Map<string, number[]>();
  grid.tasks.forEach((t, i) => {
    if (!t.group_id) return;
    const parts = t.group_id.split('.');
    for (let k = 1; k <= parts.length; k++) {
      const g = parts.slice(0, k).join('.');
      (members.get(g) ?? members.set(g, []).get(g)!).push(i);
    }
  });
  grid.tasks.forEach((t, i) => {
    const parts = t.group_id ? t.group_id.split('.') : [];
    let hidden = false;
    for (let k = 1; k <= parts.length && !hidden; k++) {
      const g = parts.slice(0, k).join('.');
      if (!emitted.has(g)) { emitted.add(g); lines.push({ kind: 'group', id: g, label: parts[k - 1]!, depth: k - 1, tasks: members.get(g)! }); }
      if (collapsed.has(g)) hidden = true;
    }
    if (hidden) return;
    const prefix = t.group_id ? `${t.group_id}.` : '';
    lines.push({ kind: 'task', index: i, label: t.task_id.startsWith(prefix) ? t.task_id.slice(prefix.length) : t.task_id, depth: parts.length });
  });
  return lines;
}

function loadCollapsed(dagId: string): Set<string> {
  try { return new Set(JSON.parse(localStorage.getItem(`windsock.collapsed.${dagId}`) ?? '[]') as string[]); } catch { return new Set(); }
}

export function GridView({ dagId }: { dagId: string }) {
  const { data, error, reload, set } = useData(() => get<Grid>(`/ui/grid/${enc(dagId)}?limit=25`), [dagId]);
  const refresh = useDebounced(() => void reload(), 150);
  const [collapsed, setCollapsed] = useState(() => loadCollapsed(dagId));
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  // The run shown beside the grid, by run_id so it stays put as new runs push columns left; null = the latest.
  const [picked, setPicked] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);

  useLive(['ti:queued', 'ti:running', 'ti:finished'], (e: LiveEvent, name: string) => {
    if (e.dagId !== dagId) return;
    const state = name === 'ti:queued' ? 'queued' : name === 'ti:running' ? 'running' : (e.state as string | null | undefined) ?? null;
    set((g) => {
      const r = g.runs.findIndex((x) => x.run_id === e.runId);
      const t = g.tasks.findIndex((x) => x.task_id === e.taskId);
      // A mapped task's cell summarises its instances: the server recounts them.
      if (r < 0 || t < 0 || g.tasks[t]!.mapped) { refresh(); return g; }
      // The run's start (and so its running duration beside the grid) is known once its first task moves.
      if (!g.runs[r]!.start_date) refresh();
      const states = g.states.slice();
      states[t] = states[t]!.slice();
      states[t]![r] = state;
      const tries = g.tries.slice();
      if (typeof e.tryNumber === 'number') { tries[t] = tries[t]!.slice(); tries[t]![r] = e.tryNumber; }
      return { ...g, states, tries };
    });
  }, [dagId, set, refresh]);
  useLive(['dagrun:created', 'dagrun:finished', 'resync'], (e) => { if (!e.dagId || e.dagId === dagId) refresh(); }, [dagId, refresh]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [data !== null]);

  const lines = useMemo(() => (data ? buildLines(data, collapsed) : []), [data, collapsed]);
  const toggle = (g: string) => {
    const next = new Set(collapsed);
    if (next.has(g)) next.delete(g); else next.add(g);
    setCollapsed(next);
    localStorage.setItem(`windsock.collapsed.${dagId}`, JSON.stringify([...next]));
  };

  if (error) return <ErrorNote error={error} />;
  if (!data) return <p class="muted">Loading grid…</p>;
  if (data.tasks.length === 0) return <p class="muted">This DAG has no tasks.</p>;

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const maxDur = Math.max(1, ...data.runs.map((r) => between(r.start_date, r.end_date) ?? 0));
  const selected = data.runs.find((r) => r.run_id === picked) ?? data.runs[data.runs.length - 1];
  const selectedIndex = selected ? data.runs.indexOf(selected) : -1;
  const openTi = (t: number, r: number) => navigate(`/dags/${enc(dagId)}/runs/${enc(data.runs[r]!.run_id)}/tasks/${enc(data.tasks[t]!.task_id)}`);

  const onKey = (e: KeyboardEvent) => {
    const el = e.target as HTMLElement;
    const line = Number(el.dataset.line), r = Number(el.dataset.run);
    if (!Number.isFinite(line)) return;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    let nl = line + m[0];
    while (nl >= 0 && nl < lines.length && lines[nl]!.kind !== 'task') nl += m[0] || 1;
    const nr = Math.min(data.runs.length - 1, Math.max(0, r + m[1]));
    if (nl < 0 || nl >= lines.length) return;
    box.current!.scrollTop = Math.min(box.current!.scrollTop, nl * ROW);
    if ((nl + 1) * ROW > box.current!.scrollTop + box.current!.clientHeight) box.current!.scrollTop = (nl + 1) * ROW - box.current!.clientHeight + 40;
    requestAnimationFrame(() => (box.current!.querySelector(`[data-line="${nl}"][data-run="${nr}"]`) as HTMLElement | null)?.focus());
  };

  return (
    <div class="grid-layout">
    <div class="grid-wrap" data-ready="true" data-runs={data.runs.length} data-tasks={data.tasks.length}>
      <div class="grid-scroll" ref={box} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} onKeyDown={onKey}
>
        <div class="g-head">
          <div class="g-name muted small">{data.runs.length ? `${data.tasks.length} task${data.tasks.length === 1 ? '' : 's'} · last ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}` : 'No runs yet: trigger one'}</div>
          <div class="g-cells">
            {data.runs.map((run) => {
              const dur = between(run.start_date, run.end_date);
              return (
                <button type="button" key={run.run_id} class="run-bar" aria-pressed={run.run_id === selected?.run_id} onClick={() => setPicked(run.run_id)}
                  title={`${run.run_id}\n${stateLabel(run.state)} · ${fmtDate(run.logical_date ?? run.run_after)} · ${fmtDuration(dur)}`}>
                  <i data-state={run.state} style={{ background: stateColor(run.state), height: `${12 + 40 * Math.min(1, (dur ?? 0) / maxDur)}px` }} />
                  <span class="sr-only">run {run.run_id} {stateLabel(run.state)}</span>
                </button>
              );
            })}
          </div>
        </div>
        <div style={{ height: `${first * ROW}px` }} />
        {lines.slice(first, last).map((ln, k) => {
          const li = first + k;
          if (ln.kind === 'group') {
            const open = !collapsed.has(ln.id);
            return (
              <div class="g-row group" key={`g:${ln.id}`}>
                <div class="g-name" style={{ paddingLeft: `${8 + ln.depth * 14}px` }}>
                  <button type="button" class="ghost group-toggle" aria-expanded={open} onClick={() => toggle(ln.id)}>
                    <span aria-hidden="true">{open ? '▾' : '▸'}</span> {ln.label} <span class="muted small">({ln.tasks.length})</span>
                  </button>
                </div>
                <div class="g-cells">
                  {data.runs.map((_, r) => {
                    const s = summarise(ln.tasks.map((t) => data.states[t]![r]!));
                    return <span key={r} class="cell group-cell" data-state={s ?? 'none'} style={{ background: stateColor(s) }} title={`${ln.id}: ${stateLabel(s)}`} />;
                  })}
                </div>
              </div>
            );
          }
          const task = data.tasks[ln.index]!;
          return (
            <div class="g-row" key={`t:${task.task_id}`}>
              <div class="g-name" style={{ paddingLeft: `${22 + ln.depth * 14}px` }}><MiddleEllipsis text={task.mapped ? `${ln.label} [ ]` : ln.label} title={`${task.task_id} (${task.operator}${task.mapped ? ', mapped' : ''})`} /></div>
              <div class="g-cells">
                {data.runs.map((run, r) => {
                  const s = data.states[ln.index]![r]!;
                  const tries = data.tries[ln.index]![r]!;
                  const counts = data.mapped?.[`${ln.index},${r}`];
                  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
                  const summary = counts ? ` · ${total} mapped: ${Object.entries(counts).map(([k, n]) => `${n} ${stateLabel(k === 'none' ? null : k)}`).join(', ')}` : '';
                  return (
                    <button type="button" key={run.run_id} class="cell" data-line={li} data-run={r} data-task={task.task_id} data-state={s ?? 'none'}
                      style={{ background: stateColor(s) }} aria-label={`${task.task_id}, run ${run.run_id}: ${stateLabel(s)}`}
                      title={`${task.task_id} · ${stateLabel(s)}${tries > 1 ? ` · try ${tries}` : ''}${summary}`} onClick={() => openTi(ln.index, r)}
                      {...(counts ? { 'data-mapped': String(total) } : {})}>
                      {tries > 1 && <b class="retry" aria-hidden="true" />}
                      {counts && <i class="map-count" aria-hidden="true">{total}</i>}
                    </button>
                  );
                })}
              </div>
            </div>
          );
        })}
        <div style={{ height: `${(lines.length - last) * ROW}px` }} />
      </div>
      <Legend />
    </div>
    <RunPanel grid={data} index={selectedIndex} onChanged={() => void reload()} />
    </div>
  );
}

export function Legend() {
  const shown = ['success', 'running', 'failed', 'upstream_failed', 'up_for_retry', 'queued', 'scheduled', 'skipped', 'deferred', 'removed', 'restarting'];
  return (
    <ul class="legend" aria-label="State colours">
      {shown.map((s) => <li key={s}><i style={{ background: stateColor(s) }} />{stateLabel(s)}</li>)}
      <li><i class="none" />no status</li>
    </ul>
  );
}
