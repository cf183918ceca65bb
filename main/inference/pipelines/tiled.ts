import { UserError } from '../../common/errors';

/**
 * Runs a convolutional model (the VAE) over overlapping tiles and blends the results with
 * linear ramps in the overlaps, so peak memory follows the tile size, not the image size.
 * The input and output are planar [C, H, W] (batch 1); `scale` is output size / input size
 * (1/8 for the encoder, 8 for the decoder).
 */
export interface TileSpec {
  /** tile side in input pixels */
  tile: number;
  /** overlap between neighbouring tiles in input pixels */
  overlap: number;
}

export interface Planar {
  channels: number;
  width: number;
  height: number;
  data: Float32Array;
}

export type TileFn = (tile: Planar) => Promise<Planar>;

/** tile start positions along one axis: evenly stepped, the last flush with the end, all multiples of `align` */
export function tileStarts(length: number, tile: number, overlap: number, align: number): number[] {
  if (length <= tile) return [0];
  const step = Math.max(align, Math.floor((tile - overlap) / align) * align);
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += step) starts.push(s);
  const last = Math.floor((length - tile) / align) * align;
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts;
}

function crop(src: Planar, x: number, y: number, w: number, h: number): Planar {
  const out = new Float32Array(src.channels * w * h);
  for (let c = 0; c < src.channels; c++) {
    for (let row = 0; row < h; row++) {
      const from = c * src.width * src.height + (y + row) * src.width + x;
      out.set(src.data.subarray(from, from + w), c * w * h + row * w);
    }
  }
  return { channels: src.channels, width: w, height: h, data: out };
}

/** 1 inside, a linear ramp over `ramp` samples at each side that has a neighbour */
function edgeWeights(n: number, ramp: number, rampStart: boolean, rampEnd: boolean): Float32Array {
  const w = new Float32Array(n).fill(1);
  if (ramp <= 0) return w;
  for (let i = 0; i < n; i++) {
    let v = 1;
    if (rampStart) v = Math.min(v, (i + 0.5) / ramp);
    if (rampEnd) v = Math.min(v, (n - i - 0.5) / ramp);
    w[i] = v;
  }
  return w;
}

export async function runTiled(input: Planar, scale: number, spec: TileSpec, fn: TileFn, signal?: AbortSignal): Promise<Planar> {
  if (input.width <= spec.tile && input.height <= spec.tile) return fn(input);
  const align = scale < 1 ? Math.round(1 / scale) : 1;
  const xs = tileStarts(input.width, spec.tile, spec.overlap, align);
  const ys = tileStarts(input.height, spec.tile, spec.overlap, align);
  const outW = Math.round(input.width * scale);
  const outH = Math.round(input.height * scale);
  let acc: Float32Array | undefined;
  let channels = 0;
  const wsum = new Float32Array(outW * outH);
  const ramp = Math.round(spec.overlap * scale);
  for (let yi = 0; yi < ys.length; yi++) {
    for (let xi = 0; xi < xs.length; xi++) {
      signal?.throwIfAborted();
      const x = xs[xi]!;
      const y = ys[yi]!;
      const tw = Math.min(spec.tile, input.width - x);
      const th = Math.min(spec.tile, input.height - y);
      const out = await fn(crop(input, x, y, tw, th));
      if (!acc) {
        channels = out.channels;
        acc = new Float32Array(channels * outW * outH);
      }
      const ox = Math.round(x * scale);
      const oy = Math.round(y * scale);
      // weights only need to be positive: the sum is normalised below; the ramps make the seams smooth
      const wx = edgeWeights(out.width, ramp, xi > 0, xi < xs.length - 1);
      const wy = edgeWeights(out.height, ramp, yi > 0, yi < ys.length - 1);
      for (let row = 0; row < out.height; row++) {
        for (let col = 0; col < out.width; col++) {
          const w = wx[col]! * wy[row]!;
          const o = (oy + row) * outW + ox + col;
          wsum[o] += w;
          for (let c = 0; c < channels; c++) acc[c * outW * outH + o] += w * out.data[c * out.width * out.height + row * out.width + col]!;
        }
      }
    }
  }
  const plane = outW * outH;
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) acc![c * plane + i] /= wsum[i]!;
  return { channels, width: outW, height: outH, data: acc! };
}

/** what the VAE passes need of a model */
export interface VaeModel {
  vaeFactor: number;
  vaeEncode(image: Planar): Promise<Planar>;
  vaeDecode(latent: Planar): Promise<Planar>;
}

/**
 * The VAE tiles a person asked for, `null` for the whole canvas (the default). The SD VAE has
 * GroupNorm and mid-block attention over the whole image, so tiles change the result; they are
 * only for canvases whose whole-image pass does not fit in memory. A tile side in image pixels
 * (a multiple of 64, at least 128), overlapping its neighbours by an eighth of it.
 */
export function vaeTilesFor(side: number | undefined): TileSpec | null {
  if (side === undefined) return null;
  if (!Number.isInteger(side) || side < 128 || side % 64 !== 0) {
    throw new UserError('bad-option', `VAE tiles must be a multiple of 64 pixels, at least 128; got ${side}`, 'Try --vae-tiles 512, or leave it out to encode and decode the whole canvas (exact).');
  }
  return { tile: side, overlap: side / 8 };
}

/** the run report's words for how the VAE ran */
export function describeVae(tiles: TileSpec | null): string {
  return tiles ? `VAE in ${tiles.tile} px tiles overlapping by ${tiles.overlap} px, blended linearly` : 'VAE on the whole canvas';
}

// what onnxruntime and its providers say when an allocation fails (CPU arena, CUDA, DirectML, CoreML)
const OUT_OF_MEMORY = /out of memory|failed to allocate|bad_alloc|allocation fail|E_OUTOFMEMORY|OOM\b/i;

function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) parts.push(e.message);
  return parts.join('\n');
}

/**
 * A whole-canvas VAE pass that ran out of memory is told to tile. Memory is not predicted
 * ahead of the run (no provider reports what a session will need), so tiling stays a choice.
 */
async function wholeOrHint(what: 'encode' | 'decode', planar: Planar, run: () => Promise<Planar>): Promise<Planar> {
  try {
    return await run();
  } catch (err) {
    if (!OUT_OF_MEMORY.test(messages(err))) throw err;
    throw new UserError(
      'vae-out-of-memory',
      `the VAE ran out of memory to ${what} the whole ${planar.width}x${planar.height} ${what === 'encode' ? 'image' : 'latent'} at once`,
      'Run with --vae-tiles 512 (overlapping tiles blended linearly; slightly different from a whole-canvas pass), or use a smaller canvas.',
      { cause: err },
    );
  }
}

/** image [3, H, W] -> unscaled latent, whole or tiled */
export function encodeImage(model: VaeModel, image: Planar, tiles: TileSpec | null, signal?: AbortSignal): Promise<Planar> {
  if (!tiles) return wholeOrHint('encode', image, () => model.vaeEncode(image));
  return runTiled(image, 1 / model.vaeFactor, tiles, (t) => model.vaeEncode(t), signal);
}

/** unscaled latent -> image [3, h*f, w*f], whole or in the same tiles as the encode (in latent units) */
export function decodeLatent(model: VaeModel, latent: Planar, tiles: TileSpec | null, signal?: AbortSignal): Promise<Planar> {
  if (!tiles) return wholeOrHint('decode', latent, () => model.vaeDecode(latent));
  const f = model.vaeFactor;
  return runTiled(latent, f, { tile: tiles.tile / f, overlap: tiles.overlap / f }, (t) => model.vaeDecode(t), signal);
}
