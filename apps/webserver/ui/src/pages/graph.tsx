/**
 * The graph view: tasks laid out left to right by dagre, task groups drawn as boxes (collapsible into one node),
 * each task outlined in its state colour for the chosen run (the latest by default, following new runs as they
 * start). States change as task-instance events arrive over the WebSocket.
 */
import dagre from '@dagrejs/dagre';
import { useMemo, useState } from 'preact/hooks';
import { enc, get } from '../api.ts';
import { withBase } from '../base.ts';
import { useLive, type LiveEvent } from '../live.ts';
import { navigate, onLinkClick, query } from '../router.ts';
import { stateColor, stateLabel, summarise } from '../states.ts';
import type { Graph } from '../types.ts';
import { ErrorNote, useData, useDebounced } from '../components/ui.tsx';
import { Legend } from './grid.tsx';

interface Laid {
  width: number; height: number;
  groups: { id: string; label: string; x: number; y: number; w: number; h: number }[];
  nodes: { id: string; label: string; sub: string; x: number; y: number; w: number; h: number; group: string | null; collapsed: boolean; tasks: string[] }[];
  edges: { points: { x: number; y: number }[] }[];
}

const LABEL_PX = 7.4, SUB_PX = 6, PAD = 30;

/** Cuts `text` in the middle to at most `max` characters (`transform_cust…partition_07`): names differ at the end. */
export function middle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(2, max - 1), tail = Math.ceil(keep / 2);
  return `${text.slice(0, keep - tail)}…${text.slice(text.length - tail)}`;
}

/** What fits of a node's name and operator in its width (the whole name is in its tooltip). */
function fit(text: string, width: number, px: number): string { return middle(text, Math.floor((width - PAD) / px)); }

function layout(g: Graph, collapsed: Set<string>): Laid {
  const d = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  d.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 48, marginx: 16, marginy: 16 });
  d.setDefaultEdgeLabel(() => ({}));
  // A task is drawn as itself, or as the outermost collapsed group that contains it.
  const rep = new Map<string, string>();
  const hiddenGroups = new Set<string>();
  const members = new Map<string, string[]>();
  for (const t of g.tasks) {
    let r = `t:${t.task_id}`;
    const parts = t.group_id ? t.group_id.split('.') : [];
    for (let k = 1; k <= parts.length; k++) {
      const gid = parts.slice(0, k).join('.');
      (members.get(gid) ?? members.set(gid, []).get(gid)!).push(t.task_id);
      if (r.startsWith('t:') && collapsed.has(gid)) r = `c:${gid}`;
      else if (!r.startsWith('t:')) hiddenGroups.add(gid);
    }
    rep.set(t.task_id, r);
  }
  for (const grp of g.groups) {
    if (hiddenGroups.has(grp.group_id) || collapsed.has(grp.group_id)) continue;
    d.setNode(`g:${grp.group_id}`, { label: grp.group_id });
    if (grp.parent_group_id && !collapsed.has(grp.parent_group_id) && !hiddenGroups.has(grp.parent_group_id)) d.setParent(`g:${grp.group_id}`, `g:${grp.parent_group_id}`);
  }
  // Wide enough for the name and the operator beneath it (the state is the node's colour, and its tooltip).
  const nodeW = (label: string, sub: string) => Math.max(110, Math.min(300, Math.max(label.length * LABEL_PX, sub.length * SUB_PX) + PAD));
  for (const t of g.tasks) {
    const r = rep.get(t.task_id)!;
    if (d.hasNode(r)) continue;
    const group = r.startsWith('c:') ? r.slice(2) : t.group_id;
    const parent = group ? (r.startsWith('c:') ? group.split('.').slice(0, -1).join('.') || null : group) : null;
    const label = r.startsWith('c:') ? r.slice(2).split('.').pop()! : t.group_id && t.task_id.startsWith(`${t.group_id}.`) ? t.task_id.slice(t.group_id.length + 1) : t.task_id;
    const sub = r.startsWith('c:') ? `group · ${members.get(r.slice(2))!.length} tasks` : t.operator;
    d.setNode(r, { width: nodeW(label, sub), height: 38, label });
    if (parent && d.hasNode(`g:${parent}`)) d.setParent(r, `g:${parent}`);
  }
  for (const t of g.tasks) {
    for (const u of t.upstream_task_ids) {
      const a = rep.get(u), b = rep.get(t.task_id)!;
      if (a && a !== b && !d.hasEdge(a, b)) d.setEdge(a, b);
    }
  }
  dagre.layout(d);
  const info = d.graph();
  const out: Laid = { width: (info.width ?? 0) + 2, height: (info.height ?? 0) + 2, groups: [], nodes: [], edges: [] };
  for (const id of d.nodes()) {
    const n = d.node(id) as { x: number; y: number; width: number; height: number; label?: string };
    if (id.startsWith('g:')) {
      out.groups.push({ id: id.slice(2), label: id.slice(2), x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height });
    } else {
      const isGroup = id.startsWith('c:');
      const task = isGroup ? null : g.tasks.find((t) => t.task_id === id.slice(2))!;
      out.nodes.push({
        id, label: n.label ?? id, sub: isGroup ? `group · ${members.get(id.slice(2))!.length} tasks` : task!.operator,
        x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height,
        group: isGroup ? id.slice(2) : null, collapsed: isGroup, tasks: isGroup ? members.get(id.slice(2))! : [id.slice(2)],
      });
    }
  }
  for (const e of d.edges()) out.edges.push({ points: (d.edge(e) as { points: { x: number; y: number }[] }).points });
  return out;
}

export function GraphView({ dagId, path }: { dagId: string; path: string }) {
  const runId = query(path).get('run_id') ?? '';
  const { data, error, reload, set } = useData(() => get<Graph>(`/ui/graph/${enc(dagId)}${runId ? `?run_id=${enc(runId)}` : ''}`), [dagId, runId]);
  const refresh = useDebounced(() => void reload(), 150);
  const [collapsed, setCollapsed] = useState(() => {
    try { return new Set(JSON.parse(localStorage.getItem(`windsock.collapsed.${dagId}`) ?? '[]') as string[]); } catch { return new Set<string>(); }
  });
  useLive(['ti:queued', 'ti:running', 'ti:finished'], (e: LiveEvent, name: string) => {
    if (e.dagId !== dagId) return;
    const state = name === 'ti:queued' ? 'queued' : name === 'ti:running' ? 'running' : (e.state as string | null) ?? null;
    set((g) => (g.run && g.run.run_id === e.runId ? { ...g, states: { ...g.states, [e.taskId as string]: state } } : g));
  }, [dagId, set]);
  useLive(['dagrun:created', 'dagrun:finished', 'resync'], (e) => { if (!e.dagId || e.dagId === dagId) refresh(); }, [dagId, refresh]);
  const laid = useMemo(() => (data ? layout(data, collapsed) : null), [data, collapsed]);

  const toggle = (gid: string) => {
    const next = new Set(collapsed);
    if (next.has(gid)) next.delete(gid); else next.add(gid);
    setCollapsed(next);
    localStorage.setItem(`windsock.collapsed.${dagId}`, JSON.stringify([...next]));
  };

  if (error) return <ErrorNote error={error} />;
  if (!data || !laid) return <p class="muted">Laying out the graph…</p>;
  const base = `/dags/${enc(dagId)}`;
  return (
    <div class="graph-wrap" data-ready="true">
      <div class="toolbar">
        <label>Run <select value={data.run?.run_id ?? ''} onChange={(e) => navigate(`${base}/graph${e.currentTarget.value ? `?run_id=${enc(e.currentTarget.value)}` : ''}`, true)}>
          {data.recent_runs.length === 0 && <option value="">no runs yet</option>}
          {data.recent_runs.map((r) => <option key={r.run_id} value={r.run_id}>{r.run_id} — {stateLabel(r.state)}</option>)}
        </select></label>
        {data.groups.length > 0 && <span class="muted small">Click a group's title to collapse or expand it.</span>}
      </div>
      <div class="graph-scroll">
        <svg width={laid.width} height={laid.height} viewBox={`0 0 ${laid.width} ${laid.height}`} role="img" aria-label={`Graph of ${dagId}`}>
          <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" /></marker></defs>
          {laid.groups.map((g) => (
            <g key={g.id} class="g-group">
              <rect x={g.x} y={g.y} width={g.w} height={g.h} rx={8} />
              <a href="#" role="button" aria-expanded="true" aria-label={`Collapse group ${g.id}`} onClick={(e) => { e.preventDefault(); toggle(g.id); }}>
                <text x={g.x + 8} y={g.y + 14} class="g-label">{fit(`▾ ${g.label}`, g.w + PAD - 16, LABEL_PX)}<title>{g.id}</title></text>
              </a>
            </g>
          ))}
          {laid.edges.map((e, i) => <polyline key={i} class="edge" points={e.points.map((p) => `${p.x},${p.y}`).join(' ')} marker-end="url(#arrow)" />)}
          {laid.nodes.map((n) => {
            const s = n.collapsed ? summarise(n.tasks.map((t) => data.states[t] ?? null)) : data.states[n.tasks[0]!] ?? null;
            const body = (
              <>
                <rect x={n.x} y={n.y} width={n.w} height={n.h} rx={6} class="node" style={{ stroke: s ? stateColor(s) : '#cbd5e1' }} />
                <rect x={n.x} y={n.y} width={6} height={n.h} rx={3} style={{ fill: stateColor(s) }} />
                <text x={n.x + 14} y={n.y + 16} class="n-label">{fit(n.collapsed ? `▸ ${n.label}` : n.label, n.w, LABEL_PX)}</text>
                <text x={n.x + 14} y={n.y + 30} class="n-sub">{fit(n.sub, n.w, SUB_PX)}</text>
                <title>{`${n.collapsed ? n.group : n.tasks[0]}: ${stateLabel(s)}`}</title>
              </>
            );
            if (n.collapsed) {
              return <a key={n.id} href="#" role="button" aria-expanded="false" aria-label={`Expand group ${n.group}: ${stateLabel(s)}`} class="g-node" data-state={s ?? 'none'} onClick={(e) => { e.preventDefault(); toggle(n.group!); }}>{body}</a>;
            }
            const href = data.run ? `${base}/runs/${enc(data.run.run_id)}/tasks/${enc(n.tasks[0]!)}` : `${base}/graph`;
            return <a key={n.id} href={withBase(href)} class="g-node" data-task={n.tasks[0]} data-state={s ?? 'none'} aria-label={`${n.tasks[0]}: ${stateLabel(s)}`} onClick={onLinkClick}>{body}</a>;
          })}
        </svg>
      </div>
      <Legend />
    </div>
  );
}
