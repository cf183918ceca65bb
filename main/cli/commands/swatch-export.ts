import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../common/errors';
import { openLibrary } from '../../catalog/library';
import { getGarment } from '../../catalog/queries/garments';
import { getSwatch } from '../../catalog/queries/swatches';
import { minimalU3m, physicalCm } from '../../swatch/u3m';
import type { CliCommand } from '../command';
import { needString, optNumber, optString, printResult } from '../command';

export const swatchExportCommand: CliCommand = {
  name: 'swatch export',
  summary: "a library colorway's stored swatch as PNG, with a minimal U3M material for a 3D tool",
  usage: '--library <lib> --colorway <sku>/<name> --out <swatch.png> [--u3m <file.u3m>] [--dpi 150] [--json]',
  options: {
    library: { type: 'string', help: 'library holding the swatch (opened read-only)' },
    colorway: { type: 'string', help: 'whose swatch, as <sku>/<colorway name>' },
    out: { type: 'string', help: 'PNG file to copy the swatch to' },
    u3m: { type: 'string', help: 'also write a minimal U3M material (.u3m JSON) with the PNG as its basecolor texture' },
    dpi: { type: 'string', help: "pixels per inch of the source pictures on the cloth, for the U3M's physical size (default 150)" },
    json: { type: 'boolean', help: 'print the files written, the repeat and the physical size as JSON' },
  },
  async run(ctx) {
    const ref = needString(ctx, 'colorway');
    const out = needString(ctx, 'out');
    const dpi = optNumber(ctx, 'dpi', 150, 1, 100000);
    const cut = ref.indexOf('/');
    if (cut <= 0 || cut === ref.length - 1) throw new UserError('bad-option', `--colorway must be <sku>/<colorway name>, got '${ref}'`);
    const lib = openLibrary(needString(ctx, 'library'), { readonly: true });
    try {
      const garment = getGarment(lib, ref.slice(0, cut));
      const name = ref.slice(cut + 1);
      const colorway = garment.colorways.find((c) => c.name === name);
      if (!colorway) throw new UserError('unknown-colorway', `${garment.sku} has no colorway '${name}'`, `Its colorways: ${garment.colorways.map((c) => c.name).join(', ') || 'none'}.`);
      const swatch = getSwatch(lib, colorway.id);
      if (!swatch) throw new UserError('no-swatch', `${garment.sku}/${name} has no swatch with a known repeat`, 'Extract one with `r2r swatch <image> --library <lib> --colorway <sku>/<name>`.');
      if (!/\.png$/i.test(out) || swatch.path.split('.').pop() !== 'png') throw new UserError('bad-option', `--out must be a .png file, got '${out}'`);
      copyFileSync(path.join(lib.root, swatch.path), out);
      const physical = { widthCm: physicalCm(swatch.periodX, dpi), heightCm: physicalCm(swatch.periodY, dpi) };
      const u3mFile = optString(ctx, 'u3m');
      if (u3mFile) {
        const u3m = minimalU3m({ name: `${garment.sku} ${name}`, texturePath: path.relative(path.dirname(u3mFile), out).split('\\').join('/'), widthPx: swatch.periodX, heightPx: swatch.periodY, dpi });
        writeFileAtomic(u3mFile, JSON.stringify(u3m, null, 2) + '\n');
      }
      const result = { out, ...(u3mFile ? { u3m: u3mFile } : {}), origin: swatch.origin, repeat: { periodX: swatch.periodX, periodY: swatch.periodY }, size: { width: swatch.width, height: swatch.height }, physical };
      printResult(ctx, result, () => `Wrote ${out} (${swatch.width}x${swatch.height}, ${swatch.origin})${u3mFile ? ` and ${u3mFile} (${physical.widthCm} x ${physical.heightCm} cm at ${dpi} dpi)` : ''}`);
      return 0;
    } finally {
      lib.close();
    }
  },
};
