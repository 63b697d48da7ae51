/**
 * What a job may ask for, as the jobs API takes it (TypeBox schemas, checked by the webserver's validator: a bad
 * field is a 400 naming it), and its translation into the seed operators' arguments, which the built-in DAG's task
 * takes from the run's conf (dag-model's jobs.ts). Checks a schema cannot express (quantities, env names, executor
 * bounds) are here too, each a 400 naming the field.
 */
import { Type, type Static } from '@sinclair/typebox';
import { parseQuantity } from '@windsock/sandboxes/store';
import { ApiError } from '../errors.ts';

const NAME = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';
const StrMap = (max: number) => Type.Record(Type.String({ maxLength: 253 }), Type.String({ maxLength: max }), { maxProperties: 256 });
const Quantity = Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Number({ exclusiveMinimum: 0 })]);

const common = {
  /** A label of the user's own, shown beside the job id. */
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  image_tag: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$' }),
  node_group: Type.Optional(Type.String({ pattern: NAME })),
  env: Type.Optional(StrMap(32_768)),
  /** Secrets of the namespace whose keys become environment variables (values never pass through Windsock). */
  env_from_secrets: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$' }), { maxItems: 32 })),
  labels: Type.Optional(StrMap(63)),
  annotations: Type.Optional(StrMap(8192)),
  startup_timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  /** Tries after the first when one fails (10 s apart), as a task's `retries`. */
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
};

export const ContainerJobBody = Type.Object({
  kind: Type.Optional(Type.Literal('container')),
  ...common,
  cmd: Type.String({ minLength: 1, maxLength: 65_536 }),
  cpu: Type.Optional(Quantity),
  memory: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
}, { additionalProperties: false });

const Sizing = Type.Object({
  cores: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  memory: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  memory_overhead: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
}, { additionalProperties: false });
const Paths = Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 256 });

export const SparkJobBody = Type.Object({
  kind: Type.Optional(Type.Literal('spark')),
  ...common,
  code_path: Type.String({ minLength: 1, maxLength: 2048 }),
  main_class: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  arguments: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 1024 })),
  conf: Type.Optional(StrMap(65_536)),
  spark_version: Type.Optional(Type.String({ pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$' })),
  executors: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  dynamic_allocation: Type.Optional(Type.Union([Type.Boolean(), Type.Object({
    min_executors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    max_executors: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    initial_executors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  }, { additionalProperties: false })])),
  driver: Type.Optional(Sizing),
  executor: Type.Optional(Sizing),
  deps: Type.Optional(Type.Object({ jars: Type.Optional(Paths), files: Type.Optional(Paths), py_files: Type.Optional(Paths) }, { additionalProperties: false })),
}, { additionalProperties: false });

export type ContainerJob = Static<typeof ContainerJobBody>;
export type SparkJob = Static<typeof SparkJobBody>;

const bad = (detail: string) => new ApiError('BAD_REQUEST', 'Bad Request', detail);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Spark's JVM memory strings (spark.driver.memory): a number with k, m, g, t or p (b optional). */
const SPARK_MEMORY = /^\d+([kmgtp]b?)?$/i;

function checkQuantity(field: string, v: string | number | undefined, example: string): void {
  if (v === undefined) return;
  const n = parseQuantity(v);
  if (n === null || n <= 0) throw bad(`${field}: "${v}" is not a quantity (e.g. ${example})`);
}

function checkCommon(b: ContainerJob | SparkJob): void {
  for (const k of Object.keys(b.env ?? {})) if (!ENV_NAME.test(k)) throw bad(`env: "${k}" is not an environment variable name`);
}

/** The K8sOperator arguments of a container job. */
export function containerArgs(b: ContainerJob): Record<string, unknown> {
  checkCommon(b);
  checkQuantity('cpu', b.cpu, '1 or 500m');
  checkQuantity('memory', b.memory, '1Gi');
  const resources = { ...(b.cpu !== undefined ? { cpu: b.cpu } : {}), ...(b.memory ? { memory: b.memory } : {}), ...(b.gpu ? { gpu: b.gpu } : {}) };
  return {
    image_tag: b.image_tag, cmd: b.cmd,
    ...(Object.keys(resources).length ? { resources } : {}),
    ...optional(b),
  };
}

/** The SparK8sOperator arguments of a Spark job. */
export function sparkArgs(b: SparkJob): Record<string, unknown> {
  checkCommon(b);
  for (const role of ['driver', 'executor'] as const) {
    for (const k of ['memory', 'memory_overhead'] as const) {
      const v = b[role]?.[k];
      if (v !== undefined && !SPARK_MEMORY.test(v)) throw bad(`${role}.${k}: "${v}" is not a Spark memory size (e.g. 512m, 4g)`);
    }
  }
  if (b.executors !== undefined && b.dynamic_allocation !== undefined && b.dynamic_allocation !== false) {
    throw bad('executors: give a fixed number of executors or dynamic_allocation, not both');
  }
  const dyn = b.dynamic_allocation;
  if (typeof dyn === 'object') {
    const min = dyn.min_executors ?? 1;
    const max = dyn.max_executors ?? Math.max(10, min);
    const initial = dyn.initial_executors ?? min;
    if (min > max) throw bad(`dynamic_allocation: min_executors (${min}) is above max_executors (${max})`);
    if (initial < min || initial > max) throw bad(`dynamic_allocation: initial_executors (${initial}) must lie between min_executors (${min}) and max_executors (${max})`);
  }
  if (b.main_class && /\.(py|r|R)$/.test(b.code_path)) throw bad(`main_class: is for a JVM application (a .jar), not ${b.code_path}`);
  const executor = { ...(b.executor ?? {}), ...(b.executors !== undefined ? { instances: b.executors } : {}) };
  return {
    image_tag: b.image_tag, code_path: b.code_path,
    ...(b.main_class ? { main_class: b.main_class } : {}),
    ...(b.arguments ? { arguments: b.arguments } : {}),
    ...(b.conf ? { spark_conf: b.conf } : {}),
    ...(b.spark_version ? { spark_version: b.spark_version } : {}),
    ...(dyn !== undefined && dyn !== false ? { dynamic_allocation: dyn } : {}),
    ...(b.driver ? { driver: b.driver } : {}),
    ...(Object.keys(executor).length ? { executor } : {}),
    ...(b.deps ? { deps: b.deps } : {}),
    ...optional(b),
  };
}

function optional(b: ContainerJob | SparkJob): Record<string, unknown> {
  return {
    ...(b.node_group ? { node_group: b.node_group } : {}),
    ...(b.env && Object.keys(b.env).length ? { env_vars: b.env } : {}),
    ...(b.env_from_secrets?.length ? { from_env_secret: b.env_from_secrets } : {}),
    ...(b.labels ? { labels: b.labels } : {}),
    ...(b.annotations ? { annotations: b.annotations } : {}),
    ...(b.startup_timeout_seconds ? { startup_timeout_seconds: b.startup_timeout_seconds } : {}),
  };
}
