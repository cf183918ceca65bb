import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { createAccessGate, parseCookies, tokensEqual } from '../../../main/server/access-token';
import { createFailureLimiter } from '../../../main/server/failure-limiter';

const request = (headers: Record<string, string> = {}, remoteAddress = '10.0.0.5') => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;
const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

describe('access tokens', () => {
  it('compare equal only when equal, whatever the lengths', () => {
    expect(tokensEqual('secret', 'secret')).toBe(true);
    expect(tokensEqual('secret', 'secreT')).toBe(false);
    expect(tokensEqual('secret', 'secret-and-more')).toBe(false);
    expect(tokensEqual('secret', '')).toBe(false);
  });

  it('reads cookies, the first of a name winning', () => {
    expect([...parseCookies('a=1; b = two ;a=3; junk; =x')]).toEqual([
      ['a', '1'],
      ['b', 'two'],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });
});

describe('the access gate of remote mode', () => {
  const gate = () => createAccessGate({ token: 'tok en;with=odd chars', port: 7420, limiter: createFailureLimiter({ max: 3, windowMs: 60_000 }) });

  it('takes the token as a Bearer header and nothing in its place', () => {
    const g = gate();
    expect(g.authenticate(request({ authorization: 'Bearer tok en;with=odd chars' }))).toBeNull();
    expect(g.authenticate(request({ authorization: 'Bearer nope' }))).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(g.authenticate(request({ authorization: 'Basic dG9rZW4=' }))).toMatchObject({ status: 401 });
    expect(g.authenticate(request())).toMatchObject({ status: 401 });
    // the token itself is no cookie value: only the session a link set is
    expect(g.authenticate(request({ cookie: `${g.cookieName}=tok en;with=odd chars` }))).toMatchObject({ status: 401 });
  });

  it('turns a one-time code into an HttpOnly, SameSite=Strict session cookie, once', () => {
    const g = gate();
    const code = g.issueLinkCode();
    const first = g.redeem(request(), new URLSearchParams({ code }));
    expect('setCookie' in first && first.setCookie).toMatch(new RegExp(`^${g.cookieName}=[A-Za-z0-9_-]{40,}; HttpOnly; SameSite=Strict; Path=/$`));
    const cookie = cookieOf((first as { setCookie: string }).setCookie);
    expect(cookie).not.toContain('tok en');
    expect(g.authenticate(request({ cookie: `other=1; ${cookie}` }))).toBeNull();
    expect(g.redeem(request(), new URLSearchParams({ code }))).toMatchObject({ status: 401 });
    // the token in a link works as often as it is given
    expect('setCookie' in g.redeem(request(), new URLSearchParams({ token: 'tok en;with=odd chars' }))).toBe(true);
    expect('setCookie' in g.redeem(request(), new URLSearchParams({ token: 'tok en;with=odd chars' }))).toBe(true);
  });

  it('answers 429 with Retry-After once an address has guessed wrong too often, other addresses unaffected', () => {
    const g = gate();
    for (let i = 0; i < 3; i++) expect(g.authenticate(request({ authorization: `Bearer guess-${i}` }))).toMatchObject({ status: 401 });
    const limited = g.authenticate(request({ authorization: 'Bearer tok en;with=odd chars' }));
    expect(limited).toMatchObject({ status: 429, code: 'too-many-attempts' });
    expect(Number(limited!.headers!['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(g.redeem(request(), new URLSearchParams({ code: g.issueLinkCode() }))).toMatchObject({ status: 429 });
    expect(g.authenticate(request({ authorization: 'Bearer tok en;with=odd chars' }, '10.0.0.6'))).toBeNull();
  });

  it('does not count missing credentials or stale cookies as guesses', () => {
    const g = gate();
    for (let i = 0; i < 10; i++) {
      expect(g.authenticate(request())).toMatchObject({ status: 401 });
      expect(g.authenticate(request({ cookie: `${g.cookieName}=from-an-earlier-run` }))).toMatchObject({ status: 401 });
    }
    expect(g.authenticate(request({ authorization: 'Bearer tok en;with=odd chars' }))).toBeNull();
  });
});
