/** an axis-aligned rectangle in pixels */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface RgbaImage {
  /** 4 channels, row-major */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * The background colour of a render: the per-channel median of its one-pixel border, which
 * ignores a product touching the edge as long as it covers less than half of the border.
 */
export function borderColour(img: RgbaImage): Rgba {
  const { data, width: w, height: h } = img;
  const ch: number[][] = [[], [], [], []];
  const take = (x: number, y: number) => {
    const o = (y * w + x) * 4;
    for (let c = 0; c < 4; c++) ch[c]!.push(data[o + c]!);
  };
  for (let x = 0; x < w; x++) {
    take(x, 0);
    if (h > 1) take(x, h - 1);
  }
  for (let y = 1; y < h - 1; y++) {
    take(0, y);
    if (w > 1) take(w - 1, y);
  }
  return { r: median(ch[0]!), g: median(ch[1]!), b: median(ch[2]!), a: median(ch[3]!) };
}

export interface BoxOptions {
  /** largest per-channel difference from the background still counted as background */
  tolerance?: number;
}

/** true where a pixel differs from the background: by alpha on transparent renders, by colour otherwise */
function foregroundTest(img: RgbaImage, bg: Rgba, tolerance: number): (o: number) => boolean {
  const d = img.data;
  if (bg.a < 128) return (o) => d[o + 3]! > tolerance;
  return (o) =>
    Math.abs(d[o]! - bg.r) > tolerance || Math.abs(d[o + 1]! - bg.g) > tolerance || Math.abs(d[o + 2]! - bg.b) > tolerance || d[o + 3]! < 255 - tolerance;
}

/**
 * The bounding box of everything that is not background, or undefined for an empty render.
 * Rows are scanned from each end and columns only between the found rows, so a product
 * that fills most of the frame costs a fraction of a full scan.
 */
export function productBox(img: RgbaImage, opts: BoxOptions = {}): Box | undefined {
  const { width: w, height: h } = img;
  const bg = borderColour(img);
  const fg = foregroundTest(img, bg, opts.tolerance ?? 24);
  const rowHas = (y: number) => {
    for (let x = 0, o = y * w * 4; x < w; x++, o += 4) if (fg(o)) return true;
    return false;
  };
  let top = 0;
  while (top < h && !rowHas(top)) top++;
  if (top === h) return undefined;
  let bottom = h - 1;
  while (bottom > top && !rowHas(bottom)) bottom--;
  const colHas = (x: number) => {
    for (let y = top, o = (top * w + x) * 4; y <= bottom; y++, o += w * 4) if (fg(o)) return true;
    return false;
  };
  let left = 0;
  while (left < w && !colHas(left)) left++;
  let right = w - 1;
  while (right > left && !colHas(right)) right--;
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Paints the background region connected to the border with `paint` (4-connected flood fill
 * within `tolerance`), so a grey studio backdrop becomes the marketplace's white while
 * background-coloured areas inside the garment stay as they are.
 */
export function paintBackground(img: RgbaImage, paint: { r: number; g: number; b: number }, opts: BoxOptions & { within?: Box } = {}): number {
  const { data, width: w } = img;
  // everything outside the product box is backdrop, so the fill can be limited to the box,
  // seeded from its edges (which touch that outside backdrop or the image border)
  const area = opts.within ?? { left: 0, top: 0, width: img.width, height: img.height };
  const x0 = area.left, x1 = area.left + area.width - 1, y0 = area.top, y1 = area.top + area.height - 1;
  const bg = borderColour(img);
  const tol = opts.tolerance ?? 24;
  const byAlpha = bg.a < 128;
  // the foreground test of productBox, inlined: this loop visits most pixels of every render
  const lo0 = bg.r - tol, hi0 = bg.r + tol, lo1 = bg.g - tol, hi1 = bg.g + tol, lo2 = bg.b - tol, hi2 = bg.b + tol, loA = 255 - tol;
  const isBackdrop = (o: number): boolean => {
    if (byAlpha) return data[o + 3]! <= tol;
    const r = data[o]!, g = data[o + 1]!, b = data[o + 2]!;
    return r >= lo0 && r <= hi0 && g >= lo1 && g <= hi1 && b >= lo2 && b <= hi2 && data[o + 3]! >= loA;
  };
  const seen = new Uint8Array(w * img.height);
  const stack = new Int32Array(area.width * area.height);
  let sp = 0;
  const push = (p: number) => {
    if (seen[p] === 0) {
      seen[p] = 1;
      if (isBackdrop(p << 2)) stack[sp++] = p;
    }
  };
  for (let x = x0; x <= x1; x++) {
    push(y0 * w + x);
    push(y1 * w + x);
  }
  for (let y = y0; y <= y1; y++) {
    push(y * w + x0);
    push(y * w + x1);
  }
  let painted = 0;
  const top = y0 * w;
  const bottom = y1 * w;
  while (sp > 0) {
    const p = stack[--sp]!;
    const o = p << 2;
    data[o] = paint.r;
    data[o + 1] = paint.g;
    data[o + 2] = paint.b;
    data[o + 3] = 255;
    painted++;
    const x = p % w;
    if (x > x0) push(p - 1);
    if (x < x1) push(p + 1);
    if (p >= top + w) push(p - w);
    if (p < bottom) push(p + w);
  }
  return painted;
}

export interface Placement {
  /** size the product box is resized to */
  width: number;
  height: number;
  /** offset of the resized product in the frame */
  left: number;
  top: number;
  /** share of the frame the product spans on its limiting axis */
  fill: number;
}

/**
 * Scales a product box to span `fill` of the frame on its limiting axis (rounded up, so the
 * share is never under `fill`) and centres it.
 */
export function placeProduct(box: { width: number; height: number }, frame: { width: number; height: number }, fill: number): Placement {
  const widthLimited = frame.width / box.width <= frame.height / box.height;
  let width: number;
  let height: number;
  if (widthLimited) {
    width = Math.min(frame.width, Math.ceil(fill * frame.width - 1e-9));
    height = Math.max(1, Math.min(frame.height, Math.round((box.height * width) / box.width)));
  } else {
    height = Math.min(frame.height, Math.ceil(fill * frame.height - 1e-9));
    width = Math.max(1, Math.min(frame.width, Math.round((box.width * height) / box.height)));
  }
  return {
    width,
    height,
    left: Math.floor((frame.width - width) / 2),
    top: Math.floor((frame.height - height) / 2),
    fill: Math.max(width / frame.width, height / frame.height),
  };
}
