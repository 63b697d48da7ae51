/**
 * metav1.LabelSelector (matchLabels + matchExpressions) to the string form selectors.ts parses and the
 * Scale subresource's `status.selector` shows (metav1.LabelSelectorAsSelector(...).String()).
 */

interface Expression {
  key?: string;
  operator?: string;
  values?: string[];
}

export function labelSelectorString(selector: unknown): string {
  const s = (selector ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: Expression[] };
  const parts: [string, string][] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push([k, `${k}=${v}`]);
  for (const e of s.matchExpressions ?? []) {
    const key = e.key ?? '';
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push([key, `${key} in (${values})`]);
    else if (e.operator === 'NotIn') parts.push([key, `${key} notin (${values})`]);
    else if (e.operator === 'Exists') parts.push([key, key]);
    else if (e.operator === 'DoesNotExist') parts.push([key, `!${key}`]);
  }
  return parts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p).join(',');
}
