import { UserError } from '../../common/errors';
import { writeDemoModel, type DemoSize } from '../../inference/models/demo/demo-model';
import type { CliCommand } from '../command';
import { needPositional, optNumber, optString, printResult } from '../command';
import { createProgress } from '../progress';

export const demoModelCommand: CliCommand = {
  name: 'demo-model',
  summary: 'write a Stable Diffusion folder (optimum layout) with seeded random weights, for tests and demos',
  usage: '<dir> [--size tiny|sd15] [--seed N] [--fp16] [--external-data] [--json]',
  options: {
    size: { type: 'string', help: 'tiny (default: runs on any CPU) or sd15 (SD 1.5 sized, about 4 GB on disk)' },
    seed: { type: 'string', help: 'seed of the random weights, 0-2147483648 (default 0)' },
    fp16: { type: 'boolean', help: 'write float16 weights (default float32)' },
    'external-data': { type: 'boolean', help: 'store the weights of every component in model.onnx_data (the sd15 UNet always is)' },
    json: { type: 'boolean', help: 'print the summary (folder, size, dtype, components with bytes and parameters) as JSON' },
  },
  async run(ctx) {
    const dir = needPositional(ctx, 0, 'the output folder');
    const size = optString(ctx, 'size') ?? 'tiny';
    if (size !== 'tiny' && size !== 'sd15') {
      throw new UserError('bad-option', `--size must be tiny or sd15, got '${size}'`, 'tiny runs on any CPU; sd15 is SD 1.5 sized (about 4 GB on disk).');
    }
    const progress = createProgress(ctx, 'demo-model', { json: Boolean(ctx.values.json) });
    const summary = writeDemoModel(dir, {
      size: size as DemoSize,
      seed: optNumber(ctx, 'seed', 0, 0, 2 ** 31),
      fp16: Boolean(ctx.values.fp16),
      externalData: Boolean(ctx.values['external-data']),
      onProgress: (done, total, label) => progress.update(done, total, label),
      signal: ctx.signal,
    });
    progress.done(`${summary.components.length} components`);
    printResult(ctx, summary, () =>
      [
        `wrote a ${summary.size} ${summary.dtype} demo model to ${summary.dir}`,
        ...summary.components.map((c) => `  ${c.name.padEnd(13)} ${(c.bytes / 2 ** 20).toFixed(1).padStart(8)} MiB  ${c.parameters.toLocaleString('en')} parameters`),
      ].join('\n'),
    );
    return 0;
  },
};
