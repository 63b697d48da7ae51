/**
 * What a sandbox is called where: its name (a DNS label, as its namespace is one), and the Postgres schema,
 * Kubernetes namespace and queue prefix derived from it. Pure. Names are lower-case letters, digits and `-`, so
 * `-` → `_` in the schema cannot make two sandboxes share one.
 */
export const SANDBOX_NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
export const SANDBOX_NAME_RULE = 'a sandbox name is 1-40 lower-case letters, digits and "-", starting with a letter and not ending with "-"';

export interface SandboxPlaces { schema: string; namespace: string; queuePrefix: string }

export function sandboxPlaces(name: string, o: { namespacePrefix: string; queuePrefix: string }): SandboxPlaces {
  if (!SANDBOX_NAME.test(name)) throw new RangeError(SANDBOX_NAME_RULE);
  return { schema: `sb_${name.replace(/-/g, '_')}`, namespace: `${o.namespacePrefix}${name}`.slice(0, 63), queuePrefix: `${o.queuePrefix}-sb-${name}` };
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`500m`, `2`, `8Gi`, `1.5G`) as a number of units; null when it is not one. */
export function parseQuantity(q: string | number): number | null {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : null;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return null;
  const suffix = m[2] ?? '';
  return Number(m[1]) * (BINARY[suffix] ?? DECIMAL[suffix]!);
}
