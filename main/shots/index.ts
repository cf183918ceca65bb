// the shot service: "make a shot of this library render with these settings", for every caller
export { makeLibraryShot, type LibraryShot, type LibraryShotOptions, type LibraryShotRequest } from './library-shot';
export { makeFileShot, type FileShotOptions, type FileShotRequest, type FileShotResult } from './file-shot';
export { modelFor, releaseCachedModel } from './kept-model';
export { LEASE_MS, ownerGone, processExists, settleOrphans, startOwnedGeneration, thisProcessOwner, type OrphanCheck, type OwnedGeneration } from './ownership';
export { renderInputs, type RenderInputs } from './render-inputs';
export { canvasFor, engineParams, negativeEmbeddingOf, recordedParams, shotSettings, type NegativeSetting, type ShotSettings } from './shot-settings';
export { recordShotFailedElsewhere, recordShotMadeElsewhere, type ShotMadeElsewhere } from './shot-made-elsewhere';
export { shotMetrics } from './shot-metrics';
export { dressSampleEvaluations, GARMENT_ROLES, makeDressShot, type CanvasBox, type DressGarment, type DressShotOptions, type DressShotReport, type DressShotRequest, type DressShotResult, type GarmentRole } from './dress-shot';
