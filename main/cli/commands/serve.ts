import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBackend } from '../../api/index';
import { UserError } from '../../common/errors';
import { projectRoot } from '../../common/version';
import { isLoopback, startServer } from '../../server/http-server';
import type { CliCommand } from '../command';
import { optNumber, optString } from '../command';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'host the studio UI and API over HTTP/WebSocket (browser mode)',
  usage: '[--library <folder>] [--host 127.0.0.1] [--port 7420] [--token T] [--json]',
  options: {
    host: { type: 'string', help: 'address to listen on (default 127.0.0.1; other addresses get an access token)' },
    port: { type: 'string', help: 'port, 0-65535 (default 7420; 0 picks a free one)' },
    token: { type: 'string', help: 'access token the page and API require (default: none on loopback, else random)' },
    library: { type: 'string', help: 'library folder to open at start' },
    json: { type: 'boolean', help: 'print one JSON line with the URL once listening' },
  },
  async run(ctx) {
    const host = optString(ctx, 'host') ?? '127.0.0.1';
    const port = optNumber(ctx, 'port', 7420, 0, 65535);
    // off loopback anyone on the network could drive the studio: never without a token
    const token = optString(ctx, 'token') ?? (isLoopback(host) ? undefined : randomBytes(18).toString('base64url'));
    const staticRoot = join(projectRoot(), 'out/renderer');
    if (!existsSync(join(staticRoot, 'index.html'))) {
      throw new UserError('ui-not-built', `the studio UI is not built (${staticRoot} has no index.html)`, 'Run `npm run build` once, then `r2r serve` again.');
    }
    const library = optString(ctx, 'library');
    const backend = createBackend(library ? { library: resolve(library) } : {});
    const server = await startServer(backend, { host, port, staticRoot, ...(token ? { token } : {}) });
    const pageUrl = server.pageUrl;
    const madeUp = token !== undefined && optString(ctx, 'token') === undefined;
    if (ctx.values.json) ctx.stdout.write(JSON.stringify({ event: 'listening', url: server.url, page: pageUrl, ...(madeUp ? { token } : {}) }) + '\n');
    else {
      ctx.stdout.write(`R2R Studio is serving at ${pageUrl}\n`);
      // the token itself is shown only when we made it up: whoever passed --token knows it
      if (token) ctx.stdout.write(`That link works once. Other browsers: ${server.url}/?token=<token>; scripts: Authorization: Bearer <token>${madeUp ? ` (token: ${token})` : ''}.\n`);
      ctx.stdout.write('Press Ctrl+C to stop.\n');
    }
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await backend.close();
    return 0;
  },
};
