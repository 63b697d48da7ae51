/**
 * Airflow's state colours (airflow/settings.py STATE_COLORS), so people who know Airflow read the grid at a
 * glance, and the order Airflow's grid uses to summarise a collapsed task group (the most alarming state wins).
 */
export const STATE_COLORS: Record<string, string> = {
  deferred: 'mediumpurple', failed: 'red', queued: 'gray', removed: 'lightgrey', restarting: 'violet', running: 'lime',
  scheduled: 'tan', shutdown: 'blue', skipped: 'hotpink', success: 'green', up_for_reschedule: 'turquoise',
  up_for_retry: 'gold', upstream_failed: 'orange',
};

export const stateColor = (s: string | null | undefined): string => (s ? STATE_COLORS[s] ?? 'white' : 'white');
export const stateLabel = (s: string | null | undefined): string => (s ? s.replaceAll('_', ' ') : 'no status');

const PRIORITY: readonly (string | null)[] = ['failed', 'upstream_failed', 'up_for_retry', 'up_for_reschedule', 'queued',
  'scheduled', 'deferred', 'running', 'restarting', null, 'success', 'skipped', 'removed'];

/** The state a collapsed group shows for one run: the highest-priority state among its tasks. */
export function summarise(states: (string | null)[]): string | null {
  let best: number = PRIORITY.length;
  for (const s of states) {
    const i = PRIORITY.indexOf(s);
    if (i >= 0 && i < best) best = i;
  }
  return best < PRIORITY.length ? PRIORITY[best]! : null;
}

export const FINISHED = new Set(['success', 'failed', 'skipped', 'upstream_failed', 'removed']);
