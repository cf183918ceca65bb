import { PassThrough } from 'node:stream';
import { runCli } from '../../../main/cli/index';

/** stdout and stderr streams for runCli, with what was written to each */
export function cliIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** runs the CLI in-process and returns its exit code and what it wrote */
export async function runCliCaptured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const t = cliIo();
  const code = await runCli(args, t.io);
  return { code, out: t.out(), err: t.err() };
}
