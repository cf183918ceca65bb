import type { LibraryService } from '../../preload/api/contract';
import type { GarmentModelRecord } from '../../preload/api/render3d-types';
import { readFileSync } from 'node:fs';
import { colorwayMaterial, loadColorwayMaterial } from '../catalog/materials';
import { attachModel, storeRenders } from '../catalog/model-renders';
import { colorwayModel, requireColorwayModel } from '../catalog/models';
import type { ColorwayModel } from '../catalog/models';
import { UserError } from '../common/errors';
import type { LibraryHolder } from './library-service';

type ModelMethods = Pick<LibraryService, 'attachModel' | 'model' | 'modelData' | 'material' | 'materialData' | 'addRenders'>;

function decode64(data: string, what: string): Buffer {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0) throw new UserError('bad-upload', `the ${what} is empty`);
  return bytes;
}

const record = (m: ColorwayModel): GarmentModelRecord => ({ colorwayId: m.colorwayId, hash: m.hash, bytes: m.bytes, variant: m.variant, triangles: m.triangles });

/** the library service's 3D part: a colorway's model in, its bytes out to the renderer, its renders back in */
export function modelMethods(holder: LibraryHolder): ModelMethods {
  return {
    attachModel: async (colorwayId, glb, fileName) => record((await attachModel(holder.require(), colorwayId, decode64(glb, 'model'), fileName)).model),
    model: async (colorwayId) => {
      const m = colorwayModel(holder.require(), colorwayId);
      return m ? record(m) : null;
    },
    modelData: async (colorwayId) => {
      const lib = holder.require();
      return readFileSync(requireColorwayModel(lib, lib.root, colorwayId).file).toString('base64');
    },
    material: async (colorwayId) => {
      const m = colorwayMaterial(holder.require(), colorwayId);
      return m ? { colorwayId, hash: m.hash, bytes: m.bytes, name: m.name } : null;
    },
    materialData: async (colorwayId) => {
      const lib = holder.require();
      const m = loadColorwayMaterial(lib, lib.root, colorwayId);
      return m ? { name: m.name, side: m.material.front, images: Object.fromEntries([...m.images].map(([path, bytes]) => [path, Buffer.from(bytes).toString('base64')])) } : null;
    },
    addRenders: async (colorwayId, images) =>
      (await storeRenders(holder.require(), colorwayId, images.map((i) => ({ view: i.view, kind: i.kind, png: decode64(i.png, `${i.view} ${i.kind} render`) })))).added,
  };
}
