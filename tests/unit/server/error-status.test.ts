import { describe, expect, it } from 'vitest';
import { statusForErrorCode } from '../../../main/server/error-status';

describe('the HTTP status of an API error code', () => {
  it('maps each family to its status', () => {
    const expected: Record<string, number> = {
      'bad-json': 400,
      'invalid-arguments': 400,
      'bad-strength': 400,
      unauthorized: 401,
      'forbidden-origin': 403,
      'forbidden-host': 403,
      'unknown-method': 404,
      'job-not-found': 404,
      'file-not-found': 404,
      'unknown-garment': 404,
      'method-not-allowed': 405,
      'library-exists': 409,
      'target-not-empty': 409,
      'no-library': 409,
      'body-too-large': 413,
      'unsupported-media-type': 415,
      'too-many-attempts': 429,
      internal: 500,
      'worker-crashed': 500,
    };
    const got = Object.fromEntries(Object.keys(expected).map((code) => [code, statusForErrorCode(code)]));
    expect(got).toEqual(expected);
  });
});
