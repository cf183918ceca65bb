import sharp from 'sharp';
import { LABEL_COLOURS } from '../../../preload/api/region-types';
import { BACKGROUND, type SampleLook } from './render';
import { fillShape, SILHOUETTES, viewShape } from './silhouettes';
import type { Rgb, Textile } from './textiles';

export interface AvatarImageSpec {
  textile: Textile;
  view: string;
  look: SampleLook;
  width: number;
  height: number;
}

const SKIN: Rgb = [222, 170, 138];
const HAIR: Rgb = [70, 48, 36];
/** a label colour near none of LABEL_COLOURS: hair has no role */
const NO_ROLE: Rgb = [255, 255, 0];

type Part = 'background' | 'face' | 'hair' | 'skin' | 'garment';

function ellipse(cx: number, cy: number, rx: number, ry: number): (x: number, y: number) => boolean {
  return (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
}

function rect(x0: number, y0: number, x1: number, y1: number): (x: number, y: number) => boolean {
  return (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1;
}

/** which part of the figure each pixel shows: the tee over the arms and neck, the head on top */
export function avatarParts(view: string, W: number, H: number): Part[] {
  const squeeze = view === 'left' || view === 'right' ? 0.46 : view === 'three-quarter' ? 0.78 : 1;
  const sx = (f: number) => W * (0.5 + (f - 0.5) * squeeze);
  const tee = fillShape(viewShape(SILHOUETTES.tee, view), { x: 0.14 * W, y: 0.21 * H, w: 0.72 * W, h: 0.5 * H }, W, H);
  const head = ellipse(sx(0.5), 0.12 * H, 0.1 * W * Math.max(squeeze, 0.8), 0.085 * H);
  const limbs = [rect(sx(0.45), 0.18 * H, sx(0.55), 0.26 * H), rect(sx(0.1), 0.3 * H, sx(0.19), 0.62 * H), rect(sx(0.81), 0.3 * H, sx(0.9), 0.62 * H), rect(sx(0.36), 0.7 * H, sx(0.47), 0.98 * H), rect(sx(0.53), 0.7 * H, sx(0.64), 0.98 * H)];
  const faceShown = view !== 'back';
  const parts: Part[] = new Array<Part>(W * H).fill('background');
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const px = x + 0.5;
      const py = y + 0.5;
      if (head(px, py)) {
        // hair on the top of the head, and all of it from behind
        parts[i] = faceShown && py > 0.075 * H ? 'face' : 'hair';
      } else if (tee[i]) parts[i] = 'garment';
      else if (limbs.some((l) => l(px, py))) parts[i] = 'skin';
    }
  return parts;
}

/**
 * A simple avatar wearing a tee of the textile, and its label mask (LABEL_COLOURS: garment,
 * skin, face, background; hair in a colour of no role). `raster` is flat with hard edges,
 * `raytrace` lit from the upper left; the label mask is the same for both.
 */
export async function renderAvatarImage(spec: AvatarImageSpec): Promise<{ png: Buffer; labels: Buffer }> {
  const { width: W, height: H, textile, look } = spec;
  const parts = avatarParts(spec.view, W, H);
  const rgb = new Uint8ClampedArray(W * H * 3);
  const labels = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const part = parts[i]!;
      const light = look === 'raytrace' ? 0.78 + 0.3 * (1 - x / W) * (1 - 0.5 * (y / H)) : 1;
      const base: Rgb = part === 'garment' ? textile(x, y) : part === 'skin' || part === 'face' ? SKIN : part === 'hair' ? HAIR : BACKGROUND;
      const k = part === 'background' ? 1 : light;
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = base[c]! * k;
      const label = part === 'hair' ? NO_ROLE : LABEL_COLOURS[part];
      labels.set(label, i * 3);
    }
  const png = await sharp(Buffer.from(rgb.buffer), { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
  const labelPng = await sharp(Buffer.from(labels.buffer), { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
  return { png, labels: labelPng };
}
