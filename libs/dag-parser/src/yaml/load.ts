/**
 * loadYamlFile: one dag-factory YAML file -> its SerializedDags, or one import error for the whole
 * file (a file with a broken DAG imports nothing, as a broken Python DAG file does in Airflow).
 * The error carries the file, the 1-based line of the YAML node at fault when it is known, and a
 * message naming the DAG, the task and the field.
 */
import type { SerializedDag } from '@windsock/dag-model';
import type { FileParseResult, ImportErrorRecord } from '../declaration.ts';
import type { DagFileLoader } from '../loader.ts';
import { DagDeclarationError } from '../errors.ts';
import { normalizeDeclaration } from '../normalize.ts';
import { resolveParserOptions, type ParserOptions, type ParserOptionsInput } from '../normalize/options.ts';
import { declarationsFromConfig } from './layout.ts';
import { expandVars, parseYaml, type YamlPath } from './parse.ts';
import { convertTypedValues } from './types.ts';
import { isKubernetesManifest } from './manifest.ts';

export function loadYamlFile(relPath: string, text: string, options?: ParserOptions | ParserOptionsInput): FileParseResult {
  const opts = resolveParserOptions(options);
  const source = opts.yamlEnv ? expandVars(text, opts.yamlEnv) : text;
  // A pod template or a SparkApplication beside the DAGs is no DAG file (and no import error).
  if (/^\s*(apiVersion|kind)\s*:/m.test(source) && isKubernetesManifest(source)) return { ok: true, fileloc: relPath, dags: [] };
  const parsed = parseYaml(source);
  if (!('lineAt' in parsed)) {
    return importError(relPath, parsed.line, `YAML syntax error: ${parsed.message}`, 'YAML_SYNTAX');
  }
  const lineOf = (dagId: string, sub: YamlPath): number | null => {
    const own = parsed.lineAt([dagId, ...sub]);
    if (own !== null) return own;
    const inDefault = sub.length > 0 ? parsed.lineAt(['default', ...sub]) : null;
    if (inDefault !== null) return inDefault;
    return sub.length > 0 ? lineOf(dagId, sub.slice(0, -1)) : null;
  };
  // The normalizer knows the lines of tasks, not of DAG-level keys: find the key's node
  // (schedule may have been written as schedule_interval, which dag-factory renames).
  const dagFieldLine = (err: DagDeclarationError, dagId: string): number | null => {
    if (err.taskId !== null || err.field === null) return err.line ?? lineOf(dagId, []);
    const sub = err.field.split('.');
    for (const candidate of sub[0] === 'schedule' ? [sub, ['schedule_interval']] : [sub]) {
      const line = parsed.lineAt([dagId, ...candidate]) ?? parsed.lineAt(['default', ...candidate]);
      if (line !== null) return line;
    }
    return err.line ?? lineOf(dagId, []);
  };
  try {
    const config = convertTypedValues(parsed.value, [], parsed.lineAt);
    const decls = declarationsFromConfig(config, { relPath, opts, lineOf });
    const dags: SerializedDag[] = [];
    for (const decl of decls) {
      try {
        dags.push(normalizeDeclaration(decl, opts));
      } catch (err) {
        if (err instanceof DagDeclarationError) err.line = dagFieldLine(err, decl.dag_id) ?? err.line;
        throw err;
      }
    }
    return { ok: true, fileloc: relPath, dags };
  } catch (err) {
    if (err instanceof DagDeclarationError) return importError(relPath, err.line, err.message, err.code, err);
    throw err;
  }
}

/** The built-in loader for `.yaml` / `.yml` files. */
export class YamlDagLoader implements DagFileLoader {
  readonly #opts: ParserOptions;
  constructor(options?: ParserOptions | ParserOptionsInput) {
    this.#opts = resolveParserOptions(options);
  }
  async load(relPath: string, text: string): Promise<FileParseResult> {
    return loadYamlFile(relPath, text, this.#opts);
  }
}

export function createYamlLoader(options?: ParserOptions | ParserOptionsInput): DagFileLoader {
  return new YamlDagLoader(options);
}

function importError(filename: string, line: number | null, message: string, code: string,
  err?: DagDeclarationError): FileParseResult {
  const cause = err?.cause instanceof Error ? `\nCaused by: ${err.cause.message}` : '';
  const error: ImportErrorRecord = {
    filename,
    line,
    message,
    stacktrace: `${filename}${line !== null ? `:${line}` : ''}\n${code}: ${message}${cause}`,
    code,
  };
  return { ok: false, fileloc: filename, error };
}
