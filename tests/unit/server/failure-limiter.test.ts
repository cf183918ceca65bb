import { describe, expect, it } from 'vitest';
import { createFailureLimiter } from '../../../main/server/failure-limiter';

describe('the failed-token limiter', () => {
  it('allows N failures per window, then says how long to wait', () => {
    let t = 1_000_000;
    const limiter = createFailureLimiter({ max: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('a')).toBe(0);
      limiter.fail('a');
      t += 10_000;
    }
    // failures at 0 s, 10 s and 20 s; now 30 s: the first leaves the window at 60 s
    expect(limiter.retryAfter('a')).toBe(30);
    expect(limiter.retryAfter('b')).toBe(0);
    t += 29_000;
    expect(limiter.retryAfter('a')).toBe(1);
    t += 1_001;
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('keeps a bounded number of addresses', () => {
    let t = 0;
    const limiter = createFailureLimiter({ max: 1, windowMs: 60_000, now: () => t, maxKeys: 100 });
    limiter.fail('first');
    for (let i = 0; i < 500; i++) limiter.fail(`flood-${i}`);
    t += 1;
    // the stalest address was dropped, the newest are still held back
    expect(limiter.retryAfter('first')).toBe(0);
    expect(limiter.retryAfter('flood-499')).toBe(60);
  });
});
