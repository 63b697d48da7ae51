export * from './worker.ts';
export { TemplateRenderer, TemplateError, type TemplateRendererOptions } from './templates.ts';
export { TryLogWriter } from './log-writer.ts';
