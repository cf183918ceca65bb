import { parseArgs } from 'node:util';
import { describeError, isUserError } from '../common/errors';
import { appVersion } from '../common/version';
import type { CliCommand, CliIo } from './command';
import { commands } from './commands/index';

function findCommand(args: string[]): { command: CliCommand; rest: string[] } | undefined {
  let best: { command: CliCommand; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((w, i) => args[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: args.slice(words.length) };
    }
  }
  return best;
}

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'r2r: R2R Studio from the command line (rendered garments to realistic catalog shots)',
    '',
    'Usage: r2r <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options: --help (also after a command), --version',
  ].join('\n');
}

function commandHelp(c: CliCommand): string {
  const flags = Object.entries(c.options).map(([name, o]) => [`  --${name}${o.short ? `, -${o.short}` : ''}${o.type === 'string' ? ' <value>' : ''}`, o.help] as const);
  const width = Math.max(0, ...flags.map(([f]) => f.length));
  const opts = flags.map(([f, help]) => `${f.padEnd(width)}  ${help}`);
  return [`r2r ${c.name} ${c.usage}`, '', c.summary, ...(opts.length ? ['', 'Options:', ...opts] : [])].join('\n');
}

/** Runs the CLI and returns the exit code; never calls process.exit itself (testable). */
export async function runCli(argv: string[], io: CliIo, signal: AbortSignal = new AbortController().signal): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(helpText() + '\n');
    return argv.length === 0 ? 1 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout.write(appVersion() + '\n');
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`r2r: unknown command '${argv.join(' ')}'. Run 'r2r --help' for the list.\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  let parsed;
  try {
    const options = Object.fromEntries(Object.entries(command.options).map(([name, { help: _help, ...o }]) => [name, o]));
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    io.stderr.write(`r2r ${command.name}: ${(err as Error).message}\nUsage: r2r ${command.name} ${command.usage}\n`);
    return 2;
  }
  try {
    return await command.run({ ...io, values: parsed.values, positionals: parsed.positionals, signal });
  } catch (err) {
    if (signal.aborted) {
      io.stderr.write(`r2r ${command.name}: cancelled\n`);
      return 130;
    }
    io.stderr.write(`r2r ${command.name}: ${describeError(err)}\n`);
    if (!isUserError(err) && process.env.R2R_DEBUG) io.stderr.write(String((err as Error).stack) + '\n');
    return 1;
  }
}
