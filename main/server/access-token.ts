import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createFailureLimiter, type FailureLimiter } from './failure-limiter';
import type { Refusal } from './request-guard';

/** equal strings compare in the same time as unequal ones of any length (hashes first, then a constant-time compare) */
export function tokensEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export interface AccessGate {
  /** the cookie of this server (cookies are shared by every port of a host, so the name carries the port) */
  readonly cookieName: string;
  /** a link code that works once */
  issueLinkCode(): string;
  /** null when the request carries the token (Authorization: Bearer) or the session cookie a link set */
  authenticate(req: IncomingMessage): Refusal | null;
  /** a one-time code or the token from a link's query: the Set-Cookie that replaces it, or why not */
  redeem(req: IncomingMessage, query: URLSearchParams): { setCookie: string } | Refusal;
}

export interface AccessGateOptions {
  token: string;
  port: number;
  limiter?: FailureLimiter;
}

const tooMany = (seconds: number): Refusal => ({
  status: 429,
  code: 'too-many-attempts',
  message: `too many wrong access tokens from this address; try again in ${seconds} s`,
  headers: { 'retry-after': String(seconds) },
});

const unauthorized: Refusal = {
  status: 401,
  code: 'unauthorized',
  message: 'missing or wrong access token',
  hint: 'Open the link `r2r serve` printed (it works once per browser), or send the token as `Authorization: Bearer <token>`.',
};

/**
 * Remote mode's door: the token arrives once (in the printed one-time link, or in a header from
 * scripts), then the browser holds it in an HttpOnly, SameSite=Strict cookie that no page script
 * can read and no other site's request carries. Failed tokens are rate-limited per address.
 */
export function createAccessGate(opts: AccessGateOptions): AccessGate {
  const limiter = opts.limiter ?? createFailureLimiter({ max: 10, windowMs: 60_000 });
  const codes = new Set<string>();
  const cookieName = `r2r-session-${opts.port}`;
  // the cookie carries a secret of this run, not the token: any token text is fine, and no cookie outlives the server
  const session = randomBytes(32).toString('base64url');
  const address = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

  const check = (req: IncomingMessage, credential: string | undefined, matches: (c: string) => boolean): Refusal | null => {
    const wait = limiter.retryAfter(address(req));
    if (wait > 0) return tooMany(wait);
    if (credential === undefined) return unauthorized;
    if (matches(credential)) return null;
    limiter.fail(address(req));
    return unauthorized;
  };

  return {
    cookieName,
    issueLinkCode() {
      const code = randomBytes(24).toString('base64url');
      codes.add(code);
      return code;
    },
    authenticate(req) {
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ')) return check(req, auth.slice(7).trim(), (t) => tokensEqual(opts.token, t));
      // the session secret has 256 random bits: no guessing to brake, and a stale cookie of an earlier run
      // (an old tab reconnecting) must not lock its address out of the new link
      const cookie = parseCookies(req.headers.cookie).get(cookieName);
      return cookie !== undefined && tokensEqual(session, cookie) ? null : unauthorized;
    },
    redeem(req, query) {
      const code = query.get('code');
      const token = query.get('token');
      const refusal =
        code !== null
          ? check(req, code, (c) => [...codes].some((known) => tokensEqual(known, c)))
          : check(req, token ?? undefined, (t) => tokensEqual(opts.token, t));
      if (refusal) return refusal;
      if (code !== null) codes.delete(code);
      return { setCookie: `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/` };
    },
  };
}
