import type { CliCommand } from '../command';
import { infoCommand } from './info';
import { demoModelCommand } from './demo-model';
import { modelsInspectCommand } from './models-inspect';
import { modelsAdaptCommand } from './models-adapt';
import { generateCommand } from './generate';

/** every `r2r` subcommand; each lives in its own module beside this file */
export const commands: CliCommand[] = [infoCommand, demoModelCommand, modelsInspectCommand, modelsAdaptCommand, generateCommand];
