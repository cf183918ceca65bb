import { inspectModelFolder } from '../../inference/models/inspect';
import type { CliCommand } from '../command';
import { needPositional, printResult } from '../command';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const shape = (s: (number | string | null)[] | null) => (s ? `[${s.map((d) => d ?? '?').join(',')}]` : '[?]');

export const modelsInspectCommand: CliCommand = {
  name: 'models inspect',
  summary: 'show the components of a Stable Diffusion ONNX folder: inputs, outputs, opset, size, precision, attention layers',
  usage: '<folder> [--json]',
  options: { json: { type: 'boolean', help: 'print each component (inputs, outputs, opset, precision, attention layers) as JSON' } },
  async run(ctx) {
    const result = inspectModelFolder(needPositional(ctx, 0, 'the model folder'));
    printResult(ctx, result, () =>
      result.components
        .map((c) =>
          [
            `${c.name}: ${c.path} (${mib(c.bytesOnDisk)}${c.dataFiles.length ? ', external data' : ''}, ${c.precision}, opset ${c.opset}, ${c.nodes} nodes)`,
            ...c.inputs.map((v) => `  in  ${v.name} ${v.dtype} ${shape(v.shape)}`),
            ...c.outputs.map((v) => `  out ${v.name} ${v.dtype} ${shape(v.shape)}`),
            ...(c.fusedAttention ? [`  attention fused (${c.fusedAttentionNodes} nodes): TAC cannot be applied`] : []),
            ...(c.attn1ByLevel ?? []).map((l) => `  attn1 at 1/${l.downscale} latent resolution: ${l.layers.length} layers (${l.layers.join(', ')})`),
            ...Object.keys(c.adapted).map((k) => `  adapted: ${k}`),
          ].join('\n'),
        )
        .concat([`tokenizer: ${result.tokenizer ? 'yes' : 'missing'}, scheduler: ${result.scheduler ? 'yes' : 'missing'}`])
        .join('\n'),
    );
    return 0;
  },
};
