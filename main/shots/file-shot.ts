// every shot enters the engine through this room: `r2r generate` (files in, a PNG out) calls
// the file form directly, library shots (library-shot.ts) call it with the render's files.
// the lint rule r2r/layers keeps inference/pipelines/r2r-shot's callers to main/shots.
export { runR2RShot as makeFileShot, type R2RShotOptions as FileShotOptions, type R2RShotRequest as FileShotRequest, type R2RShotResult as FileShotResult } from '../inference/pipelines/r2r-shot';
