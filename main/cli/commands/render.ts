import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RENDER3D_KINDS, RENDER3D_VIEWS } from '../../../preload/api/render3d-types';
import type { Render3dBackground, Render3dKind, Render3dView } from '../../../preload/api/render3d-types';
import { inspectModel, ModelProblem } from '../../catalog/import/glb';
import { MaterialProblem, parseU3m, parseU3ma } from '../../catalog/import/u3m';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../common/errors';
import { renderHeadless } from '../../server/render3d-host';
import type { HeadlessMaterial } from '../../server/render3d-host';
import type { CliCommand } from '../command';
import { needPositional, needString, optInteger, optString, printResult } from '../command';
import { createProgress } from '../progress';

/** the library's render size: the studio's portrait frame */
export const DEFAULT_RENDER_SIZE = { width: 768, height: 1024 };
export const DEFAULT_SAMPLES = 64;

function parseList<T extends string>(option: string, text: string | undefined, allowed: readonly T[], fallback: T[]): T[] {
  if (text === undefined) return fallback;
  const items = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = items.find((i) => !(allowed as readonly string[]).includes(i));
  if (bad !== undefined || !items.length) throw new UserError('bad-option', `--${option} takes ${allowed.join(', ')} (comma-separated), got '${text}'`);
  return [...new Set(items)] as T[];
}

function parseSize(text: string | undefined): { width: number; height: number } {
  if (text === undefined) return DEFAULT_RENDER_SIZE;
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  const [w, h] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || w < 8 || h < 8 || w > 4096 || h > 4096) throw new UserError('bad-option', `--size must be WxH, each 8..4096 (e.g. 768x1024), got '${text}'`);
  return { width: w, height: h };
}

/** a .u3m (its images read beside it) or .u3ma for --material; the garment wears its front side */
export function readMaterialFile(path: string): HeadlessMaterial {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError('unreadable-material', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const beside = (p: string) => {
    try {
      return readFileSync(resolve(dirname(path), p));
    } catch {
      return undefined;
    }
  };
  try {
    const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
    const { material, images } = isZip || path.toLowerCase().endsWith('.u3ma') ? parseU3ma(bytes) : parseU3m(bytes, beside);
    return { name: material.name, side: material.front, images };
  } catch (err) {
    if (err instanceof MaterialProblem) throw new UserError('bad-material', `${path}: ${err.message}`, 'Give a U3M 1.1 material: a .u3m with its images beside it, or a .u3ma.');
    throw err;
  }
}

function parseKinds(text: string | undefined): Render3dKind[] {
  if (text === undefined || text === 'both') return [...RENDER3D_KINDS];
  return parseList('kind', text, RENDER3D_KINDS, []);
}

export const renderCommand: CliCommand = {
  name: 'render',
  summary: 'rasterised and path-traced renders of a garment .glb from the 3D camera rig, in headless Chromium (CPU: SwiftShader)',
  usage: '<model.glb> --out <dir> [--views front,back,side,detail] [--kind raster|raytrace|both] [--samples 64] [--size 768x1024] [--background transparent|white] [--variant NAME] [--material FILE.u3m|.u3ma] [--json]',
  options: {
    out: { type: 'string', help: 'folder the PNGs are written to, as <view>_<kind>.png' },
    views: { type: 'string', help: `views to render (default: ${RENDER3D_VIEWS.join(',')})` },
    kind: { type: 'string', help: 'raster, raytrace or both (default both)' },
    samples: { type: 'string', help: `path-traced samples per pixel (default ${DEFAULT_SAMPLES})` },
    size: { type: 'string', help: `image size WxH (default ${DEFAULT_RENDER_SIZE.width}x${DEFAULT_RENDER_SIZE.height})` },
    background: { type: 'string', help: 'transparent (default) or white' },
    variant: { type: 'string', help: 'KHR_materials_variants variant (colorway) to dress the model in' },
    material: { type: 'string', help: "a U3M material (.u3m with its images beside it, or .u3ma) the garment wears instead of the model's own: its front side, textures at their physical size" },
    json: { type: 'boolean', help: 'print the written files as JSON' },
  },
  async run(ctx) {
    const modelPath = resolve(needPositional(ctx, 0, 'the model to render (a .glb file)'));
    const out = resolve(needString(ctx, 'out'));
    const views = parseList<Render3dView>('views', optString(ctx, 'views'), RENDER3D_VIEWS, [...RENDER3D_VIEWS]);
    const kinds = parseKinds(optString(ctx, 'kind'));
    const samples = optInteger(ctx, 'samples', DEFAULT_SAMPLES, 1, 100_000);
    const size = parseSize(optString(ctx, 'size'));
    const background = (optString(ctx, 'background') ?? 'transparent') as Render3dBackground;
    if (background !== 'transparent' && background !== 'white') throw new UserError('bad-option', `--background is transparent or white, got '${background}'`);
    let model: Uint8Array;
    try {
      model = readFileSync(modelPath);
    } catch (err) {
      throw new UserError('unreadable-model', `cannot read ${modelPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let summary: Awaited<ReturnType<typeof inspectModel>>;
    try {
      summary = await inspectModel(model);
    } catch (err) {
      if (err instanceof ModelProblem) throw new UserError('bad-model', `${modelPath}: ${err.message}`, 'Export the garment from your 3D tool as a .glb (glTF 2.0 binary).');
      throw err;
    }
    if (summary.format !== 'glb') throw new UserError('bad-model', `${modelPath} is a .gltf`, 'Render a .glb, or import the .gltf into a library (r2r import packs it into one .glb).');
    const variant = optString(ctx, 'variant');
    if (variant && !summary.variants.some((v) => v.toLowerCase() === variant.toLowerCase())) {
      throw new UserError('unknown-variant', `${modelPath} has no material variant '${variant}'`, `Its variants: ${summary.variants.join(', ') || 'none'}.`);
    }
    const materialPath = optString(ctx, 'material');
    const material = materialPath ? readMaterialFile(resolve(materialPath)) : null;
    const perView = (k: Render3dKind) => (k === 'raster' ? 1 : samples);
    const total = views.length * kinds.reduce((n, k) => n + perView(k), 0);
    const doneBefore = new Map<string, number>();
    let offset = 0;
    for (const k of kinds) for (const v of views) doneBefore.set(`${v}_${k}`, (offset += perView(k)) - perView(k));
    const progress = createProgress(ctx, 'render', { json: Boolean(ctx.values.json) });
    const images = await renderHeadless({
      model,
      views,
      kinds,
      samples,
      ...size,
      background,
      variant: variant ?? null,
      material,
      signal: ctx.signal,
      onProgress: (p) => progress.update(doneBefore.get(`${p.view}_${p.kind}`)! + p.done, total, `${p.view} ${p.kind}`),
    });
    const files = images.filter((img) => img.samples === null || img.samples === samples).map((img) => {
      const file = join(out, `${img.view}_${img.kind}.png`);
      writeFileAtomic(file, Buffer.from(img.png, 'base64'));
      return { view: img.view, kind: img.kind, file, ms: Math.round(img.ms) };
    });
    const notes = [...new Set(images.flatMap((img) => img.notes ?? []))];
    progress.done(`${files.length} images written to ${out}`);
    printResult(ctx, { model: modelPath, size, samples, background, variant: variant ?? null, material: material?.name ?? null, triangles: summary.triangles, files, notes }, () =>
      [...files.map((f) => `${f.file}  (${(f.ms / 1000).toFixed(1)} s)`), ...notes.map((n) => `note: ${n}`)].join('\n'),
    );
    return 0;
  },
};
