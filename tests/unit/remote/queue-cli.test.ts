import { describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { cliIo as io } from '../support/cli-io';
import { freePort } from './redis-fixture';

describe('r2r worker, r2r workers and export --queue options', () => {
  it('r2r worker needs --redis', async () => {
    const t = io();
    expect(await runCli(['worker'], t.io)).not.toBe(0);
    expect(t.err()).toMatch(/--redis is required/);
  });

  it('r2r worker takes --threads as a whole number from 1 to 256, before connecting', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    for (const [value, message] of [['0', /--threads must be a number between 1 and 256, got '0'/], ['1.5', /--threads must be a whole number between 1 and 256, got '1.5'/], ['many', /--threads must be a number between 1 and 256, got 'many'/]] as const) {
      const t = io();
      expect(await runCli(['worker', '--redis', url, '--threads', value], t.io)).not.toBe(0);
      expect(t.err()).toMatch(message);
      expect(t.err()).not.toMatch(/cannot reach Redis/);
    }
  });

  it('counts are whole numbers: r2r worker --concurrency, r2r export --concurrency', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const w = io();
    expect(await runCli(['worker', '--redis', url, '--concurrency', '2.5'], w.io)).not.toBe(0);
    expect(w.err()).toMatch(/--concurrency must be a whole number between 1 and 16, got '2.5'/);
    const e = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', '/tmp/x', '--concurrency', '1.5'], e.io)).not.toBe(0);
    expect(e.err()).toMatch(/--concurrency must be a whole number between 1 and 64, got '1.5'/);
  });

  it('refuses a URL that is not Redis before opening anything', async () => {
    const t = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', '/tmp/x', '--generate', 'missing', '--model', '/m', '--queue', 'http://h:6379'], t.io)).not.toBe(0);
    expect(t.err()).toMatch(/'http:\/\/h:6379' is not a Redis URL: the scheme is http/);
  });

  it('takes --attempts only with --queue', async () => {
    const t = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', '/tmp/x', '--generate', 'missing', '--model', '/m', '--attempts', '2'], t.io)).not.toBe(0);
    expect(t.err()).toMatch(/--attempts goes with --queue/);
  });

  it('r2r workers says when Redis is not there, hiding the password', async () => {
    const port = await freePort();
    const t = io();
    expect(await runCli(['workers', '--redis', `redis://:hunter2@127.0.0.1:${port}`], t.io)).not.toBe(0);
    expect(t.err()).toMatch(new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    expect(t.err()).not.toContain('hunter2');
  });
});
