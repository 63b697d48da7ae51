/**
 * The OS user a local task runs as: `[core] default_impersonation` for every task, or a task's own `run_as_user`
 * (Airflow runs them through `sudo -u`; Windsock starts them with that uid and gid, which needs Windsock itself to
 * run as root). Resolved from /etc/passwd (a name) or as a numeric uid: the default once, when the executor is
 * built, so a typo fails at start; a task's own when the task starts, failing that task with a clear message.
 */
import { readFileSync } from 'node:fs';
import { ExecutorError } from '../types.ts';

export interface OsUser { name: string; uid: number; gid: number; home: string }

export function resolveOsUser(user: string, passwd = '/etc/passwd', myUid: number | undefined = process.getuid?.(), where = `[core] default_impersonation=${user}`): OsUser {
  if (myUid !== 0) {
    throw new ExecutorError('LAUNCH_FAILED', `${where}: running tasks as another user needs Windsock to run as root (it runs as uid ${myUid ?? 'unknown'}); remove it or run the worker as root`);
  }
  let text = '';
  try { text = readFileSync(passwd, 'utf8'); } catch { /* a numeric uid still works */ }
  for (const line of text.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (name && uid !== undefined && gid !== undefined && (name === user || uid === user)) {
      return { name, uid: Number(uid), gid: Number(gid), home: home || '/' };
    }
  }
  if (/^\d+$/.test(user)) return { name: user, uid: Number(user), gid: Number(user), home: '/' };
  throw new ExecutorError('LAUNCH_FAILED', `${where}: there is no such user in ${passwd}`);
}
