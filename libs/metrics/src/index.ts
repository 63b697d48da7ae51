export * from './catalog.ts';
export * from './names.ts';
export * from './metrics.ts';
export * from './open.ts';
export * from './cost.ts';
