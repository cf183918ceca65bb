import { expect } from 'vitest';
import { isUserError } from '../../../main/common/errors';

function expectUserErrorMatching(err: unknown, pattern: RegExp): void {
  expect(isUserError(err)).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}

/** `fn` must throw a UserError whose message matches `pattern` */
export function expectUserError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
    expect.unreachable('should have thrown');
  } catch (err) {
    expectUserErrorMatching(err, pattern);
  }
}

/** `p` must reject with a UserError whose message matches `pattern` */
export async function expectUserErrorAsync(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
    expect.unreachable('should have thrown');
  } catch (err) {
    expectUserErrorMatching(err, pattern);
  }
}
