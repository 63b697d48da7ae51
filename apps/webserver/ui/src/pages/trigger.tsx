/**
 * Trigger a DAG with conf: a JSON editor that starts from the params' defaults and is checked against the
 * params' schemas as you type (the Trigger button stays disabled while it is invalid), plus optional run id,
 * logical date and note. Sent as POST /api/v2/dags/{dag_id}/dagRuns, which validates again.
 */
import { useMemo, useState } from 'preact/hooks';
import { enc, get, request } from '../api.ts';
import { defaultConf, validateConf } from '../params.ts';
import type { DagMeta } from '../types.ts';
import { Dialog, ErrorNote, useData } from '../components/ui.tsx';

export function TriggerDialog({ dagId, onClose, onTriggered }: { dagId: string; onClose: () => void; onTriggered: (runId: string) => void }) {
  const meta = useData(() => get<DagMeta>(`/ui/dags/${enc(dagId)}`), [dagId]);
  return (
    <Dialog title={`Trigger ${dagId}`} open onClose={onClose}>
      <ErrorNote error={meta.error} />
      {meta.data ? <TriggerForm meta={meta.data} onTriggered={onTriggered} onCancel={onClose} /> : !meta.error && <p class="muted">Loading…</p>}
    </Dialog>
  );
}

function TriggerForm({ meta, onTriggered, onCancel }: { meta: DagMeta; onTriggered: (runId: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(() => JSON.stringify(defaultConf(meta.params), null, 2));
  const [runId, setRunId] = useState('');
  const [logicalDate, setLogicalDate] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { conf, issues } = useMemo(() => validateConf(text, meta.params), [text, meta.params]);
  const names = Object.keys(meta.params);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (issues.length) return;
    setBusy(true); setError(null);
    try {
      const body: Record<string, unknown> = { conf };
      if (runId.trim()) body.dag_run_id = runId.trim();
      // The field is read in UTC, as every time the UI shows (a datetime-local value has no zone of its own).
      if (logicalDate) body.logical_date = new Date(`${logicalDate}Z`).toISOString();
      if (note.trim()) body.note = note.trim();
      const run = await request<{ dag_run_id: string }>('POST', `/api/v2/dags/${enc(meta.dag_id)}/dagRuns`, body);
      onTriggered(run.dag_run_id);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };

  return (
    <form class="trigger" onSubmit={submit}>
      {meta.is_paused && <p class="banner warn">This DAG is paused: the run will be created, but no task starts until it is unpaused.</p>}
      <div class="trigger-cols">
        <label class="editor">Configuration JSON (conf)
          <textarea spellcheck={false} rows={Math.min(18, Math.max(6, text.split('\n').length + 1))} value={text}
            aria-invalid={issues.length > 0} aria-describedby="conf-issues" onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              // Tab indents inside the editor; Escape then Tab leaves it (keyboard users are never trapped).
              if (e.key === 'Tab' && !e.shiftKey && !(e.currentTarget.dataset.escaped === '1')) {
                e.preventDefault();
                const t = e.currentTarget, s = t.selectionStart;
                setText(t.value.slice(0, s) + '  ' + t.value.slice(t.selectionEnd));
                requestAnimationFrame(() => { t.selectionStart = t.selectionEnd = s + 2; });
              }
              e.currentTarget.dataset.escaped = e.key === 'Escape' ? '1' : '0';
              if (e.key === 'Escape') e.stopPropagation();
            }} />
        </label>
        {names.length > 0 && (
          <aside class="params" aria-label="Params">
            <h3>Params</h3>
            <dl>{names.map((n) => {
              const p = meta.params[n]!;
              return (
                <div key={n}>
                  <dt><code>{n}</code> <span class="muted small">{JSON.stringify(p.schema.type ?? 'any')}</span></dt>
                  <dd>{p.description ?? ''}{p.default !== undefined && <span class="muted small"> default {JSON.stringify(p.default)}</span>}</dd>
                </div>
              );
            })}</dl>
          </aside>
        )}
      </div>
      <div id="conf-issues" aria-live="polite">
        {issues.length > 0
          ? <ul class="issues">{issues.map((i) => <li key={i.param + i.message}>{i.param ? <code>{i.param}</code> : null} {i.message}</li>)}</ul>
          : <p class="ok small">✓ conf matches the DAG's params</p>}
      </div>
      <div class="grid3">
        <label>Run id <span class="muted small">(optional)</span><input value={runId} onInput={(e) => setRunId(e.currentTarget.value)} placeholder="manual__…" /></label>
        <label>Logical date <span class="muted small">(UTC, optional)</span><input type="datetime-local" step={1} value={logicalDate} onInput={(e) => setLogicalDate(e.currentTarget.value)} /></label>
        <label>Note <span class="muted small">(optional)</span><input value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
      </div>
      <ErrorNote error={error} />
      <div class="buttons">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" class="primary" disabled={busy || issues.length > 0}>{busy ? 'Triggering…' : 'Trigger'}</button>
      </div>
    </form>
  );
}
