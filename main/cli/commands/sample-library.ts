import { resolve } from 'node:path';
import { writeSampleLibrary } from '../../catalog/sample/sample-library';
import { writeSampleTree } from '../../catalog/sample/sample-tree';
import type { CliCommand } from '../command';
import { needPositional, optNumber, printResult } from '../command';
import { createProgress } from '../progress';

export const sampleLibraryCommand: CliCommand = {
  name: 'sample-library',
  summary: 'write a small procedural SynFashion-style library (or, with --tree, its source images)',
  usage: '<dir> [--tree] [--seed N] [--garments N] [--colorways N] [--width W] [--height H] [--json]',
  options: {
    tree: { type: 'boolean' },
    seed: { type: 'string' },
    garments: { type: 'string' },
    colorways: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    json: { type: 'boolean' },
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
