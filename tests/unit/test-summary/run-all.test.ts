import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, type VitestJsonReport } from '../../run-all.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

interface ScriptRun {
  status: number | null;
  /** the script's summary line */
  line: string;
  output: string;
}

interface Project {
  /** test files by path inside the project */
  files: Record<string, string>;
  /** use this repository's vitest.config.ts instead of a minimal one */
  repoConfig?: boolean;
  /** the project's own vitest config, as module source */
  config?: string;
  ci?: boolean;
  /** a file left in the results folder by an earlier run */
  staleReport?: string;
}

const MINIMAL_CONFIG = "export default { test: { include: ['**/*.test.ts'], testTimeout: 20000 } };\n";

/** runs tests/run-all.mjs on a temporary vitest project of its own */
function runSummaryScript(project: Project): Promise<ScriptRun> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-summary-'));
  folders.push(dir);
  for (const [path, text] of Object.entries(project.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const results = join(dir, 'results');
  if (project.staleReport) {
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'vitest.json'), project.staleReport);
  }
  const config = project.repoConfig ? join(repo, 'vitest.config.ts') : join(dir, 'vitest.config.mjs');
  if (!project.repoConfig) writeFileSync(config, project.config ?? MINIMAL_CONFIG);
  // the outer vitest's own variables (worker ids, CI) must not leak into the run under test
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', R2R_TEST_RESULTS: results };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'CI' && k !== 'NODE_ENV' && k !== 'TEST') env[k] = v;
  if (project.ci) env.CI = 'true';
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, 'tests', 'run-all.mjs'), '--config', config, '--root', dir], { cwd: repo, env });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', fail);
    child.on('close', (status) => {
      const lines = output.split('\n').filter((l) => l.startsWith('tests: '));
      done({ status, line: lines[lines.length - 1] ?? '', output });
    });
  });
}

const passing = "import { expect, test } from 'vitest';\ntest('passes', () => expect(1 + 1).toBe(2));\n";

// started together: each is a few seconds of vitest start-up
const runs = {
  loadFailure: runSummaryScript({
    files: {
      'ok.test.ts': passing,
      'missing-import.test.ts': "import { nothing } from './no-such-module';\nimport { test } from 'vitest';\ntest('never runs', () => void nothing);\n",
      'syntax-error.test.ts': "import { test } from 'vitest';\ntest('never runs', () => {\n",
    },
  }),
  failingHooks: runSummaryScript({
    files: {
      'before-all.test.ts': "import { beforeAll, test } from 'vitest';\nbeforeAll(() => { throw new Error('set-up failed'); });\ntest('a', () => {});\ntest('b', () => {});\n",
      'after-all.test.ts': "import { afterAll, test } from 'vitest';\nafterAll(() => { throw new Error('tear-down failed'); });\ntest('c', () => {});\n",
    },
  }),
  unhandledRejection: runSummaryScript({
    files: {
      'loose.test.ts':
        "import { test } from 'vitest';\ntest('passes but leaves a rejection behind', async () => {\n  void Promise.reject(new Error('nobody awaits this'));\n  await new Promise((r) => setTimeout(r, 20));\n});\n",
    },
  }),
  onlyUnderCi: runSummaryScript({
    repoConfig: true,
    ci: true,
    files: { 'tests/unit/focused.test.ts': "import { test } from 'vitest';\ntest.only('focused', () => {});\ntest('left out', () => {});\n" },
  }),
  onlyOutsideCi: runSummaryScript({
    repoConfig: true,
    files: { 'tests/unit/focused.test.ts': "import { test } from 'vitest';\ntest.only('focused', () => {});\ntest('left out', () => {});\n" },
  }),
  mix: runSummaryScript({
    files: {
      'one.test.ts':
        "import { describe, expect, it } from 'vitest';\ndescribe('sums', () => {\n  it('adds', () => expect(2 + 2).toBe(4));\n  it('is wrong', () => expect(2 + 2).toBe(5));\n  it.skip('is skipped', () => {});\n});\n",
      'two.test.ts': "import { expect, it } from 'vitest';\nit('x', () => {});\nit('y', () => {});\nit('throws', () => { throw new Error('no'); });\nit.todo('later');\n",
    },
  }),
  allPass: runSummaryScript({ files: { 'a.test.ts': passing, 'b.test.ts': passing } }),
  crash: runSummaryScript({
    config: "throw new Error('this config cannot load');\n",
    files: { 'a.test.ts': passing },
    staleReport: JSON.stringify({ success: true, numPassedTests: 7, numFailedTests: 0, testResults: [] }),
  }),
};

// eight vitest start-ups share the machine with the rest of the suite: give them time
describe('tests/run-all.mjs on a real vitest run', { timeout: 180_000 }, () => {
  it('counts each test file that fails to load (missing import, syntax error) as a failure', async () => {
    const r = await runs.loadFailure;
    expect(r.line).toBe('tests: 1 passed, 2 failed');
    expect(r.output).toContain('tests failed outside the counted tests: 2 files failed to load or in a hook');
    expect(r.status).toBe(1);
  });

  it('counts a failing beforeAll and a failing afterAll; the tests beforeAll kept from running are skipped, not passed', async () => {
    const r = await runs.failingHooks;
    expect(r.line).toBe('tests: 1 passed, 2 failed, 2 skipped');
    expect(r.output).toContain('tests failed outside the counted tests: 2 files failed to load or in a hook');
    expect(r.status).toBe(1);
  });

  it('counts an unhandled rejection in a passing test as a failure', async () => {
    const r = await runs.unhandledRejection;
    expect(r.output).toContain('nobody awaits this');
    expect(r.line).toBe('tests: 1 passed, 1 failed');
    expect(r.output).toContain('tests failed outside the counted tests: 1 unhandled error');
    expect(r.status).toBe(1);
  });

  it("fails a .only under CI=true with this repository's vitest config", async () => {
    const r = await runs.onlyUnderCi;
    expect(r.output).toContain('Unexpected .only modifier');
    expect(r.line).toBe('tests: 0 passed, 1 failed, 1 skipped');
    expect(r.status).toBe(1);
  });

  it('fails a .only without CI too: allowOnly is false always', async () => {
    const r = await runs.onlyOutsideCi;
    expect(r.line).toBe('tests: 0 passed, 1 failed, 1 skipped');
    expect(r.status).toBe(1);
  });

  it('gives exact counts for a mix of passed, failed, skipped and todo tests', async () => {
    const r = await runs.mix;
    expect(r.line).toBe('tests: 3 passed, 2 failed, 2 skipped');
    expect(r.status).toBe(1);
  });

  it('says 0 failed and exits 0 only when everything passed', async () => {
    const r = await runs.allPass;
    expect(r.line).toBe('tests: 2 passed, 0 failed');
    expect(r.output).not.toContain('tests failed outside the counted tests');
    expect(r.status).toBe(0);
  });

  it('counts a vitest crash (no report) as a failure and never reads the report of an earlier run', async () => {
    const r = await runs.crash;
    expect(r.output).toContain('this config cannot load');
    expect(r.line).toBe('tests: 0 passed, 1 failed');
    expect(r.output).toContain('tests failed outside the counted tests: vitest wrote no report: it crashed, its output above says why');
    expect(r.status).not.toBe(0);
  });
});

describe('summarize', () => {
  const clean: VitestJsonReport = { success: true, numPassedTests: 4, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [{ status: 'passed', assertionResults: [] }] };

  it('never says 0 failed when vitest marked the run failed, even with no failed test or unhandled-error count', () => {
    const s = summarize({ ...clean, success: false }, undefined, 1);
    expect(s.failed).toBe(1);
    expect(s).toMatchObject({ line: 'tests: 4 passed, 1 failed', why: 'vitest marked the run failed outside any test' });
  });

  it('never says 0 failed when vitest exited non-zero or was killed', () => {
    expect(summarize(clean, 0, 1)).toMatchObject({ line: 'tests: 4 passed, 1 failed', why: 'vitest exited with status 1' });
    expect(summarize(clean, 0, null).failed).toBe(1);
  });

  it('adds unhandled errors to failed tests', () => {
    const report: VitestJsonReport = { ...clean, success: false, numFailedTests: 2, testResults: [{ status: 'failed', message: '', assertionResults: [{ status: 'failed' }, { status: 'failed' }, { status: 'passed' }] }] };
    expect(summarize(report, 3, 1)).toMatchObject({ line: 'tests: 4 passed, 5 failed', why: '3 unhandled errors' });
  });
});
