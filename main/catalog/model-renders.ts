import type { Render3dKind } from '../../preload/api/render3d-types';
import { UserError } from '../common/errors';
import { sha256, writeAsset } from './assets';
import { ModelProblem } from './import/glb';
import type { ModelSummary } from './import/glb';
import { MetadataWriter } from './import/metadata';
import { decodeImage, ImageProblem } from './images';
import type { Library } from './library';
import { colorwayModel, prepareModel, setColorwayModel, variantFor, writeModel } from './models';
import type { ColorwayModel } from './models';

/** the renderer name stored on renders the studio's 3D renderer made */
export const STUDIO_3D_RENDERER: Record<Render3dKind, string> = { raster: 'r2r three.js raster', raytrace: 'r2r three-gpu-pathtracer' };

interface ColorwayOwner {
  colorwayId: number;
  colorway: string;
  garmentId: number;
  sku: string;
  name: string;
  category: string;
}

function owner(lib: Library, colorwayId: number): ColorwayOwner {
  const row = lib
    .sql<[number], ColorwayOwner>(
      `SELECT c.id AS colorwayId, c.name AS colorway, g.id AS garmentId, g.sku, g.name, k.name AS category
       FROM colorways c JOIN garments g ON g.id = c.garment_id JOIN categories k ON k.id = g.category_id WHERE c.id = ?`,
    )
    .get(colorwayId);
  if (!row) throw new UserError('unknown-colorway', `no colorway ${colorwayId} in this library`);
  return row;
}

export interface AttachedModel {
  model: ColorwayModel;
  summary: ModelSummary;
  /** colorways made for the model's variants */
  colorwaysAdded: string[];
}

/**
 * Gives a colorway a model (a dropped .glb): validated, stored under its hash; the model's
 * KHR_materials_variants become colorways of the garment sharing the file, as on import.
 */
export async function attachModel(lib: Library, colorwayId: number, bytes: Uint8Array, fileName: string): Promise<AttachedModel> {
  const who = owner(lib, colorwayId);
  let prepared: Awaited<ReturnType<typeof prepareModel>>;
  try {
    prepared = await prepareModel(bytes);
  } catch (err) {
    if (err instanceof ModelProblem) throw new UserError('bad-model', `${fileName}: ${err.message}`, 'Drop a .glb (glTF 2.0 binary) exported from your 3D tool.');
    throw err;
  }
  const ref = writeModel(lib.root, prepared.glb);
  const others = prepared.summary.variants.filter((v) => v.toLowerCase() !== who.colorway.toLowerCase());
  const result = new MetadataWriter(lib).write({ sku: who.sku, name: who.name, category: who.category, tags: [], notes: '', colorways: others.map((name) => ({ name, renders: [] })) });
  lib.write(() => {
    for (const name of [who.colorway, ...others]) {
      const id = lib.sql<[number, string], { id: number }>('SELECT id FROM colorways WHERE garment_id = ? AND name = ?').get(who.garmentId, name)!.id;
      setColorwayModel(lib, id, ref, prepared.summary, variantFor(prepared.summary, name), fileName);
    }
  });
  return { model: colorwayModel(lib, colorwayId)!, summary: prepared.summary, colorwaysAdded: result.colorwaysAdded ? others : [] };
}

export interface Rendered3dImage {
  view: string;
  kind: Render3dKind;
  png: Uint8Array;
}

/**
 * Stores the 3D renderer's images as the colorway's renders (kind raster or raytrace, per
 * view), so Compare, R2R, export and metrics take them like imported ones. The same image
 * twice is one render; every image is decoded first, so a bad one stores nothing.
 */
export async function storeRenders(lib: Library, colorwayId: number, images: Rendered3dImage[]): Promise<{ added: number }> {
  const who = owner(lib, colorwayId);
  const renders = [];
  for (const img of images) {
    let decoded: Awaited<ReturnType<typeof decodeImage>>;
    try {
      decoded = await decodeImage(img.png);
    } catch (err) {
      if (err instanceof ImageProblem) throw new UserError('bad-image', `the ${img.view} ${img.kind} render: ${err.message}`);
      throw err;
    }
    const asset = writeAsset(lib.root, img.png, decoded.ext, sha256(img.png));
    renders.push({ view: img.view, kind: img.kind, renderer: STUDIO_3D_RENDERER[img.kind], width: decoded.width, height: decoded.height, asset, sourcePath: null });
  }
  const w = new MetadataWriter(lib).write({ sku: who.sku, name: who.name, category: who.category, tags: [], notes: '', colorways: [{ name: who.colorway, renders }] });
  return { added: w.rendersAdded };
}
