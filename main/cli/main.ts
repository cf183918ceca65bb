import { runCli } from './index';

/** process entry: wires signals to cancellation and sets the exit code */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    // a second Ctrl+C means "now": the running command had its chance to clean up
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.exitCode = await runCli(argv, { stdout: process.stdout, stderr: process.stderr }, controller.signal);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
