export * from './schema.ts';
export * from './errors.ts';
export * from './connect.ts';
export * from './migrate.ts';
export * from './dag-cache.ts';
export * from './fernet.ts';
export * from './history.ts';
export * from './pglite-image.ts';
