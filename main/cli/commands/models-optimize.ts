import { UserError } from '../../common/errors';
import type { NormFuseReport } from '../../inference/models/optimize/fuse-norms';
import { optimizeModelFolder } from '../../inference/models/optimize/optimize-folder';
import { PROVIDER_TABLE, type ProviderName } from '../../inference/runtime/providers';
import type { CliCommand } from '../command';
import { needPositional, needString, optString, printResult } from '../command';

function parseProvider(v: string | undefined): ProviderName | undefined {
  if (v === undefined) return undefined;
  const names = PROVIDER_TABLE.map((p) => p.name as string);
  if (!names.includes(v)) throw new UserError('bad-option', `--provider must be one of ${names.join(', ')}, got '${v}'`);
  return v as ProviderName;
}

function normsLine(n: NormFuseReport): string {
  const parts = [n.layerNorms ? `${n.layerNorms} LayerNorms fused into LayerNormalization` : '', n.gelus ? `${n.gelus} GELUs fused into Gelu` : '', n.fastGelus ? `${n.fastGelus} tanh GELUs fused into FastGelu` : ''];
  return parts.filter(Boolean).map((p) => `, ${p}`).join('');
}

function leftUnfused(skipped: { name: string; why: string }[]): string[] {
  return [
    ...skipped.slice(0, 3).map((s) => `    left unfused: ${s.name} (${s.why})`),
    ...(skipped.length > 3 ? [`    ... and ${skipped.length - 3} more left unfused`] : []),
  ];
}

export const modelsOptimizeCommand: CliCommand = {
  name: 'models optimize',
  summary: 'write a copy of a model folder with attention fused into MultiHeadAttention (the fast kernel; TAC still adapts it), LayerNorms and GELUs into single nodes',
  usage: '<folder> --out <folder> [--provider cpu|cuda|dml|webgpu] [--fp16] [--json]',
  options: {
    out: { type: 'string', help: 'folder for the optimized copy (new or empty; must not overlap the source); required' },
    provider: { type: 'string', help: 'the provider the copy is for; refused when it has no MultiHeadAttention kernel (default cpu)' },
    fp16: { type: 'boolean', help: 'float16 weights and compute, float32 kept for the text encoder\'s final LayerNorm and the VAE\'s GroupNorms' },
    json: { type: 'boolean', help: 'print the report (fused and skipped attention, LayerNorms, GELUs per component) as JSON' },
  },
  async run(ctx) {
    const src = needPositional(ctx, 0, 'the model folder');
    const out = needString(ctx, 'out');
    const report = optimizeModelFolder(src, out, { provider: parseProvider(optString(ctx, 'provider')), fp16: Boolean(ctx.values.fp16), signal: ctx.signal });
    printResult(ctx, report, () =>
      [
        `optimized ${report.source} -> ${report.out} (for ${report.provider}${report.fp16 ? ', float16' : ''})`,
        ...Object.entries(report.components).map(([c, r]) =>
          [
            `  ${c}: ${r.fused.length ? `${r.fused.length} attention layers fused into MultiHeadAttention` : 'attention unchanged'}${normsLine(r.norms)}${r.fp16 ? `, ${r.fp16.converted} weights to float16${r.fp16.keptFloat32.length ? `, ${r.fp16.keptFloat32.length} nodes kept float32` : ''}` : ''}`,
            ...leftUnfused([...r.skipped, ...r.norms.skipped]),
            ...(r.norms.groupNorms.left > 0 ? [`    ${r.norms.groupNorms.left} GroupNorms left as Reshape/InstanceNormalization/Reshape (${r.norms.groupNorms.why})`] : []),
          ].join('\n'),
        ),
      ].join('\n'),
    );
    return 0;
  },
};
