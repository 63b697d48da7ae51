export * from './worker.ts';
export { renderArgs, renderValue, TemplateError } from './templates.ts';
export { TryLogWriter } from './log-writer.ts';
