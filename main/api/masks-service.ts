import { deflateSync, inflateSync } from 'fflate';
import sharp from 'sharp';
import type { MasksService } from '../../preload/api/contract';
import type { MaskPixels } from '../../preload/api/library-types';
import { assetFile, deleteMask, getMask, setMask, type Library } from '../catalog/index';
import { UserError } from '../common/errors';
import type { LibraryHolder } from './library-service';

function renderSize(lib: Library, renderId: number): { width: number; height: number } {
  const r = lib.sql<[number], { width: number; height: number }>('SELECT width, height FROM renders WHERE id = ?').get(renderId);
  if (!r) throw new UserError('unknown-render', `no render #${renderId} in the library at ${lib.root}`);
  return r;
}

/** a grayscale PNG of the mask's bytes: what the catalog stores and other tools can open */
export async function maskToPng(width: number, height: number, data: Uint8Array): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
}

/** the first channel of a stored mask PNG, one byte a pixel */
export async function pngToMask(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export function createMasksService(holder: LibraryHolder): MasksService {
  return {
    async get(renderId, purpose): Promise<MaskPixels | null> {
      const lib = holder.require();
      renderSize(lib, renderId);
      const mask = getMask(lib, renderId, purpose);
      if (!mask) return null;
      const m = await pngToMask(assetFile(lib, mask.asset));
      return { width: m.width, height: m.height, deflated: Buffer.from(deflateSync(m.data)).toString('base64') };
    },
    async save(renderId, purpose, pixels) {
      const lib = holder.require();
      const size = renderSize(lib, renderId);
      if (size.width !== pixels.width || size.height !== pixels.height) {
        throw new UserError('bad-mask', `the mask is ${pixels.width}x${pixels.height} but render #${renderId} is ${size.width}x${size.height}`, 'Reload the shot and paint the mask again.');
      }
      let data: Uint8Array;
      try {
        data = inflateSync(Buffer.from(pixels.deflated, 'base64'), { out: new Uint8Array(pixels.width * pixels.height) });
      } catch (err) {
        throw new UserError('bad-mask', `the mask data cannot be inflated: ${(err as Error).message}`);
      }
      const m = await setMask(lib, renderId, purpose, await maskToPng(pixels.width, pixels.height, data));
      return { id: m.id, renderId: m.renderId, purpose: m.purpose, asset: m.asset, updatedAt: m.updatedAt };
    },
    async remove(renderId, purpose) {
      return deleteMask(holder.require(), renderId, purpose);
    },
  };
}
