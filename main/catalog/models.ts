import { WebIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { join } from 'node:path';
import { UserError } from '../common/errors';
import type { CatalogDb } from './database';
import { hashedRelativePath, writeHashedFile, type HashedFileRef } from './hashed-files';
import { inspectModel } from './import/glb';
import type { ModelSummary, ResourceReader } from './import/glb';

export const MODELS_DIR = 'models';

export type ModelRef = HashedFileRef;

export interface ColorwayModel extends ModelRef {
  colorwayId: number;
  variant: string | null;
  triangles: number;
  sourcePath: string | null;
}

/** `models/ab/cdef....glb`, relative to the library folder */
export function modelRelativePath(hash: string): string {
  return hashedRelativePath(MODELS_DIR, hash, 'glb');
}

export function modelFile(root: string, hash: string): string {
  return join(root, modelRelativePath(hash));
}

/**
 * Validates a model and makes it one self-contained .glb: a .glb is kept byte for byte, a
 * .gltf is packed with its external buffers and textures (read through `read`).
 */
export async function prepareModel(bytes: Uint8Array, read?: ResourceReader): Promise<{ glb: Uint8Array; summary: ModelSummary }> {
  const summary = await inspectModel(bytes, read);
  if (summary.format === 'glb') return { glb: bytes, summary };
  const json = JSON.parse(new TextDecoder().decode(bytes)) as Parameters<WebIO['readJSON']>[0]['json'];
  const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const item of [...(json.buffers ?? []), ...(json.images ?? [])]) {
    if (item.uri && !item.uri.startsWith('data:')) resources[item.uri] = new Uint8Array(read!(decodeURIComponent(item.uri))!);
  }
  const io = new WebIO().registerExtensions(ALL_EXTENSIONS);
  const doc = await io.readJSON({ json, resources });
  // one buffer: a .glb holds a single binary chunk
  const [first, ...rest] = doc.getRoot().listBuffers();
  for (const b of rest) {
    for (const a of doc.getRoot().listAccessors()) if (a.getBuffer() === b) a.setBuffer(first!);
    b.dispose();
  }
  first?.setURI('');
  for (const t of doc.getRoot().listTextures()) t.setURI('');
  return { glb: await io.writeBinary(doc), summary };
}

/** stores a .glb under its hash unless already there; whole or not at all */
export function writeModel(root: string, glb: Uint8Array): ModelRef {
  return writeHashedFile(root, MODELS_DIR, 'glb', glb);
}

/** gives the colorway this model (call inside the write transaction); true when it changed */
export function setColorwayModel(db: CatalogDb, colorwayId: number, ref: ModelRef, summary: ModelSummary, variant: string | null, sourcePath: string | null): boolean {
  const known = colorwayModel(db, colorwayId);
  if (known && known.hash === ref.hash && known.variant === variant) return false;
  db.sql(
    `INSERT INTO garment_models (colorway_id, hash, bytes, variant, triangles, source_path) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (colorway_id) DO UPDATE SET hash = excluded.hash, bytes = excluded.bytes, variant = excluded.variant,
       triangles = excluded.triangles, source_path = excluded.source_path, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  ).run(colorwayId, ref.hash, ref.bytes, variant, summary.triangles, sourcePath);
  return true;
}

export function colorwayModel(db: CatalogDb, colorwayId: number): ColorwayModel | undefined {
  const row = db
    .sql<[number], { hash: string; bytes: number; variant: string | null; triangles: number; source_path: string | null }>(
      'SELECT hash, bytes, variant, triangles, source_path FROM garment_models WHERE colorway_id = ?',
    )
    .get(colorwayId);
  return row && { colorwayId, hash: row.hash, bytes: row.bytes, variant: row.variant, triangles: row.triangles, sourcePath: row.source_path };
}

/** the variant a colorway named `colorway` renders with: the one of the same name, else the default materials */
export function variantFor(summary: ModelSummary, colorway: string): string | null {
  return summary.variants.find((v) => v.toLowerCase() === colorway.toLowerCase()) ?? null;
}

/** the stored .glb of a colorway, or a clear error when it has none */
export function requireColorwayModel(db: CatalogDb, root: string, colorwayId: number): ColorwayModel & { file: string } {
  const m = colorwayModel(db, colorwayId);
  if (!m) throw new UserError('no-model', `colorway ${colorwayId} has no 3D model`, 'Import a model.glb into its folder, or drop a .glb onto it in the Library.');
  return { ...m, file: modelFile(root, m.hash) };
}
