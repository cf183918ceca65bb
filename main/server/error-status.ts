/**
 * The HTTP status of each API error code, in one table. A code not listed is the user's
 * input or state (400), except the not-found and unknown families (404); `internal` and
 * anything that broke on our side is 500.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  'bad-json': 400,
  'invalid-arguments': 400,
  unauthorized: 401,
  'forbidden-host': 403,
  'forbidden-origin': 403,
  'forbidden-site': 403,
  'not-found': 404,
  'unknown-method': 404,
  'asset-unknown': 404,
  'method-not-allowed': 405,
  'library-exists': 409,
  'library-in-use': 409,
  'library-too-new': 409,
  'library-outdated': 409,
  'no-library': 409,
  'target-not-empty': 409,
  'output-not-empty': 409,
  'already-adapted': 409,
  'duplicate-combo-garment': 409,
  'jobs-closed': 409,
  cancelled: 409,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'too-many-attempts': 429,
  internal: 500,
  'worker-crashed': 500,
  'write-failed': 500,
  'thumbnail-failed': 500,
  'job-result-not-cloneable': 500,
  'ipc-failed': 500,
};

export function statusForErrorCode(code: string): number {
  const listed = STATUS_BY_CODE[code];
  if (listed !== undefined) return listed;
  if (code.endsWith('-not-found') || code.startsWith('unknown-')) return 404;
  return 400;
}
