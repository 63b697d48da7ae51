export * from './types.ts';
export { LocalExecutor, type LocalExecutorOptions } from './local/executor.ts';
export { localCommandFor } from './local/command.ts';
export { LineSplitter } from './local/line-splitter.ts';
