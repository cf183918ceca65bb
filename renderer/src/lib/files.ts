/**
 * URLs of library images: /files/asset/<hash> and /files/thumb/<hash>?size=N. `r2r serve`
 * answers them (a token-guarded server by the session cookie the browser sends with them);
 * the desktop app answers the same paths on its r2r-asset:// scheme, with the same resolver.
 */
const desktop = typeof window !== 'undefined' && Boolean(window.r2rBridge);

function libraryFileUrl(path: string): string {
  return desktop ? 'r2r-asset://library' + path : path;
}

/** an image of the library, by its asset hash */
export function assetUrl(hash: string): string {
  return libraryFileUrl(`/files/asset/${hash}`);
}

/** a small version for grids */
export function thumbUrl(hash: string, size: 64 | 128 | 256 | 512): string {
  return libraryFileUrl(`/files/thumb/${hash}?size=${size}`);
}

/** decodes an image URL into an element ready to draw */
export function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = 'async';
    // the desktop scheme is another origin than the page: ask with CORS so canvas tools may read the pixels
    if (desktop) img.crossOrigin = 'anonymous';
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load image ${url}`));
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
