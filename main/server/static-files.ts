import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { contentType } from '../common/content-type';
import { resolveInside } from '../common/inside-root';
import { projectRoot } from '../common/version';

/** the studio's icon for the browser tab (the desktop app's icon is resources/build/icon.png) */
const FAVICON = '/favicon.ico';

/** serves a built single-page app: files as they are, index.html for unknown routes */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  let file = urlPath === FAVICON ? join(projectRoot(), 'resources', 'favicon.ico') : await resolveInside(root, urlPath === '/' ? '/index.html' : urlPath);
  let info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile()) {
    if (extname(urlPath)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    file = join(root, 'index.html');
    info = await stat(file).catch(() => undefined);
    if (!info) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('the UI is not built: run `npm run build` first');
      return;
    }
  }
  res.writeHead(200, {
    'content-type': contentType(file),
    'content-length': info.size,
    'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
  });
  createReadStream(file).pipe(res);
}
