/** One DAG: its header (pause, trigger, schedule, tags) and the Grid / Graph / Details / Code tabs. */
import { useState } from 'preact/hooks';
import { ApiError, enc, get, request } from '../api.ts';
import { useLive } from '../live.ts';
import { navigate } from '../router.ts';
import { fmtDate } from '../format.ts';
import type { DagMeta } from '../types.ts';
import { ErrorNote, Link, PauseToggle, useData } from '../components/ui.tsx';
import { useMe, denial } from '../roles.ts';
import { GridView } from './grid.tsx';
import { GraphView } from './graph.tsx';
import { CodeView } from './code.tsx';
import { DetailsView } from './dag-details.tsx';
import { TriggerDialog } from './trigger.tsx';

const TABS = [['grid', 'Grid'], ['graph', 'Graph'], ['details', 'Details'], ['code', 'Code']] as const;

export function DagPage({ dagId, tab, path }: { dagId: string; tab: string; path: string }) {
  const meta = useData(() => get<DagMeta>(`/ui/dags/${enc(dagId)}`), [dagId]);
  useLive(['dags:changed'], (e) => { if (!Array.isArray(e.dagIds) || (e.dagIds as string[]).includes(dagId)) void meta.reload(); }, [dagId]);
  const [triggering, setTriggering] = useState(false);
  const me = useMe();
  const m = meta.data;
  // A DAG that is not there: one message, not one per tab asking again.
  if (meta.error instanceof ApiError && meta.error.status === 404) {
    return (
      <section class="page dag-page">
        <nav class="crumbs" aria-label="Breadcrumb"><Link href="/dags">DAGs</Link><span aria-hidden="true">/</span><span>{dagId}</span></nav>
        <h1>DAG not found</h1>
        <ErrorNote error={meta.error} />
        <p><Link href="/dags">Back to the DAGs</Link></p>
      </section>
    );
  }
  const noTrigger = denial(me, 'create:dag_run', 'trigger DAGs');
  const setPaused = async (p: boolean) => {
    await request('PATCH', `/api/v2/dags/${enc(dagId)}`, { is_paused: p });
    meta.set((d) => ({ ...d, is_paused: p }));
  };
  return (
    <section class="page dag-page">
      <nav class="crumbs" aria-label="Breadcrumb"><Link href="/dags">DAGs</Link><span aria-hidden="true">/</span><span>{dagId}</span></nav>
      <div class="page-head">
        {m && <PauseToggle paused={m.is_paused} dagId={dagId} onChange={setPaused} denied={denial(me, 'edit:dag', 'pause or unpause DAGs')} />}
        <h1>{dagId}</h1>
        {m?.tags.map((t) => <Link key={t} href={`/dags?tags=${enc(t)}`} class={`tag small${t.startsWith('repo:') ? ' repo' : ''}`}>{t}</Link>)}
        <span class="spacer" />
        {m && <span class="muted small">Schedule <code>{m.timetable_summary ?? 'None'}</code>{m.next_dagrun && <> · next {fmtDate(m.next_dagrun)}</>}</span>}
        <button type="button" class="primary" disabled={!!noTrigger} title={noTrigger ?? undefined} onClick={() => setTriggering(true)}>▶ Trigger</button>
      </div>
      {m?.description && <p class="muted">{m.description}</p>}
      <ErrorNote error={meta.error} />
      <nav class="tabs" aria-label="DAG views">
        {TABS.map(([id, label]) => (
          <Link key={id} href={`/dags/${enc(dagId)}/${id}`} aria-current={tab === id ? 'page' : undefined} class="tab">{label}</Link>
        ))}
      </nav>
      <div class="tab-body">
        {tab === 'graph' ? <GraphView dagId={dagId} path={path} /> : tab === 'details' ? <DetailsView meta={m} /> : tab === 'code' ? <CodeView dagId={dagId} /> : <GridView dagId={dagId} />}
      </div>
      {triggering && <TriggerDialog dagId={dagId} onClose={() => setTriggering(false)} onTriggered={() => { setTriggering(false); navigate(`/dags/${enc(dagId)}/grid`); }} />}
    </section>
  );
}
