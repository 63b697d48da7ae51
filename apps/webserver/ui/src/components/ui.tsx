/** Small shared pieces: links, state badges, the pause switch, a modal dialog, and a data-loading hook. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { withBase } from '../base.ts';
import { onLinkClick } from '../router.ts';
import { stateColor, stateLabel } from '../states.ts';
import { notify } from './notices.tsx';

/** A link to an app path (`/dags/x`): its href carries the base, so a new tab stays in the same sandbox. */
export function Link(props: { href: string; class?: string; children: ComponentChildren; title?: string; 'aria-current'?: 'page' | undefined; 'aria-label'?: string }) {
  return <a {...props} href={withBase(props.href)} onClick={onLinkClick}>{props.children}</a>;
}

export function StateBadge({ state }: { state: string | null | undefined }) {
  return <span class="badge" data-state={state ?? 'none'}><i style={{ background: stateColor(state) }} />{stateLabel(state)}</span>;
}

/** The pause switch; `denied` (why the role may not) disables it; a failure is shown as a notice. */
export function PauseToggle({ paused, dagId, onChange, denied }: { paused: boolean; dagId: string; onChange: (paused: boolean) => Promise<void>; denied?: string | null }) {
  const [busy, setBusy] = useState(false);
  return (
    <button type="button" role="switch" class="switch" aria-checked={!paused} disabled={busy || !!denied}
      aria-label={`${paused ? 'Unpause' : 'Pause'} ${dagId}`} title={denied ?? (paused ? 'Paused: click to unpause' : 'Active: click to pause')}
      onClick={async () => {
        setBusy(true);
        try { await onChange(!paused); } catch (e) { notify(e); } finally { setBusy(false); }
      }}>
      <span class="knob" />
    </button>
  );
}

/**
 * A name too long for its place, cut in the middle (`transform_customer_or…partition_07`) so the end that tells
 * similar names apart stays visible; the whole name on hover.
 */
export function MiddleEllipsis({ text, tail = 14, title }: { text: string; tail?: number; title?: string }) {
  const cut = text.length > tail + 4 ? text.length - tail : text.length;
  return (
    <span class="mid-ellipsis" title={title ?? text}>
      <span class="head">{text.slice(0, cut)}</span>{cut < text.length && <span class="tail">{text.slice(cut)}</span>}
    </span>
  );
}

/** `Date.now()`, re-rendering every `ms` while `active` (durations of things still running). */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}

/** A native <dialog>: focus is trapped and Escape closes it, for free. */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title}>
      <header class="dialog-head"><h2>{title}</h2><button type="button" class="ghost" aria-label="Close" onClick={onClose}>✕</button></header>
      {open && children}
    </dialog>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return <p class="error" role="alert">{error instanceof Error ? error.message : String(error)}</p>;
}

/** Loads data for a page; `reload` refetches without blanking what is on screen (so live refreshes do not flicker). */
/**
 * Loads data for the current `deps`. With `keepPrevious` (filters, sorting, paging), the last answer stays on screen
 * while the next one loads, with `loading` true, instead of the page flashing empty on every keystroke or click.
 */
export function useData<T>(load: () => Promise<T>, deps: unknown[], opts: { keepPrevious?: boolean } = {}): { data: T | null; error: unknown; loading: boolean; reload: () => Promise<void>; set: (fn: (d: T) => T) => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const n = ++seq.current;
    try {
      const d = await load();
      if (n === seq.current) { setData(d); setError(null); }
    } catch (e) { if (n === seq.current) setError(e); }
    finally { if (n === seq.current) setLoading(false); }
  }, deps);
  useEffect(() => { if (!opts.keepPrevious) setData(null); setLoading(true); void reload(); }, [reload]);
  const set = useCallback((fn: (d: T) => T) => setData((d) => (d ? fn(d) : d)), []);
  return { data, error, loading, reload, set };
}

/** Coalesces bursts (a thousand ti:finished events) into one call after `ms`. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => { timer.current = null; latest.current(); }, ms);
  }, [ms]);
}
