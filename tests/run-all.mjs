// runs the whole vitest suite (unit + e2e) and ends with one plain summary line
// ("tests: N passed, N failed, N skipped") that CI and people can read at a glance.
// Every way a run can fail counts: failed tests, files that fail to load, failing hooks,
// unhandled errors and a vitest that crashed; the line never says "0 failed" then.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The summary of one run from vitest's json report (undefined: none was written), the count of
 * errors raised outside any test (undefined: unknown) and vitest's exit status.
 */
export function summarize(report, unhandledErrors, exitStatus) {
  if (!report?.testResults) {
    return { passed: 0, failed: 1, skipped: 0, why: 'vitest wrote no report: it crashed, its output above says why', line: 'tests: 0 passed, 1 failed' };
  }
  // a file that failed outside its tests: it did not load, or a hook (beforeAll, afterAll...) threw
  let outsideTests = 0;
  for (const file of report.testResults) {
    if (file.status !== 'failed') continue;
    const failedTests = file.assertionResults.filter((a) => a.status === 'failed').length;
    if (file.message || failedTests === 0) outsideTests++;
  }
  const unhandled = unhandledErrors ?? 0;
  let failed = report.numFailedTests + outsideTests + unhandled;
  const notes = [];
  if (outsideTests > 0) notes.push(`${outsideTests} ${outsideTests === 1 ? 'file' : 'files'} failed to load or in a hook`);
  if (unhandled > 0) notes.push(`${unhandled} unhandled ${unhandled === 1 ? 'error' : 'errors'}`);
  if (failed === 0 && (report.success !== true || exitStatus !== 0)) {
    failed = 1;
    notes.push(report.success !== true ? 'vitest marked the run failed outside any test' : `vitest exited with status ${exitStatus}`);
  }
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // the count line stays plain ('N passed, N failed[, N skipped]') so CI reads it; the reasons go on the line before
  const line = `tests: ${report.numPassedTests} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
  return { passed: report.numPassedTests, failed, skipped, why: notes.join('; '), line };
}

function main(vitestArgs) {
  const results = resolve(process.env.R2R_TEST_RESULTS ?? join(root, 'test-results'));
  const report = join(results, 'vitest.json');
  const unhandledReport = join(results, 'unhandled-errors.json');
  mkdirSync(results, { recursive: true });
  // a report left by an earlier run must never stand in for this one
  rmSync(report, { force: true });
  rmSync(unhandledReport, { force: true });
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const reporters = ['--reporter=default', '--reporter=json', `--outputFile.json=${report}`, `--reporter=${join(root, 'tests', 'unhandled-errors-reporter.mjs')}`];
  const run = spawnSync(process.execPath, [vitest, 'run', ...reporters, ...vitestArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, R2R_UNHANDLED_REPORT: unhandledReport },
  });
  const summary = summarize(readJson(report), readJson(unhandledReport)?.unhandledErrors, run.status);
  if (summary.why) console.log(`tests failed outside the counted tests: ${summary.why}`);
  console.log(summary.line);
  process.exit(summary.failed > 0 ? run.status || 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
