import sharp from 'sharp';
import { valueNoise } from './random';
import { fillShape, SILHOUETTES, viewShape } from './silhouettes';
import type { SilhouetteFamily } from './silhouettes';
import type { Textile } from './textiles';

export type SampleLook = 'raster' | 'raytrace';

export interface GarmentImageSpec {
  family: SilhouetteFamily;
  textile: Textile;
  view: string;
  look: SampleLook;
  width: number;
  height: number;
  seed: number;
}

export const BACKGROUND: [number, number, number] = [236, 236, 233];

async function blur(plane: Uint8Array, width: number, height: number, sigma: number): Promise<Uint8Array> {
  const out = await sharp(Buffer.from(plane.buffer, plane.byteOffset, plane.byteLength), { raw: { width, height, channels: 1 } })
    .blur(Math.max(0.3, sigma))
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function shifted(mask: Uint8Array, width: number, height: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < width && mask[sy * width + sx]) out[y * width + x] = 255;
    }
  }
  return out;
}

/**
 * Draws one view of a garment on a uniform light background and returns PNG bytes.
 * `raster`: flat colour, hard aliased edges, an ink outline and two-tone cel shading, as
 * a real-time rasteriser shows cloth. `raytrace`: the same garment lit softly, with
 * ambient occlusion toward the outline, fabric folds, a faint sheen, anti-aliased edges
 * and a soft contact shadow on the backdrop.
 */
export async function renderGarmentImage(spec: GarmentImageSpec): Promise<Buffer> {
  const { width: W, height: H, view, look, textile, seed } = spec;
  const box = { x: 0.1 * W, y: 0.07 * H, w: 0.8 * W, h: 0.86 * H };
  const mask = fillShape(viewShape(SILHOUETTES[spec.family], view), box, W, H);
  const squeeze = view === 'left' || view === 'right' ? 0.46 : view === 'three-quarter' ? 0.78 : 1;
  const uOffset = view === 'back' ? 0.37 * W : view === 'right' ? 0.21 * W : 0;
  const rgb = new Uint8ClampedArray(W * H * 3);
  const texAt = (x: number, y: number) => textile((x - W / 2) / squeeze + W / 2 + uOffset, y);

  if (look === 'raster') {
    const ink = [34, 34, 38];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        let c: number[] = BACKGROUND;
        if (mask[i]) {
          const edge = x === 0 || y === 0 || x === W - 1 || y === H - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - W] || !mask[i + W];
          if (edge) c = ink;
          else {
            const band = x > W * 0.5 + (view === 'three-quarter' ? 0.06 * W : 0) ? 0.86 : 1;
            c = texAt(x, y).map((v) => v * band);
          }
        }
        rgb[i * 3] = c[0]!;
        rgb[i * 3 + 1] = c[1]!;
        rgb[i * 3 + 2] = c[2]!;
      }
    }
  } else {
    const m255 = mask.map((v) => v * 255);
    const scale = Math.min(W, H);
    const [occlusion, body, alpha, shadow] = await Promise.all([
      blur(m255, W, H, scale * 0.035),
      blur(m255, W, H, scale * 0.07),
      blur(m255, W, H, 0.6),
      blur(shifted(mask, W, H, Math.round(W * 0.025), Math.round(H * 0.018)), W, H, scale * 0.03),
    ]);
    const light = [-0.45, -0.55, 0.7];
    const ll = Math.hypot(light[0]!, light[1]!, light[2]!);
    const [lx, ly, lz] = light.map((v) => v / ll) as [number, number, number];
    const hx = lx;
    const hy = ly;
    const hz = lz + 1;
    const hl = Math.hypot(hx, hy, hz);
    const foldPeriod = W * 0.085;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const a = alpha[i]! / 255;
        const s = shadow[i]! / 255;
        const bgk = 1 - 0.4 * s;
        let r = BACKGROUND[0] * bgk;
        let g = BACKGROUND[1] * bgk;
        let b = BACKGROUND[2] * bgk;
        if (a > 0) {
          const xl = Math.max(0, x - 1);
          const xr = Math.min(W - 1, x + 1);
          const yu = Math.max(0, y - 1);
          const yd = Math.min(H - 1, y + 1);
          const k = scale * 0.07 * 2.2;
          let nx = (-(body[y * W + xr]! - body[y * W + xl]!) / 510) * k;
          let ny = (-(body[yd * W + x]! - body[yu * W + x]!) / 510) * k;
          // vertical folds whose strength wanders down the garment
          const wander = valueNoise(x, y, W * 0.2, seed + 3);
          nx += 0.28 * Math.sin((x / foldPeriod) * Math.PI * 2 + wander * 5) * (0.4 + 0.6 * valueNoise(x, y, H * 0.15, seed + 5));
          ny += 0.08 * Math.sin((y / (foldPeriod * 1.7)) * Math.PI * 2 + wander * 3);
          const nl = Math.hypot(nx, ny, 1);
          const nxn = nx / nl;
          const nyn = ny / nl;
          const nzn = 1 / nl;
          const diffuse = Math.max(0, nxn * lx + nyn * ly + nzn * lz);
          const ao = 0.55 + 0.45 * Math.min(1, Math.max(0, (occlusion[i]! / 255 - 0.5) * 2));
          const spec = Math.pow(Math.max(0, (nxn * hx + nyn * hy + nzn * hz) / hl), 28) * 0.07 * 255;
          const lit = (0.3 + 0.85 * diffuse) * ao;
          const t = texAt(x, y);
          r = r * (1 - a) + Math.min(255, t[0] * lit + spec) * a;
          g = g * (1 - a) + Math.min(255, t[1] * lit + spec) * a;
          b = b * (1 - a) + Math.min(255, t[2] * lit + spec) * a;
        }
        rgb[i * 3] = r;
        rgb[i * 3 + 1] = g;
        rgb[i * 3 + 2] = b;
      }
    }
  }
  return sharp(Buffer.from(rgb.buffer), { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
}
