import { basename, dirname, relative } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../common/errors';
import { openLibrary } from '../../catalog/library';
import { getGarment } from '../../catalog/queries/garments';
import { setSwatch } from '../../catalog/queries/swatches';
import { loadRgb } from '../../metrics/image';
import { extractSwatch } from '../../swatch/extract';
import type { SwatchRequest } from '../../swatch/extract';
import { encodeRgbPng } from '../../swatch/png';
import type { Point } from '../../swatch/rectify';
import { minimalU3m, physicalCm } from '../../swatch/u3m';
import type { CliCommand } from '../command';
import { needPositional, needString, optNumber, optString, printResult } from '../command';

function numbers(option: string, text: string, count: number): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== count || !parts.every(Number.isFinite)) {
    throw new UserError('bad-option', `--${option} needs ${count} comma-separated numbers, got '${text}'`, option === 'region' ? 'Give --region x,y,w,h in pixels.' : 'Give --quad x1,y1,x2,y2,x3,y3,x4,y4: top-left, top-right, bottom-right, bottom-left.');
  }
  return parts;
}

/** --tile auto (or absent): estimate the repeat; WxH: that repeat in (rectified) pixels */
function parseTile(text: string | undefined): [number, number] | undefined {
  if (text === undefined || text === 'auto') return undefined;
  const m = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UserError('bad-option', `--tile must be auto or WxH (e.g. 64x48), got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** stores the swatch as the colorway's, with the repeat it holds in source pixels */
async function storeInLibrary(dir: string, ref: string, png: Uint8Array, swatch: ReturnType<typeof extractSwatch>): Promise<{ library: string; colorwayId: number }> {
  const cut = ref.indexOf('/');
  if (cut <= 0 || cut === ref.length - 1) throw new UserError('bad-option', `--colorway must be <sku>/<colorway name>, got '${ref}'`);
  const lib = openLibrary(dir);
  try {
    const garment = getGarment(lib, ref.slice(0, cut));
    const name = ref.slice(cut + 1);
    const colorway = garment.colorways.find((c) => c.name === name);
    if (!colorway) throw new UserError('unknown-colorway', `${garment.sku} has no colorway '${name}'`, `Its colorways: ${garment.colorways.map((c) => c.name).join(', ') || 'none'}.`);
    await setSwatch(lib, colorway.id, png, {
      periodX: swatch.repeat.periodX,
      periodY: swatch.repeat.periodY,
      origin: 'extracted',
      confidenceX: swatch.confidence.x,
      confidenceY: swatch.confidence.y,
    });
    return { library: lib.root, colorwayId: colorway.id };
  } finally {
    lib.close();
  }
}

export const swatchCommand: CliCommand = {
  name: 'swatch',
  summary: 'a tileable fabric swatch from a patch of a garment picture: rectify, find the repeat, remove the shading, cut it seamless',
  usage: '<image> [--region x,y,w,h | --quad x1,y1,...,x4,y4] --out <swatch.png> [--tile auto|WxH] [--size 1024] [--u3m <file.u3m> --dpi 150] [--library <lib> --colorway <sku>/<name>] [--json]',
  options: {
    region: { type: 'string', help: 'the patch as a rectangle x,y,w,h in pixels (default: the whole image)' },
    quad: { type: 'string', help: 'the patch as four corners x1,y1,...,x4,y4 (top-left, top-right, bottom-right, bottom-left), rectified by homography' },
    out: { type: 'string', help: 'PNG file to write the swatch to' },
    tile: { type: 'string', help: "the repeat: auto (default, from the autocorrelation) or WxH pixels of the rectified patch" },
    size: { type: 'string', help: 'longer side of the written swatch in pixels, 8-8192 (default 1024); 0 keeps the native repeat' },
    u3m: { type: 'string', help: 'also write a minimal U3M material (.u3m JSON) with the swatch as its basecolor texture' },
    dpi: { type: 'string', help: "pixels per inch of the source picture on the cloth, for the U3M's physical size (default 150)" },
    library: { type: 'string', help: 'also store the swatch in this library as the colorway\'s swatch (needs --colorway)' },
    colorway: { type: 'string', help: 'the colorway to store it for, as <sku>/<colorway name>' },
    json: { type: 'boolean', help: 'print the repeat, its confidence and the files written as JSON' },
  },
  async run(ctx) {
    const file = needPositional(ctx, 0, 'the garment image');
    const out = needString(ctx, 'out');
    const regionText = optString(ctx, 'region');
    const quadText = optString(ctx, 'quad');
    if (regionText && quadText) throw new UserError('bad-option', '--region and --quad both mark the patch: give one of them');
    const size = optNumber(ctx, 'size', 1024, 0, 8192);
    if (size > 0 && size < 8) throw new UserError('bad-option', `--size must be 0 or between 8 and 8192, got ${size}`);
    const dpi = optNumber(ctx, 'dpi', 150, 1, 100000);
    const req: SwatchRequest = { tile: parseTile(optString(ctx, 'tile')), size: size > 0 ? Math.round(size) : undefined };
    if (regionText) req.region = numbers('region', regionText, 4) as SwatchRequest['region'];
    if (quadText) {
      const q = numbers('quad', quadText, 8);
      req.quad = [0, 1, 2, 3].map((i) => [q[2 * i]!, q[2 * i + 1]!] as Point) as SwatchRequest['quad'];
    }
    const libraryDir = optString(ctx, 'library');
    const colorwayRef = optString(ctx, 'colorway');
    if (Boolean(libraryDir) !== Boolean(colorwayRef)) throw new UserError('bad-option', '--library and --colorway go together', 'Give both to store the swatch in a library, or neither.');
    const img = await loadRgb(file);
    const swatch = extractSwatch(img, req);
    const png = await encodeRgbPng(swatch.image);
    writeFileAtomic(out, png);
    let stored: { library: string; colorwayId: number } | undefined;
    if (libraryDir && colorwayRef) stored = await storeInLibrary(libraryDir, colorwayRef, png, swatch);
    const u3mFile = optString(ctx, 'u3m');
    // the physical size is that of one repeat on the cloth, whatever the written resolution
    const physical = { widthCm: physicalCm(swatch.repeat.periodX, dpi), heightCm: physicalCm(swatch.repeat.periodY, dpi) };
    if (u3mFile) {
      const u3m = minimalU3m({
        name: basename(out).replace(/\.png$/i, ''),
        texturePath: relative(dirname(u3mFile), out).split('\\').join('/'),
        widthPx: swatch.repeat.periodX,
        heightPx: swatch.repeat.periodY,
        dpi,
      });
      writeFileAtomic(u3mFile, JSON.stringify(u3m, null, 2) + '\n');
    }
    const result = {
      image: file,
      out,
      ...(u3mFile ? { u3m: u3mFile } : {}),
      ...(stored ? { stored } : {}),
      repeat: swatch.repeat,
      confidence: swatch.confidence,
      patch: swatch.patch,
      size: { width: swatch.image.width, height: swatch.image.height },
      physical,
    };
    printResult(ctx, result, () => {
      const conf = (v: number | null) => (v === null ? 'given' : `confidence ${v.toFixed(2)}`);
      return [
        `Repeat ${swatch.repeat.periodX} x ${swatch.repeat.periodY} px (x ${conf(swatch.confidence.x)}, y ${conf(swatch.confidence.y)}) in a ${swatch.patch.width}x${swatch.patch.height} patch`,
        `Wrote ${out} (${swatch.image.width}x${swatch.image.height})${u3mFile ? ` and ${u3mFile} (${physical.widthCm} x ${physical.heightCm} cm at ${dpi} dpi)` : ''}`,
        ...(stored ? [`Stored as the swatch of ${colorwayRef} in ${stored.library}`] : []),
      ].join('\n');
    });
    return 0;
  },
};
