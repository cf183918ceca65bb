import { describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { cliIo as io } from '../support/cli-io';

describe('r2r cli', () => {
  it('prints help listing the commands', async () => {
    const t = io();
    expect(await runCli(['--help'], t.io)).toBe(0);
    expect(t.out()).toMatch(/Usage: r2r <command>/);
    expect(t.out()).toMatch(/\binfo\b/);
  });

  it('rejects an unknown command with exit code 2 and a hint', async () => {
    const t = io();
    expect(await runCli(['frobnicate'], t.io)).toBe(2);
    expect(t.err()).toMatch(/unknown command 'frobnicate'.*r2r --help/);
  });

  it('reports info as JSON with cpu starting', async () => {
    const t = io();
    expect(await runCli(['info', '--json'], t.io)).toBe(0);
    const info = JSON.parse(t.out());
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.node).toBe(process.versions.node);
    const cpu = info.providers.find((p: { name: string }) => p.name === 'cpu');
    expect(cpu).toMatchObject({ listed: true, starts: true });
  });

  it('rejects unknown options with usage', async () => {
    const t = io();
    expect(await runCli(['info', '--bogus'], t.io)).toBe(2);
    expect(t.err()).toMatch(/Usage: r2r info/);
  });
});
