// a vitest reporter for what the json report leaves out: errors raised outside any test
// (an unhandled rejection, an error thrown after a test ended), which fail the run but no test
import { writeFileSync } from 'node:fs';

export default class UnhandledErrorsReporter {
  onTestRunEnd(_testModules, unhandledErrors, reason) {
    const out = process.env.R2R_UNHANDLED_REPORT;
    if (out) writeFileSync(out, JSON.stringify({ unhandledErrors: unhandledErrors.length, reason }));
  }
}
