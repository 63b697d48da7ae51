/**
 * Pagination and ordering as Airflow's list endpoints do them: `limit` (cut to [api] maximum_page_limit; 0 or
 * none means the fallback), `offset`, and `order_by=field` / `-field` (descending), where `field` must be one the
 * endpoint allows. `total_entries` is always counted before limit/offset.
 */
import { ApiError } from '../errors.ts';

export interface Page { limit: number; offset: number }
export interface Order { column: string; direction: 'asc' | 'desc' }

export function page(q: { limit?: number; offset?: number }, limits: { max: number; fallback: number }): Page {
  const raw = q.limit ?? 0;
  const limit = raw <= 0 ? limits.fallback : Math.min(raw, limits.max);
  return { limit, offset: Math.max(0, q.offset ?? 0) };
}

/** `allowed` maps API field names to SQL columns; the first entry of `fallback` is the default order. */
export function orderBy(raw: string | string[] | undefined, allowed: Record<string, string>, fallback: string): Order[] {
  const list = (Array.isArray(raw) ? raw : raw ? raw.split(',') : [fallback]).map((s) => s.trim()).filter(Boolean);
  return list.map((item) => {
    const desc = item.startsWith('-');
    const field = desc ? item.slice(1) : item;
    const column = allowed[field];
    if (!column) {
      throw new ApiError('BAD_REQUEST', 'Bad Request', `Ordering with '${field}' is disallowed or the attribute does not exist on the model`);
    }
    return { column, direction: desc ? 'desc' : 'asc' };
  });
}

export const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());
