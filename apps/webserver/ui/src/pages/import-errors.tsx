/**
 * DAG files that failed to import, each with its whole traceback (from `/api/v2/importErrors`), newest parse
 * first, with a filter on the file name. Refreshed when the DAG processor reports a change (pushed, not polled).
 */
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { useLive } from '../live.ts';
import { fmtDate, relative } from '../format.ts';
import type { ImportErrorFull } from '../types.ts';
import { ErrorNote, Link, MiddleEllipsis, useData, useDebounced } from '../components/ui.tsx';

export function ImportErrorsPage() {
  const { data, error, reload } = useData(() => get<{ import_errors: ImportErrorFull[]; total_entries: number }>('/api/v2/importErrors?limit=1000&order_by=filename'), []);
  const refresh = useDebounced(() => void reload(), 300);
  useLive(['dags:changed', 'resync'], refresh, [refresh]);
  const [filter, setFilter] = useState('');
  const shown = (data?.import_errors ?? []).filter((e) => !filter || e.filename.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section class="page import-errors">
      <nav class="crumbs" aria-label="Breadcrumb"><Link href="/dags">DAGs</Link><span aria-hidden="true">/</span><span>Import errors</span></nav>
      <div class="page-head"><h1>Import errors</h1>{data && <span class="muted">{data.total_entries} file{data.total_entries === 1 ? '' : 's'}</span>}</div>
      <ErrorNote error={error} />
      {error ? <p><button type="button" onClick={() => void reload()}>Try again</button></p> : null}
      {!data && !error && <p class="muted loading" role="status">Loading the import errors…</p>}
      {data && data.import_errors.length > 0 && (
        <div class="filters" role="search">
          <input type="search" aria-label="Filter by file name" placeholder="Filter by file name…" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </div>
      )}
      {data && data.import_errors.length === 0 && <p class="empty-state">No import errors: every DAG file imported.</p>}
      {data && data.import_errors.length > 0 && shown.length === 0 && <p class="empty-state">No file names match “{filter}”.</p>}
      {shown.map((e) => (
        <article key={e.import_error_id} class="import-error" aria-label={e.filename}>
          <header>
            <h2><MiddleEllipsis text={e.filename} tail={28} /></h2>
            <span class="muted small" title={fmtDate(e.timestamp)}>parsed {relative(e.timestamp)} · {fmtDate(e.timestamp)}</span>
          </header>
          <pre class="traceback" tabIndex={0} aria-label={`Traceback of ${e.filename}`}>{e.stack_trace}</pre>
        </article>
      ))}
    </section>
  );
}
