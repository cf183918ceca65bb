import { UserError } from '../../common/errors';
import { adaptModelFolder } from '../../inference/models/adapt-folder';
import type { CliCommand } from '../command';
import { needPositional, needString, optString, printResult } from '../command';
import { createProgress } from '../progress';

function parseLevels(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const levels = v.split(',').map((s) => Number(s.trim()));
  if (levels.some((l) => !Number.isInteger(l) || l < 0)) {
    throw new UserError('bad-option', `--levels must be a comma-separated list of resolution levels (0 = latent resolution), got '${v}'`);
  }
  return levels;
}

export const modelsAdaptCommand: CliCommand = {
  name: 'models adapt',
  summary: 'write a copy of a model folder adapted for texture-preserving attention control and textual inversion',
  usage: '<folder> --out <folder> [--levels 0,1] [--no-token-mask] [--no-textual-inversion] [--json]',
  options: {
    out: { type: 'string', help: 'folder for the adapted copy (new, empty or an earlier copy; must not overlap the source); required' },
    levels: { type: 'string', help: 'comma-separated UNet levels for TAC, 0 = latent resolution (default: the two finest levels with attn1)' },
    'no-token-mask': { type: 'boolean', help: 'leave out the tac_token_mask input (the copy then takes no texture-lock mask)' },
    'no-textual-inversion': { type: 'boolean', help: 'copy the text encoder unchanged (no extra_token_embeddings for negative embeddings)' },
    json: { type: 'boolean', help: 'print the adaptation report (TAC levels and layers, text encoder, fingerprint) as JSON' },
  },
  async run(ctx) {
    const src = needPositional(ctx, 0, 'the model folder');
    const out = needString(ctx, 'out');
    const progress = createProgress(ctx, 'models adapt (MiB)', { json: Boolean(ctx.values.json) });
    const report = adaptModelFolder(src, out, {
      tac: { levels: parseLevels(optString(ctx, 'levels')), tokenMask: !ctx.values['no-token-mask'] },
      textualInversion: !ctx.values['no-textual-inversion'],
      onProgress: (d, t, l) => progress.update(d, t, l),
      signal: ctx.signal,
    });
    progress.done();
    printResult(ctx, report, () =>
      [
        `adapted ${report.source} -> ${report.out}`,
        `  unet: tac_qk_source${report.tac.tokenMask ? ' + tac_token_mask' : ''} on ${report.tac.layers.length} attn1 layers at levels ${report.tac.levels.join(', ')}`,
        ...report.tac.layers.map((l) => `    ${l.name} (1/${2 ** l.level})`),
        report.textualInversion
          ? `  text_encoder: extra_token_embeddings [K,${report.textualInversion.hidden}], new tokens from id ${report.textualInversion.vocabSize}`
          : '  text_encoder: copied unchanged',
      ].join('\n'),
    );
    return 0;
  },
};
