/**
 * URLs of library images. `r2r serve` serves them under /files/ (with the access token
 * when it needs one); img tags cannot send headers, so the token rides in the query.
 */
function withToken(path: string): string {
  const token = sessionStorage.getItem('r2r-token');
  if (!token) return path;
  return path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
}

// the desktop app serves the open library's files itself, by path, on its own scheme
const desktop = typeof window !== 'undefined' && Boolean(window.r2rBridge);

function desktopUrl(path: string): string {
  return 'r2r-asset://library/' + path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

/** an image of the library; `path` (inside the library folder) is needed in the desktop app */
export function assetUrl(hash: string, path?: string | null): string {
  if (desktop && path) return desktopUrl(path);
  return withToken(`/files/asset/${hash}`);
}

/** a small version for grids; the desktop scheme has no thumbnails, so it gets the image */
export function thumbUrl(hash: string, size: 64 | 128 | 256 | 512, path?: string | null): string {
  if (desktop && path) return desktopUrl(path);
  return withToken(`/files/thumb/${hash}?size=${size}`);
}

/** decodes an image URL into an element ready to draw */
export function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load image ${url.replace(/token=[^&]+/, 'token=…')}`));
    img.src = url;
  });
}

/** the RGBA pixels of an image (for tools that read the render) */
export function imagePixels(img: HTMLImageElement | HTMLCanvasElement): ImageData {
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, c.width, c.height);
}
