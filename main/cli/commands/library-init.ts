import { createLibrary } from '../../catalog/library';
import { SCHEMA_VERSION } from '../../catalog/migrations/index';
import type { CliCommand } from '../command';
import { needPositional, printResult } from '../command';

export const libraryInitCommand: CliCommand = {
  name: 'library init',
  summary: 'create an empty garment library (a folder with library.r2r.sqlite and assets/)',
  usage: '<dir> [--json]',
  options: { json: { type: 'boolean', help: 'print the new library\'s folder and schema version as JSON' } },
  async run(ctx) {
    const lib = createLibrary(needPositional(ctx, 0, 'the library folder'));
    const result = { library: lib.root, schemaVersion: SCHEMA_VERSION };
    lib.close();
    printResult(ctx, result, () => `Created library ${result.library} (schema ${result.schemaVersion})`);
    return 0;
  },
};
