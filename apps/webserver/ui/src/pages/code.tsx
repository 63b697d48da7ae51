/** The DAG's source as the DAG processor last read it (dag_code), with line numbers and light Python colouring. */
import type { ComponentChildren } from 'preact';
import { enc, get } from '../api.ts';
import { ErrorNote, useData } from '../components/ui.tsx';

const TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|\b(def|class|import|from|as|with|return|if|elif|else|for|in|not|and|or|is|None|True|False|lambda|try|except|finally|raise|yield|async|await|pass)\b|(@[\w.]+)/g;

function highlight(src: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of src.matchAll(TOKEN)) {
    if (m.index! > last) out.push(src.slice(last, m.index));
    const cls = m[1] ? 'c' : m[2] ? 's' : m[3] ? 'k' : 'd';
    out.push(<span class={`tk-${cls}`}>{m[0]}</span>);
    last = m.index! + m[0].length;
  }
  out.push(src.slice(last));
  return out;
}

export function CodeView({ dagId }: { dagId: string }) {
  const { data, error } = useData(() => get<{ fileloc: string; content: string | null }>(`/ui/source/${enc(dagId)}`), [dagId]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p class="muted">Loading…</p>;
  if (data.content == null) return <p class="muted">No source stored for <code>{data.fileloc}</code>.</p>;
  const lines = data.content.split('\n').length;
  const isPy = data.fileloc.endsWith('.py');
  return (
    <figure class="code">
      <figcaption><code>{data.fileloc}</code></figcaption>
      <div class="code-body" tabIndex={0} aria-label={`Source of ${data.fileloc}`}>
        <pre class="gutter" aria-hidden="true">{Array.from({ length: lines }, (_, i) => i + 1).join('\n')}</pre>
        <pre class="src">{isPy ? highlight(data.content) : data.content}</pre>
      </div>
    </figure>
  );
}
