/**
 * Kubernetes manifests kept beside DAGs (pod templates for `pod_template_file`, SparkApplication files for
 * `application_file`, ConfigMaps…) are not DAG files: a YAML file whose every document is an object with
 * `apiVersion` and `kind` declares no DAG and is no import error, with or without an `.airflowignore` line.
 * Airflow itself never reads .yaml files as DAGs, so a folder written for it holds such files freely. Pure.
 */
import { parseAllDocuments } from 'yaml';

const isManifest = (v: unknown): boolean => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string' && o.apiVersion.length > 0 && o.kind.length > 0;
};

export function isKubernetesManifest(text: string): boolean {
  let docs;
  try { docs = parseAllDocuments(text); } catch { return false; }
  if (!Array.isArray(docs)) return false; // an empty stream
  const values = docs.filter((d) => d.errors.length === 0 && d.contents !== null).map((d) => d.toJS() as unknown);
  if (values.length === 0 || docs.some((d) => d.errors.length > 0)) return false;
  return values.every(isManifest);
}
