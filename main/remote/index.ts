// scale-out: shots made by BullMQ workers on other machines, results recorded by the coordinator
export { generateOnQueue, type QueuedShot, type QueuedShotOutcome, type QueueShotsRequest, type QueueShotsSummary } from './coordinator';
export { listWorkers, type WorkerState } from './heartbeat';
export { formatEta, queueProgress, queueProgressLines, type QueueProgress } from './queue-progress';
export { modelFingerprint } from './model-fingerprint';
export { checkNoEviction, connectRedis } from './redis-client';
export { redact, redisOptions } from './redis-url';
export { startShotWorker, type ShotWorker, type ShotWorkerEvent, type ShotWorkerOptions } from './shot-worker';
