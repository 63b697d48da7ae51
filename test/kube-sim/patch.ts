/**
 * The three patch formats the API server takes for JSON resources (client-node sends json-patch by default,
 * merge-patch and strategic-merge-patch on request). Pure functions over plain JSON values.
 *
 * Strategic merge patch is approximated by merge patch plus merging of the lists the simulator's clients
 * touch by their patch merge key (containers, initContainers, volumes, env... by `name`); `$patch`
 * directives are not supported.
 */
import { badRequest, StatusError } from './errors.ts';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'volumeMounts', 'env', 'ports', 'imagePullSecrets']);

export function strategicMergePatch(target: Json, patch: Json, key?: string): Json {
  if (Array.isArray(patch) && Array.isArray(target) && key !== undefined && MERGE_BY_NAME.has(key)) {
    const out = [...target] as Json[];
    for (const item of patch) {
      const name = isObject(item) ? item['name'] : undefined;
      const i = out.findIndex((t) => isObject(t) && t['name'] === name);
      if (i >= 0 && name !== undefined) out[i] = strategicMergePatch(out[i], item);
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) throw badRequest(`kube-sim does not support the strategic merge patch directive ${k}`);
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string): { parent: Record<string, Json> | Json[]; last: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server rejected our request due to an error in our request: doc is missing path: "${path}"`, reason: 'Invalid', code: 422 });
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw badRequest(`invalid JSON patch path "${path}"`);
  return { parent: cur, last: parts[parts.length - 1] as string };
}

function getAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const { parent, last } = parentOf(doc, parts, path);
  return Array.isArray(parent) ? parent[Number(last)] : parent[last];
}

/** RFC 6902: add, remove, replace, move, copy, test. Applies to a copy; throws a Status error on failure. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    const parts = pointer(raw.path);
    const value = (): Json => (raw.op === 'move' || raw.op === 'copy' ? structuredClone(getAt(doc, raw.from ?? '')) : structuredClone(raw.value));
    switch (raw.op) {
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server rejected our request due to an error in our request: testing value ${raw.path} failed`, reason: 'Invalid', code: 422 });
        }
        break;
      case 'add':
      case 'replace':
      case 'move':
      case 'copy': {
        const v = value();
        if (raw.op === 'move') removeAt(doc, pointer(raw.from ?? ''), raw.from ?? '');
        if (parts.length === 0) {
          doc = v;
          break;
        }
        const { parent, last } = parentOf(doc, parts, raw.path);
        if (Array.isArray(parent)) {
          const i = last === '-' ? parent.length : Number(last);
          if (raw.op === 'replace') parent[i] = v;
          else parent.splice(i, 0, v);
        } else {
          if (raw.op === 'replace' && !(last in parent)) throw badRequest(`the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${raw.path}`);
          parent[last] = v;
        }
        break;
      }
      case 'remove':
        removeAt(doc, parts, raw.path);
        break;
      default:
        throw badRequest(`unexpected json patch operation "${String(raw.op)}"`);
    }
  }
  return doc;
}

function removeAt(doc: Json, parts: string[], path: string): void {
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else {
    if (!(last in parent)) throw badRequest(`the server rejected our request due to an error in our request: remove operation does not apply: doc is missing path: "${path}"`);
    delete parent[last];
  }
}
