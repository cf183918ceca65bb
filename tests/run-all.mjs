// runs the whole vitest suite (unit + e2e) and ends with one plain summary line
// ("tests: N passed, N failed, N skipped") that CI and people can read at a glance
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, 'test-results', 'vitest.json');
mkdirSync(dirname(report), { recursive: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let summary = 'tests: no report written';
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // a suite whose setup failed ran none of its tests: count those as failed, not skipped
  let notRun = 0;
  for (const file of r.testResults ?? []) {
    if (file.status === 'failed') notRun += file.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed').length;
  }
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests + notRun} failed` + (skipped - notRun > 0 ? `, ${skipped - notRun} skipped` : '');
} catch {
  // vitest crashed before writing its report: its own output says why
}
console.log(summary);
process.exit(run.status ?? 1);
