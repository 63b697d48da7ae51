export * from './worker.ts';
export { TemplateRenderer, TemplateError, type TemplateRendererOptions, type TemplateTry } from './templates.ts';
export { TryLogWriter } from './log-writer.ts';
export { compileWorkerOptions, shutdownGraceMs } from './options.ts';
