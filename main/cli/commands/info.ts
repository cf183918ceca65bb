import { appInfo } from '../../api/app-info';
import type { CliCommand } from '../command';
import { printResult } from '../command';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'version, platform and the execution providers that start on this machine',
  usage: '[--json]',
  options: { json: { type: 'boolean', help: 'print versions and every execution provider with whether it starts, as JSON' } },
  async run(ctx) {
    const info = await appInfo();
    printResult(ctx, info, () =>
      [
        `${info.name} ${info.version} on ${info.platform}/${info.arch}, Node ${info.node}, onnxruntime ${info.onnxruntime}`,
        'Execution providers:',
        ...info.providers.map((p) => `  ${p.name.padEnd(9)} ${p.starts ? 'starts' : 'unavailable'}${p.reason ? ` (${p.reason})` : ''}`),
      ].join('\n'),
    );
    return 0;
  },
};
