import { resolve } from 'node:path';
import { importTree } from '../../catalog/import/importer';
import { DEFAULT_LAYOUT } from '../../catalog/import/layout';
import { openLibrary } from '../../catalog/library';
import type { CliCommand } from '../command';
import { needPositional, needString, optString, printResult } from '../command';
import { createProgress } from '../progress';

/** `--strict` and a file was skipped: the rest was imported, but not everything */
const SKIPPED_FILES_EXIT = 3;

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'import a folder of rendered garment images into a library',
  usage: `<dir> --library <lib> [--layout TEMPLATE] [--strict] [--json]   (default layout: ${DEFAULT_LAYOUT})`,
  options: {
    library: { type: 'string', help: 'library folder to import into (`r2r library init` makes one)' },
    layout: { type: 'string', help: 'path template naming the parts of each image path (default shown above)' },
    strict: { type: 'boolean', help: 'exit with status 3 when any image was skipped as unreadable (without it: the rest is imported, the skipped files are listed, exit 0)' },
    json: { type: 'boolean', help: 'print the import report (added, skipped with reasons) as JSON' },
  },
  async run(ctx) {
    const source = resolve(needPositional(ctx, 0, 'the folder to import'));
    const lib = openLibrary(needString(ctx, 'library'));
    const progress = createProgress(ctx, 'import', { json: Boolean(ctx.values.json) });
    try {
      const report = await importTree(lib, source, {
        layout: optString(ctx, 'layout'),
        signal: ctx.signal,
        onProgress: (done, total, sku) => progress.update(done, total, sku),
      });
      progress.done(`${report.renders.added} renders added, ${report.problems.length} problems`);
      printResult(ctx, report, () =>
        [
          `Imported ${source} into ${lib.root}`,
          `  garments: ${report.garments.found} found, ${report.garments.added} new, ${report.garments.updated} updated, ${report.garments.unchanged} unchanged`,
          `  renders:  ${report.renders.found} read, ${report.renders.added} added, ${report.renders.existing} already there`,
          ...(report.models.found ? [`  models:   ${report.models.found} read, ${report.models.assigned} colorway(s) given a 3D model`] : []),
          ...(report.materials.found ? [`  materials: ${report.materials.found} read, ${report.materials.assigned} colorway(s) given a U3M material`] : []),
          ...(report.comboRenders.found ? [`  outfits:  ${report.comboRenders.found} outfit render(s) read, ${report.comboRenders.attached} attached${report.comboRenders.combosCreated.length ? `, new combo(s) ${report.comboRenders.combosCreated.join(', ')}` : ''}`] : []),
          ...(report.problems.length ? [`  skipped ${report.problems.length}:`, ...report.problems.map((p) => `    ${p.file}: ${p.reason}`)] : []),
          ...(report.unmatched.length ? [`  ${report.unmatched.length} image(s) do not fit the layout '${report.layout}', e.g. ${report.unmatched[0]}`] : []),
        ].join('\n'),
      );
      return ctx.values.strict && report.problems.length ? SKIPPED_FILES_EXIT : 0;
    } finally {
      lib.close();
    }
  },
};
