// the desktop window's security settings as plain data and functions: tested without Electron

/** the studio's own page is served from this scheme (not file://, which would open the whole disk) */
export const APP_SCHEME = 'r2r-app';
export const APP_ORIGIN = `${APP_SCHEME}://studio`;
/** images of the open library by hash: the same /files/asset/<hash> and /files/thumb/<hash>?size=N routes as browser mode */
export const ASSET_SCHEME = 'r2r-asset';
export const ASSET_ORIGIN = `${ASSET_SCHEME}://library`;

/** privileges for protocol.registerSchemesAsPrivileged: standard + secure so CSP 'self' and fetch work */
export const PRIVILEGED_SCHEMES = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  // corsEnabled: the page reads render pixels into a canvas (select background), which needs a CORS-clean image
  { scheme: ASSET_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
] as const;

export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  } as const;
}

/**
 * The page may run only its own scripts, talk only to itself, and show images from itself,
 * the library's asset protocol, and data/blob URLs (canvas exports, previews from jobs).
 * `devServer` (electron-vite's) is allowed for scripts and hot reload only in development.
 */
export function contentSecurityPolicy(opts: { devServer?: string } = {}): string {
  const dev = opts.devServer ? new URL(opts.devServer).origin : undefined;
  const devWs = dev?.replace(/^http/, 'ws');
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", ...(dev ? [dev] : [])]],
    ['style-src', ["'self'", "'unsafe-inline'", ...(dev ? [dev] : [])]],
    ['img-src', ["'self'", 'data:', 'blob:', `${ASSET_SCHEME}:`]],
    ['font-src', ["'self'", 'data:']],
    // blob: the 3D renderer frame fetches the model and material images the studio hands it as blob URLs (same origin only)
    ['connect-src', ["'self'", 'blob:', `${ASSET_SCHEME}:`, ...(dev && devWs ? [dev, devWs] : [])]],
    ['worker-src', ["'self'", 'blob:']],
    ['media-src', ["'none'"]],
    ['object-src', ["'none'"]],
    // the 3D renderer page (render3d.html) runs in a hidden frame of the studio's own origin
    ['frame-src', ["'self'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'self'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

type Headers = Record<string, string | string[]>;

/** response headers with our policy replacing any the response brought (in any letter case) */
export function withSecurityHeaders(headers: Headers | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const replaced = new Set(['content-security-policy', 'content-security-policy-report-only', 'x-content-type-options']);
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!replaced.has(name.toLowerCase())) out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [csp];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}

/** true when `url` is the studio's own page (same scheme, host and port as `appUrl`) */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const a = new URL(appUrl);
    return u.protocol === a.protocol && u.host === a.host && (u.protocol !== 'file:' || u.pathname === a.pathname);
  } catch {
    return false;
  }
}

/** the window never navigates: only a reload of the studio's own page goes through */
export function allowNavigation(url: string, appUrl: string): boolean {
  return isAppUrl(url, appUrl);
}

/** window.open and target=_blank never open a window; https links go to the system browser */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally?: string } {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' && !u.username && !u.password) return { action: 'deny', openExternally: u.href };
  } catch {
    // not a URL: nothing to open
  }
  return { action: 'deny' };
}

/** camera, microphone, notifications, geolocation, ...: the studio needs none */
export function allowPermission(_permission: string): boolean {
  return false;
}
