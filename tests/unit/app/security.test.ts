import { describe, expect, it } from 'vitest';
import {
  allowNavigation,
  allowPermission,
  contentSecurityPolicy,
  isAppUrl,
  PRIVILEGED_SCHEMES,
  secureWebPreferences,
  windowOpenDecision,
  withSecurityHeaders,
} from '../../../main/app/security';
import { APP_INDEX_URL } from '../../../main/app/app-protocol';

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('window security settings', () => {
  it('isolates the page from Node and Electron', () => {
    expect(secureWebPreferences('/app/preload/index.cjs')).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('has a strict content security policy', () => {
    const d = directives(contentSecurityPolicy());
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    // the studio frames only its own 3D renderer page
    expect(d.get('frame-ancestors')).toEqual(["'self'"]);
    expect(d.get('frame-src')).toEqual(["'self'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
    expect(d.get('img-src')).toEqual(["'self'", 'data:', 'blob:', 'r2r-asset:']);
    expect(d.get('connect-src')).toEqual(["'self'", 'blob:', 'r2r-asset:']);
    const all = [...d.values()].flat();
    for (const loose of ["'unsafe-eval'", '*', 'http:', 'https:', 'ws:', 'file:']) expect(all).not.toContain(loose);
    expect(d.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('lets the development server in only when one is used', () => {
    const d = directives(contentSecurityPolicy({ devServer: 'http://localhost:5173/' }));
    expect(d.get('script-src')).toEqual(["'self'", 'http://localhost:5173']);
    expect(d.get('connect-src')).toEqual(["'self'", 'blob:', 'r2r-asset:', 'http://localhost:5173', 'ws://localhost:5173']);
    expect(d.get('default-src')).toEqual(["'none'"]);
  });

  it('puts the policy on responses, replacing any other in any letter case', () => {
    const out = withSecurityHeaders({ 'content-security-policy': ["default-src *"], 'Content-Security-Policy-Report-Only': 'x', 'Content-Type': 'text/html', 'X-Custom': ['a', 'b'] }, 'default-src none');
    expect(out).toEqual({ 'Content-Type': ['text/html'], 'X-Custom': ['a', 'b'], 'Content-Security-Policy': ['default-src none'], 'X-Content-Type-Options': ['nosniff'] });
    expect(withSecurityHeaders(undefined, 'p')['Content-Security-Policy']).toEqual(['p']);
  });

  it('registers its schemes as secure standard schemes', () => {
    expect(PRIVILEGED_SCHEMES.map((s) => [s.scheme, s.privileges.standard, s.privileges.secure])).toEqual([
      ['r2r-app', true, true],
      ['r2r-asset', true, true],
    ]);
  });
});

describe('navigation, new windows and permissions', () => {
  it('knows the studio page from everything else', () => {
    expect(isAppUrl('r2r-app://studio/index.html#/library', APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('r2r-app://evil/index.html', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('https://studio/index.html', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('not a url', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });

  it('blocks navigation away from the studio', () => {
    for (const url of ['https://example.com/', 'http://localhost:5173/', 'file:///home/user/', 'javascript:alert(1)', 'data:text/html,hi', 'r2r-asset://library/assets/a.png']) {
      expect(allowNavigation(url, APP_INDEX_URL), url).toBe(false);
    }
    expect(allowNavigation(APP_INDEX_URL, APP_INDEX_URL)).toBe(true);
  });

  it('never opens windows; only https links go to the system browser', () => {
    expect(windowOpenDecision('https://github.com/r2r/studio')).toEqual({ action: 'deny', openExternally: 'https://github.com/r2r/studio' });
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/', 'about:blank', '']) {
      expect(windowOpenDecision(url), url).toEqual({ action: 'deny' });
    }
  });

  it('denies every permission request', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'midi', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'openExternal', 'unknown']) {
      expect(allowPermission(p), p).toBe(false);
    }
  });
});
