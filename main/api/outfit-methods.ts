import type { CombosService } from '../../preload/api/contract';
import type { DressedOutfitRecord } from '../../preload/api/outfit-types';
import { attachComboRender, getCombo, listComboRenders, listGenerations, saveOutfitBoxes } from '../catalog/index';
import { UserError } from '../common/errors';
import { outfitInputs } from '../jobs/outfit-inputs';
import type { LibraryHolder } from './library-service';

type OutfitMethods = Pick<CombosService, 'layout' | 'saveLayout' | 'renders' | 'attachRender' | 'dressed'>;

/** an outfit render's bytes cross the API as base64; the library checks they are an image */
const MAX_RENDER_BYTES = 64 * 1024 * 1024;

function decodeImage64(data: string): Buffer {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0) throw new UserError('bad-image', 'the outfit render is empty', 'Pick a PNG or JPEG file.');
  if (bytes.length > MAX_RENDER_BYTES) throw new UserError('bad-image', `the outfit render is ${bytes.length} bytes, more than ${MAX_RENDER_BYTES}`, 'Save it smaller (the studio works at up to 4096 px).');
  return bytes;
}

/** the combos service's outfit part: layout, outfit renders and dressed shots */
export function outfitMethods(holder: LibraryHolder): OutfitMethods {
  const layout = (comboId: number, view?: string) => {
    const { garments: _files, ...record } = outfitInputs(holder.require(), comboId, view);
    return record;
  };
  return {
    layout: async (comboId, view) => layout(comboId, view),
    saveLayout: async (comboId, boxes) => {
      saveOutfitBoxes(holder.require(), comboId, boxes);
      return layout(comboId);
    },
    renders: async (comboId) => listComboRenders(holder.require(), comboId),
    attachRender: async (comboId, view, kind, image) => (await attachComboRender(holder.require(), comboId, { view, kind, image: decodeImage64(image) })).render,
    dressed: async (comboId) => {
      const lib = holder.require();
      getCombo(lib, comboId);
      return listGenerations(lib, { comboId })
        .filter((g) => g.params.kind === 'dress')
        .map((g): DressedOutfitRecord => ({
          id: g.id,
          status: g.status,
          output: g.output,
          outputPath: g.outputPath,
          seed: g.seed,
          params: g.params,
          report: (g.metrics?.dress as Record<string, unknown> | undefined) ?? null,
          error: g.error,
          createdAt: g.createdAt,
        }));
    },
  };
}
