export * from './declaration.ts';
export * from './errors.ts';
export { BUILTIN_OPERATORS, createOperatorRegistry, type OperatorRegistry, type OperatorSpec } from './operators.ts';
export { normalizeDeclaration } from './normalize.ts';
export {
  compileParserOptions, resolveParserOptions, type ParserOptions, type ParserOptionsInput,
} from './normalize/options.ts';
export { createYamlLoader, loadYamlFile, YamlDagLoader } from './yaml/load.ts';
export type { DagFileLoader } from './loader.ts';
export { DAG_FILE_EXTENSIONS, listDagFiles, mightContainDag, type ListDagFilesOptions } from './discovery/list.ts';
export type { IgnoreSyntax } from './discovery/ignore.ts';
export {
  DagFolderProcessor, type DagFolderProcessorOptions, type ParsedFile, type ScanResult,
} from './discovery/processor.ts';
export { PythonDagLoader, parsePythonDagFile, type PythonDagLoaderOptions, PythonParserError } from './python/index.ts';
export { IMPORT_ERROR_MESSAGE_MAX, IMPORT_ERROR_STACKTRACE_MAX, sanitizeImportError, sanitizeJson, sanitizeParseResult, sanitizeText } from './sanitize.ts';
/** The folder holding the `airflow` shim package (plain Python, importable by CPython too). */
export const AIRFLOW_SHIM_PATH = new URL('../python', import.meta.url).pathname;
