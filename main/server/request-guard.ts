import type { IncomingHttpHeaders } from 'node:http';

/** why a request is refused before any route sees it: the status and the error body's fields */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  hint?: string;
  headers?: Record<string, string>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `name[:port]` of a Host header; IPv6 names keep their brackets */
export function parseHostHeader(host: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return null;
  return { name: m[1]!.toLowerCase(), port: m[2] === undefined ? null : Number(m[2]) };
}

/**
 * On loopback the only names of the studio are 127.0.0.1, localhost, [::1] (and the address it
 * is bound to) with its port: any other Host is a page that rebound its own name to us.
 */
export function checkHost(host: string | undefined, bound: { address: string; port: number }): Refusal | null {
  const parsed = host ? parseHostHeader(host) : null;
  const boundName = bound.address.includes(':') ? `[${bound.address.toLowerCase()}]` : bound.address;
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', boundName]);
  const port = parsed?.port ?? 80;
  if (parsed && names.has(parsed.name) && port === bound.port) return null;
  return {
    status: 403,
    code: 'forbidden-host',
    message: `this server answers only to 127.0.0.1, localhost or [::1] on port ${bound.port}, not to ${JSON.stringify(host ?? '')}`,
    hint: `Open http://127.0.0.1:${bound.port}/ (the address \`r2r serve\` printed).`,
  };
}

/**
 * A browser names the page behind every POST and WebSocket in `Origin`: only the studio's own
 * page (the same name and port as the Host it asked) may talk to the API. Requests without
 * one (curl, scripts) are no page's doing.
 */
export function checkOrigin(headers: IncomingHttpHeaders): Refusal | null {
  const origin = headers.origin;
  if (origin === undefined) return null;
  // https: the same host and port behind a TLS proxy is still this server's page
  const own = headers.host ? [`http://${headers.host.toLowerCase()}`, `https://${headers.host.toLowerCase()}`] : [];
  if (own.includes(origin.toLowerCase())) return null;
  return {
    status: 403,
    code: 'forbidden-origin',
    message: `requests from the page ${JSON.stringify(origin)} are refused: only the studio's own page may use this server`,
  };
}

/** `Sec-Fetch-Site` catches what `Origin` does not name, such as another site's <img> of a library file */
export function checkFetchSite(headers: IncomingHttpHeaders): Refusal | null {
  const site = headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return null;
  return { status: 403, code: 'forbidden-site', message: `a ${site} request is refused: only the studio's own page may use this server` };
}

/**
 * API calls are JSON: a page can send text/plain or a form to any server without asking, but
 * application/json from another origin needs the preflight this server never grants.
 */
export function checkJsonContentType(contentType: string | undefined): Refusal | null {
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  if (media === 'application/json') return null;
  return {
    status: 415,
    code: 'unsupported-media-type',
    message: `API calls take a JSON body (Content-Type: application/json), not ${contentType ? JSON.stringify(contentType) : 'a body without a type'}`,
  };
}
