/**
 * What the signed-in role may do, for the UI to hide or disable the rest and say why on hover. The server's
 * `/ui/me` gives the role's permissions (`action:resource`, as the API's guard checks them); the API still refuses
 * what a role may not do, and the UI shows such a refusal as a message (components/notices.tsx).
 */
import { useEffect, useState } from 'preact/hooks';
import { knownMe, loadMe, type Me } from './api.ts';

/** The signed-in user (null until /ui/me answers). */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(knownMe);
  useEffect(() => {
    let live = true;
    loadMe().then((m) => { if (live) setMe(m); }, () => {});
    return () => { live = false; };
  }, []);
  return me;
}

/**
 * Why the action `perm` is not offered, or null when it is: `what` completes "Your role (Viewer) may not …".
 * While the role is not known yet the action waits, disabled.
 */
export function denial(me: Me | null, perm: string, what: string): string | null {
  if (!me) return 'Checking what your role may do…';
  return me.permissions.includes(perm) ? null : `Your role (${me.role}) may not ${what}`;
}

export function useDenial(perm: string, what: string): string | null {
  return denial(useMe(), perm, what);
}
