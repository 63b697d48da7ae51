/**
 * The SparkApplication CRD, read at run time from the shared spec file (never copied into the repo).
 *
 * Gives the served names, the printer columns (for kubectl's Table) and a validator that does what the
 * API server does with a structural schema: prune unknown fields (answering with `Warning` headers, as
 * fieldValidation=Warn, the default) and then validate against openAPIV3Schema (ajv, strict off because of
 * the x-kubernetes-* keywords). Parsing and compiling cost about a second, so they happen once per
 * process and path, on first use.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { KubeSimError } from './errors.ts';
import { ajvErrorsToCauses, validateMeta } from './validation.ts';
import type { StatusCause } from './types.ts';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
}

export interface CrdInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  printerColumns: PrinterColumn[];
  /** Prunes unknown fields in place, then validates. Returns the warnings and the 422 causes. */
  admit(object: Record<string, unknown>): { warnings: string[]; causes: StatusCause[] };
}

const cache = new Map<string, Promise<CrdInfo>>();

export function loadSparkCrd(path: string): Promise<CrdInfo> {
  let p = cache.get(path);
  if (p === undefined) {
    p = compile(path);
    cache.set(path, p);
    p.catch(() => cache.delete(path));
  }
  return p;
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

async function compile(path: string): Promise<CrdInfo> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KubeSimError('INVALID_OPTIONS', `cannot read the SparkApplication CRD at ${path}: ${(err as Error).message}`);
  }
  const crd = parse(text) as {
    spec: {
      group: string;
      names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[] };
      versions: { name: string; additionalPrinterColumns?: PrinterColumn[]; schema: { openAPIV3Schema: SchemaNode } }[];
    };
  };
  const version = crd.spec.versions[0];
  if (version === undefined) throw new KubeSimError('INVALID_OPTIONS', `${path} declares no version`);
  const schema = version.schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= INT32.min && n <= INT32.max });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s));
  ajv.addFormat('byte', (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s));
  const validate: ValidateFunction = ajv.compile(schema);
  const { names } = crd.spec;
  return {
    group: crd.spec.group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind,
    plural: names.plural,
    singular: names.singular,
    shortNames: names.shortNames ?? [],
    printerColumns: version.additionalPrinterColumns ?? [],
    admit(object) {
      const warnings: string[] = [];
      prune(object, schema, '', warnings, true);
      const causes = validate(object) ? [] : ajvErrorsToCauses(validate.errors ?? [], object);
      causes.push(...validateMeta((object['metadata'] ?? {}) as Record<string, unknown>, true));
      return { warnings, causes };
    },
  };
}

/**
 * Structural-schema pruning: drops fields the schema does not declare, except under
 * x-kubernetes-preserve-unknown-fields or additionalProperties. metadata is the API server's business.
 */
function prune(value: unknown, schema: SchemaNode | undefined, path: string, warnings: string[], root = false): void {
  if (schema === undefined || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => prune(v, schema.items, `${path}[${i}]`, warnings));
    return;
  }
  const obj = value as Record<string, unknown>;
  if (schema.properties !== undefined) {
    for (const k of Object.keys(obj)) {
      const child = schema.properties[k];
      const childPath = path === '' ? k : `${path}.${k}`;
      if (root && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      if (child !== undefined) prune(obj[k], child, childPath, warnings);
      else if (schema['x-kubernetes-preserve-unknown-fields'] !== true && schema.additionalProperties === undefined) {
        delete obj[k];
        warnings.push(`unknown field "${childPath}"`);
      }
    }
  } else if (typeof schema.additionalProperties === 'object') {
    for (const k of Object.keys(obj)) prune(obj[k], schema.additionalProperties, `${path}.${k}`, warnings);
  }
}
