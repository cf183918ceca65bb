import type { CliCommand } from '../command';
import { infoCommand } from './info';
import { libraryInitCommand } from './library-init';
import { importCommand } from './import';
import { searchCommand } from './search';
import { sampleLibraryCommand } from './sample-library';

/** every `r2r` subcommand; each lives in its own module beside this file */
export const commands: CliCommand[] = [infoCommand, libraryInitCommand, importCommand, searchCommand, sampleLibraryCommand];
