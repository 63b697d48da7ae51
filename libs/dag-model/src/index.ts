export * from './states.ts';
export * from './serialized.ts';
