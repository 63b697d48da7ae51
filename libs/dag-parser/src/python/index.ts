export { PythonDagLoader, parsePythonDagFile, type DeclarationsResult } from './loader.ts';
export { compilePythonLoaderOptions, type CompiledPythonLoaderOptions, type PythonDagLoaderOptions } from './options.ts';
export { PythonParserError, PYTHON_PARSER_ERROR_CODES, type PythonParserErrorCode } from './errors.ts';
export { PYTHON_IMPORT_ERROR_CODES, type PythonImportErrorCode } from './import-error.ts';
