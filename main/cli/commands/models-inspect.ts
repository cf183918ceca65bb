import { inspectModelFolder } from '../../inference/models/inspect';
import type { CliCommand } from '../command';
import { needPositional, printResult } from '../command';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const shape = (s: (number | string | null)[] | null) => (s ? `[${s.map((d) => d ?? '?').join(',')}]` : '[?]');

export const modelsInspectCommand: CliCommand = {
  name: 'models inspect',
  summary: 'show the components of a Stable Diffusion ONNX folder: inputs, outputs, opset, size, precision, attention layers, problems (exit 1 when generate would refuse it)',
  usage: '<folder> [--json]',
  options: { json: { type: 'boolean', help: 'print each component (inputs, outputs, opset, precision, attention layers) as JSON' } },
  async run(ctx) {
    const result = inspectModelFolder(needPositional(ctx, 0, 'the model folder'));
    const unusable = result.components.filter((c) => c.problems.length > 0);
    printResult(ctx, result, () =>
      result.components
        .map((c) =>
          [
            `${c.name}: ${c.path} (${mib(c.bytesOnDisk)}${c.dataFiles.length ? ', external data' : ''}, ${c.precision}, opset ${c.opset}, ${c.nodes} nodes)`,
            ...c.inputs.map((v) => `  in  ${v.name} ${v.dtype} ${shape(v.shape)}`),
            ...c.outputs.map((v) => `  out ${v.name} ${v.dtype} ${shape(v.shape)}`),
            ...(c.fusedAttention ? [`  attention fused (${c.fusedAttentionNodes} nodes): TAC adapts MultiHeadAttention and Attention; models adapt names any other form`] : []),
            ...(c.attn1ByLevel ?? []).map((l) => `  attn1 at 1/${l.downscale} latent resolution: ${l.layers.length} layers (${l.layers.join(', ')})`),
            ...Object.keys(c.adapted).map((k) => `  adapted: ${k}`),
            ...c.problems.map((p) => `  problem: ${p}`),
          ].join('\n'),
        )
        .concat([`tokenizer: ${result.tokenizer ? 'yes' : 'missing'}, scheduler: ${result.scheduler ? 'yes' : 'missing'}`])
        .concat(unusable.length ? [`not usable: ${unusable.map((c) => c.path).join(', ')} cannot serve as ${unusable.length > 1 ? 'their components' : 'its component'} (generate and the studio refuse this folder)`] : [])
        .join('\n'),
    );
    // the same checks generate runs before loading: a folder they would refuse is an error here too
    return unusable.length ? 1 : 0;
  },
};
