import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { assetRelativePath } from '../assets';
import type { CatalogDb } from '../database';
import type { Library } from '../library';
import { getGeneration } from './generations';

/** the render's accepted shot: the generation the artist chose among its results */
export interface ChosenShot {
  renderId: number;
  generationId: number;
}

/**
 * Accepts a finished generation as its render's shot, replacing the one chosen before. Only a
 * `done` generation of a render (not of an outfit) can be chosen: it has an image to show.
 */
export function chooseGeneration(db: CatalogDb, generationId: number): ChosenShot {
  const g = getGeneration(db, generationId);
  if (g.renderId === null) throw new UserError('not-a-render-shot', `generation #${generationId} was made for an outfit, not a render`, 'Choose a generation made from one render.');
  if (g.status !== 'done' || !g.output) {
    throw new UserError('generation-not-done', `generation #${generationId} is ${g.status}: only a finished shot can be chosen`, 'Wait until it is done, or choose another result.');
  }
  const renderId = g.renderId;
  db.write(() =>
    db
      .sql('INSERT INTO chosen_shots (render_id, generation_id) VALUES (?, ?) ON CONFLICT (render_id) DO UPDATE SET generation_id = excluded.generation_id, chosen_at = excluded.chosen_at')
      .run(renderId, generationId),
  );
  return { renderId, generationId };
}

/** the chosen generation of each of these renders (renders without one are left out) */
export function chosenShots(db: CatalogDb, renderIds: readonly number[]): ChosenShot[] {
  if (renderIds.length === 0) return [];
  const marks = renderIds.map(() => '?').join(', ');
  return db
    .sql<number[], { render_id: number; generation_id: number }>(`SELECT render_id, generation_id FROM chosen_shots WHERE render_id IN (${marks}) ORDER BY render_id`)
    .all(...renderIds)
    .map((r) => ({ renderId: r.render_id, generationId: r.generation_id }));
}

/** of these generations, the one chosen most recently (as its render's shot), if any was */
export function lastChosenAmong(db: CatalogDb, generationIds: readonly number[]): number | undefined {
  if (generationIds.length === 0) return undefined;
  const marks = generationIds.map(() => '?').join(', ');
  return db
    .sql<number[], { generation_id: number }>(`SELECT generation_id FROM chosen_shots WHERE generation_id IN (${marks}) ORDER BY chosen_at DESC, generation_id DESC LIMIT 1`)
    .get(...generationIds)?.generation_id;
}

const ASSET_IN_USE = `SELECT 1 FROM renders WHERE asset_id = @asset
  UNION ALL SELECT 1 FROM masks WHERE asset_id = @asset
  UNION ALL SELECT 1 FROM colorways WHERE texture_asset_id = @asset
  UNION ALL SELECT 1 FROM generations WHERE output_asset_id = @asset
  LIMIT 1`;

/**
 * Deletes a generation the artist threw away, and its output image when nothing else in the
 * library uses the same bytes. A queued or running generation is refused: its job still
 * writes to it (cancel the job first).
 */
export function discardGeneration(lib: Library, generationId: number): { removedAsset: string | null } {
  const g = getGeneration(lib, generationId);
  if (g.status === 'queued' || g.status === 'running') {
    throw new UserError('generation-in-progress', `generation #${generationId} is ${g.status}`, 'Cancel its job first, then discard it.');
  }
  const removed = lib.write(() => {
    const asset = lib.sql<[number], { id: number | null }>('SELECT output_asset_id AS id FROM generations WHERE id = ?').get(generationId)?.id ?? null;
    lib.sql('DELETE FROM generations WHERE id = ?').run(generationId);
    if (asset === null || lib.sql<{ asset: number }, unknown>(ASSET_IN_USE).get({ asset })) return null;
    const row = lib.sql<[number], { hash: string; ext: string }>('SELECT hash, ext FROM assets WHERE id = ?').get(asset)!;
    lib.sql('DELETE FROM assets WHERE id = ?').run(asset);
    return row;
  });
  // the file goes after the commit: a crash in between leaves an unreferenced file, which collectGarbage removes
  if (removed) rmSync(join(lib.root, assetRelativePath(removed.hash, removed.ext)), { force: true });
  return { removedAsset: removed?.hash ?? null };
}
