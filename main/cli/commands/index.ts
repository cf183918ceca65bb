import type { CliCommand } from '../command';
import { infoCommand } from './info';
import { serveCommand } from './serve';
import { demoModelCommand } from './demo-model';
import { modelsInspectCommand } from './models-inspect';
import { modelsAdaptCommand } from './models-adapt';
import { modelsOptimizeCommand } from './models-optimize';
import { libraryInitCommand } from './library-init';
import { importCommand } from './import';
import { searchCommand } from './search';
import { sampleLibraryCommand } from './sample-library';
import { metricsSsimCommand } from './metrics-ssim';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { generateCommand } from './generate';
import { swatchCommand } from './swatch';
import { swatchExportCommand } from './swatch-export';
import { evalSwatchesCommand } from './eval-swatches';
import { workerCommand } from './worker';
import { workersCommand } from './workers';
import { cacheClearCommand, cacheCommand } from './cache';
import { dressCommand } from './dress';
import { renderCommand } from './render';

/** every `r2r` subcommand; each lives in its own module beside this file */
export const commands: CliCommand[] = [
  infoCommand,
  generateCommand,
  serveCommand,
  libraryInitCommand,
  importCommand,
  searchCommand,
  sampleLibraryCommand,
  demoModelCommand,
  modelsInspectCommand,
  modelsAdaptCommand,
  modelsOptimizeCommand,
  metricsSsimCommand,
  evalCommand,
  evalSwatchesCommand,
  swatchCommand,
  swatchExportCommand,
  exportCommand,
  workerCommand,
  workersCommand,
  cacheCommand,
  cacheClearCommand,
  renderCommand,
  dressCommand,
];
