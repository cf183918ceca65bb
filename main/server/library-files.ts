import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Library } from '../catalog/index';
import { resolveLibraryFile } from '../api/library-files';

/** the HTTP side of resolveLibraryFile */
export async function serveLibraryFile(lib: Library | undefined, url: URL, res: ServerResponse, method = 'GET'): Promise<void> {
  const a = await resolveLibraryFile(lib, url, method);
  if (a.status !== 200) {
    res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8' }).end(a.message);
    return;
  }
  res.writeHead(200, a.headers);
  if (method === 'HEAD') res.end();
  else createReadStream(a.file).pipe(res);
}
