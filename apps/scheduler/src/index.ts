export * from './scheduler.ts';
export * from './errors.ts';
export { createManualRun, type ManualRunRequest } from './sql/create-manual-run.ts';
export { syncDags, dagHash, recomputeNextRun } from './dag-processor/sync-dags.ts';
export { handleZombies, type ZombieHandled } from './sql/handle-zombies.ts';
export { queuedJobs } from './sql/queued-jobs.ts';
export { DagProcessorService } from './dag-processor/service.ts';
export { startQueuedRuns } from './sql/start-queued-runs.ts';
