/**
 * Messages about actions that failed away from any form (a pause switch, a delete button): shown at the top of the
 * page until dismissed, so no refusal or failure is ever only in the console. Failures nobody caught land here too.
 */
import { useEffect, useState } from 'preact/hooks';

interface Notice { id: number; text: string }
let next = 1;
let notices: Notice[] = [];
const listeners = new Set<(n: Notice[]) => void>();
const publish = () => { for (const l of listeners) l(notices); };

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Shows a failure (an Error's message, or text). */
export function notify(e: unknown): void {
  const text = messageOf(e);
  if (notices.some((n) => n.text === text)) return;
  notices = [...notices.slice(-3), { id: next++, text }];
  publish();
}

function dismiss(id: number): void { notices = notices.filter((n) => n.id !== id); publish(); }

/** A rejected promise nobody awaited (an event handler's) is shown rather than left as a console error. */
export function catchUnhandled(): void {
  addEventListener('unhandledrejection', (e) => { e.preventDefault(); notify(e.reason); });
}

export function Notices() {
  const [list, setList] = useState(notices);
  useEffect(() => { listeners.add(setList); return () => { listeners.delete(setList); }; }, []);
  if (list.length === 0) return null;
  return (
    <div class="notices" role="alert" aria-live="assertive">
      {list.map((n) => (
        <p key={n.id} class="notice"><span>{n.text}</span>
          <button type="button" class="ghost" aria-label="Dismiss" onClick={() => dismiss(n.id)}>✕</button></p>
      ))}
    </div>
  );
}
