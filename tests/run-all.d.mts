export interface VitestJsonReport {
  success?: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: { status: string; message?: string; assertionResults: { status: string }[] }[];
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** "tests: N passed, N failed[, N skipped]", plain so CI reads it */
  line: string;
  /** why the run failed outside the counted tests ('' when it did not) */
  why: string;
}

export function summarize(report: VitestJsonReport | undefined, unhandledErrors: number | undefined, exitStatus: number | null): RunSummary;
