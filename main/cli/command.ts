import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../common/errors';

/** parseArgs' option settings, each with the line `--help` shows for it */
export type CliOptions = Record<string, NonNullable<ParseArgsConfig['options']>[string] & { help: string }>;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface CliContext extends CliIo {
  /** parsed option values, keyed by long name */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** positionals after the command words */
  positionals: string[];
  /** aborted on SIGINT / SIGTERM: long commands stop and clean up */
  signal: AbortSignal;
}

/**
 * One `r2r` subcommand. `name` may hold several words (`library init`); the dispatcher
 * picks the command whose words match the longest prefix of the arguments.
 */
export interface CliCommand {
  name: string;
  summary: string;
  /** the argument line after the command name, e.g. `<dir> [--json]` */
  usage: string;
  options: CliOptions;
  run(ctx: CliContext): Promise<number>;
}

/** a string option, or undefined when absent */
export function optString(ctx: CliContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** a string option that must be given */
export function needString(ctx: CliContext, name: string): string {
  const v = optString(ctx, name);
  if (v === undefined) throw new UserError('missing-option', `--${name} is required`, `Add --${name} <value>.`);
  return v;
}

/** a numeric option within [min, max], or `fallback` when absent */
export function optNumber(ctx: CliContext, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const v = optString(ctx, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UserError('bad-option', `--${name} must be a number between ${min} and ${max}, got '${v}'`);
  }
  return n;
}

/** a whole-number option (counts, sizes, seeds): `--steps 2.5` is refused, not truncated */
export function optInteger(ctx: CliContext, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const n = optNumber(ctx, name, fallback, min, max);
  if (!Number.isInteger(n)) throw new UserError('bad-option', `--${name} must be a whole number between ${min} and ${max}, got '${optString(ctx, name)}'`);
  return n;
}

/** the positional argument at `index`, named `what` in the error when missing */
export function needPositional(ctx: CliContext, index: number, what: string): string {
  const v = ctx.positionals[index];
  if (v === undefined) throw new UserError('missing-argument', `missing ${what}`);
  return v;
}

/** prints `value` as JSON (one document) or calls `human` to print text */
export function printResult(ctx: CliContext, value: unknown, human: () => string): void {
  if (ctx.values.json) ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else ctx.stdout.write(human() + '\n');
}
