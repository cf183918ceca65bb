import { describe, expect, it } from 'vitest';
import { commands } from '../../../main/cli/commands/index';
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

  it('explains every option of every command in its --help, aligned in one column', async () => {
    for (const c of commands) {
      const t = io();
      expect(await runCli([...c.name.split(' '), '--help'], t.io)).toBe(0);
      const lines = t.out().split('\n').filter((l) => l.startsWith('  --'));
      expect(lines.map((l) => l.match(/^ {2}--([\w-]+)/)![1]), c.name).toEqual(Object.keys(c.options));
      const columns = new Set<number>();
      for (const [name, o] of Object.entries(c.options)) {
        expect(o.help.trim().length, `${c.name} --${name}`).toBeGreaterThan(8);
        const line = lines.find((l) => l.startsWith(`  --${name} `) || l.startsWith(`  --${name},`) || l === `  --${name}`) ?? '';
        expect(line, `${c.name} --${name}`).toContain(o.help);
        columns.add(line.indexOf(o.help));
      }
      expect(columns.size, c.name).toBe(1);
    }
  });
});
