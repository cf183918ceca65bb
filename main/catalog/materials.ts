import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors';
import type { CatalogDb } from './database';
import { hashedRelativePath, writeHashedFile, type HashedFileRef } from './hashed-files';
import { MaterialProblem, parseU3ma } from './import/u3m';
import type { U3mMaterial } from './import/u3m';

export const MATERIALS_DIR = 'materials';

export type MaterialRef = HashedFileRef;

export interface ColorwayMaterial extends MaterialRef {
  colorwayId: number;
  name: string;
  sourcePath: string | null;
}

/** `materials/ab/cdef....u3ma`, relative to the library folder */
export function materialRelativePath(hash: string): string {
  return hashedRelativePath(MATERIALS_DIR, hash, 'u3ma');
}

export function materialFile(root: string, hash: string): string {
  return join(root, materialRelativePath(hash));
}

/** stores a packed .u3ma (packU3ma) under its hash unless already there; whole or not at all */
export function writeMaterial(root: string, u3ma: Uint8Array): MaterialRef {
  return writeHashedFile(root, MATERIALS_DIR, 'u3ma', u3ma);
}

/** gives the colorway this material (call inside the write transaction); true when it changed */
export function setColorwayMaterial(db: CatalogDb, colorwayId: number, ref: MaterialRef, name: string, sourcePath: string | null): boolean {
  const known = colorwayMaterial(db, colorwayId);
  if (known && known.hash === ref.hash && known.name === name) return false;
  db.sql(
    `INSERT INTO garment_materials (colorway_id, hash, bytes, name, source_path) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (colorway_id) DO UPDATE SET hash = excluded.hash, bytes = excluded.bytes, name = excluded.name,
       source_path = excluded.source_path, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  ).run(colorwayId, ref.hash, ref.bytes, name, sourcePath);
  return true;
}

export function colorwayMaterial(db: CatalogDb, colorwayId: number): ColorwayMaterial | undefined {
  const row = db
    .sql<[number], { hash: string; bytes: number; name: string; source_path: string | null }>('SELECT hash, bytes, name, source_path FROM garment_materials WHERE colorway_id = ?')
    .get(colorwayId);
  return row && { colorwayId, hash: row.hash, bytes: row.bytes, name: row.name, sourcePath: row.source_path };
}

/** the colorway's stored material read back: the parsed material and the images it names; undefined when it has none */
export function loadColorwayMaterial(db: CatalogDb, root: string, colorwayId: number): (ColorwayMaterial & { material: U3mMaterial; images: Map<string, Uint8Array> }) | undefined {
  const m = colorwayMaterial(db, colorwayId);
  if (!m) return undefined;
  const file = materialFile(root, m.hash);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UserError('missing-material', `colorway ${colorwayId}'s material '${m.name}' is missing from the library (${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'Import its material.u3m or material.u3ma again.');
  }
  try {
    return { ...m, ...parseU3ma(bytes) };
  } catch (err) {
    if (err instanceof MaterialProblem) throw new UserError('bad-material', `colorway ${colorwayId}'s stored material '${m.name}' is damaged: ${err.message}`, 'Import its material.u3m or material.u3ma again.');
    throw err;
  }
}
