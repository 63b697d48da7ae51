export * from './schema.ts';
export * from './errors.ts';
export * from './connect.ts';
export * from './migrate.ts';
export * from './dag-cache.ts';
export * from './fernet.ts';
export * from './history.ts';
export * from './insert-manual-run.ts';
// PGlite's module is loaded by openMetastore only for an embedded database (connect.ts).
export type { PgliteOrigin } from './pglite-image.ts';
export * from './dag-sources.ts';
