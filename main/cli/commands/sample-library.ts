import { resolve } from 'node:path';
import { writeSampleLibrary } from '../../catalog/sample/sample-library';
import { writeSampleTree } from '../../catalog/sample/sample-tree';
import type { CliCommand } from '../command';
import { needPositional, optNumber, printResult } from '../command';
import { createProgress } from '../progress';

export const sampleLibraryCommand: CliCommand = {
  name: 'sample-library',
  summary: 'write a small procedural SynFashion-style library (or, with --tree, its source images)',
  usage: '<dir> [--tree] [--seed N] [--garments N] [--colorways N] [--width W] [--height H] [--avatars N] [--json]',
  options: {
    tree: { type: 'boolean', help: 'write only the image folder (for `r2r import`), not a library' },
    seed: { type: 'string', help: 'seed of the procedural fabrics (default 7)' },
    garments: { type: 'string', help: 'garments to draw, 1-200 (default 8)' },
    colorways: { type: 'string', help: 'colorways per garment, 1-4 (default 2)' },
    width: { type: 'string', help: 'render width in pixels, 32-4096 (default 512)' },
    height: { type: 'string', help: 'render height in pixels, 32-4096 (default 640)' },
    avatars: { type: 'string', help: 'avatars in a tee to add, each render with its label mask (garment, skin, face, background) for region presets, 0-20 (default 0)' },
    json: { type: 'boolean', help: 'print what was written (folder, garments, render count) as JSON' },
  },
  async run(ctx) {
    const dir = resolve(needPositional(ctx, 0, 'the output folder'));
    const progress = createProgress(ctx, 'sample', { json: Boolean(ctx.values.json) });
    const opts = {
      seed: optNumber(ctx, 'seed', 7, 0, 2 ** 31),
      garments: optNumber(ctx, 'garments', 8, 1, 200),
      colorways: optNumber(ctx, 'colorways', 2, 1, 4),
      width: optNumber(ctx, 'width', 512, 32, 4096),
      height: optNumber(ctx, 'height', 640, 32, 4096),
      avatars: optNumber(ctx, 'avatars', 0, 0, 20),
      onImage: (done: number, total: number) => progress.update(done, total, 'drawing'),
      onImport: (done: number, total: number) => progress.update(done, total, 'importing'),
    };
    if (ctx.values.tree) {
      const tree = await writeSampleTree(dir, opts);
      progress.done(`${tree.images} images`);
      printResult(ctx, tree, () => `Wrote ${tree.images} images of ${tree.garments.length} garments to ${dir} (import with \`r2r import ${dir} --library <lib>\`)`);
      return 0;
    }
    const result = await writeSampleLibrary(dir, opts);
    progress.done(`${result.report.renders.added} renders`);
    printResult(ctx, { library: result.root, garments: result.tree.garments, renders: result.report.renders.added }, () =>
      `Wrote sample library ${result.root}: ${result.tree.garments.length} garments, ${result.report.renders.added} renders`,
    );
    return 0;
  },
};
