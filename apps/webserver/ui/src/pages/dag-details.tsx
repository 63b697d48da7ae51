/**
 * A DAG's details: owner, schedule (and what it means), next run, file and when it was last parsed, tags, task
 * count, its params (default, description, type) and its `doc_md`, rendered as sanitised Markdown.
 */
import { enc } from '../api.ts';
import { fmtDate, relative } from '../format.ts';
import type { DagMeta } from '../types.ts';
import { Link, MiddleEllipsis } from '../components/ui.tsx';
import { Markdown } from '../components/markdown.tsx';

function paramType(schema: Record<string, unknown>): string {
  const t = schema.type;
  return Array.isArray(t) ? t.join(' | ') : typeof t === 'string' ? t : '—';
}

export function DetailsView({ meta }: { meta: DagMeta | null }) {
  if (!meta) return <p class="muted loading" role="status">Loading the DAG's details…</p>;
  const params = Object.entries(meta.params ?? {});
  return (
    <div class="details">
      <dl class="facts dag-facts">
        <div><dt>Owner</dt><dd>{meta.owners.length ? meta.owners.join(', ') : <span class="muted">—</span>}</dd></div>
        <div><dt>Schedule</dt><dd><code class="sched">{meta.timetable_summary ?? 'None'}</code>{meta.timetable_description && <span class="muted small"> {meta.timetable_description}</span>}</dd></div>
        <div><dt>Next run</dt><dd>{meta.next_dagrun ? <>{fmtDate(meta.next_dagrun)} <span class="muted small">{relative(meta.next_dagrun)}</span></> : <span class="muted">—</span>}</dd></div>
        <div><dt>File</dt><dd><Link href={`/dags/${enc(meta.dag_id)}/code`}><MiddleEllipsis text={meta.fileloc} tail={24} /></Link></dd></div>
        <div><dt>Last parsed</dt><dd>{meta.last_parsed_time ? <>{fmtDate(meta.last_parsed_time)} <span class="muted small">{relative(meta.last_parsed_time)}</span></> : <span class="muted">never</span>}</dd></div>
        <div><dt>Tags</dt><dd>{meta.tags.length ? <span class="row-tags">{meta.tags.map((t) => <Link key={t} href={`/dags?tags=${enc(t)}`} class={`tag small${t.startsWith('repo:') ? ' repo' : ''}`}>{t}</Link>)}</span> : <span class="muted">none</span>}</dd></div>
        <div><dt>Tasks</dt><dd>{meta.task_count}</dd></div>
        <div><dt>Paused</dt><dd>{meta.is_paused ? 'yes' : 'no'}</dd></div>
      </dl>
      <h2>Params</h2>
      {params.length === 0 ? <p class="muted">This DAG has no params.</p> : (
        <table class="list params-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Default</th><th scope="col">Description</th></tr></thead>
          <tbody>{params.map(([name, p]) => (
            <tr key={name}><td><code>{name}</code></td><td>{paramType(p.schema)}</td><td><code class="conf">{JSON.stringify(p.default)}</code></td><td>{p.description ?? <span class="muted">—</span>}</td></tr>
          ))}</tbody>
        </table>
      )}
      <h2>Documentation</h2>
      {meta.doc_md ? <Markdown source={meta.doc_md} class="doc-md" /> : <p class="muted">This DAG has no <code>doc_md</code>.</p>}
    </div>
  );
}
