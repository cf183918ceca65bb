import { defineConfig } from 'vitest/config';

// a committed `.only` would silently skip the rest of the suite: it fails the run everywhere
// (vitest's default allows it outside CI; inline projects do not inherit a root-level setting).
// Pass --allowOnly to focus on one test locally.
const allowOnly = false;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          allowOnly,
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          allowOnly,
          include: ['tests/e2e/**/*.e2e.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          // after the unit tests, not beside them: the browser's timings must not share two cores with
          // the unit suite's worker processes (a live preview once took over 60 s instead of 7 s there)
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
