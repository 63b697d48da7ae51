/**
 * Unknown fields of built-in types, as the API server's decoder reports them (`unknown field
 * "spec.containers[0].bogus"`): the object is walked along @kubernetes/client-node's generated model metadata
 * (`V1Pod.getAttributeTypeMap()`...), which follows the official OpenAPI schema of the client's Kubernetes
 * version. Under fieldValidation=Warn they are Warning headers, under Strict a 400 (api.ts).
 */
import * as k8s from '@kubernetes/client-node';
import type { ResourceType } from './resources.ts';

interface Attribute { baseName: string; type: string }
type Model = { getAttributeTypeMap(): Attribute[] };
const models = k8s as unknown as Record<string, Model | undefined>;

function modelOf(name: string): Model | undefined {
  const m = models[name];
  return typeof m?.getAttributeTypeMap === 'function' ? m : undefined;
}

function walk(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, array[1] as string, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    for (const [k, v] of Object.entries(value)) walk(v, map[1] as string, `${path}[${k}]`, out);
    return;
  }
  const model = modelOf(type);
  if (model === undefined || Array.isArray(value)) return;
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = attrs.get(k);
    const child = path === '' ? k : `${path}.${k}`;
    if (t === undefined) out.push(`unknown field "${child}"`);
    else walk(v, t, child, out);
  }
}

/** The decoder's warnings for fields `type`'s schema does not declare; none for types client-node does not model. */
export function unknownFieldWarnings(type: ResourceType, body: unknown): string[] {
  const name = type.kind === 'Event' && type.group === '' ? 'CoreV1Event' : `V1${type.kind}`;
  if (modelOf(name) === undefined) return [];
  const out: string[] = [];
  walk(body, name, '', out);
  return out;
}
