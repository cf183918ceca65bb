import { resolve } from 'node:path';
import { insertGeneration, listGenerations, storeImage, updateGeneration, type Library } from '../catalog/index';
import type { Generation } from '../catalog/types';
import { recordedParams, type ShotSettings } from './shot-settings';

export interface ShotMadeElsewhere {
  renderId: number;
  /** the settings as the coordinator asked for them (its model folder, not the worker's) */
  settings: ShotSettings;
  tag: Record<string, unknown>;
  png: Uint8Array;
  metrics: Record<string, unknown>;
}

function carriesTag(g: Generation, tag: Record<string, unknown>): boolean {
  return Object.entries(tag).every(([k, v]) => g.params[k] === v);
}

/**
 * Records a shot another machine made (a queue worker) exactly as a local shot is recorded:
 * the same params, the output stored as an asset, and the row written `done` in one
 * transaction. A render that already has a done shot with this tag keeps that one: a result
 * delivered twice (a retried job, a second coordinator) is recorded once.
 */
export async function recordShotMadeElsewhere(lib: Library, shot: ShotMadeElsewhere): Promise<{ generation: Generation; duplicate: boolean }> {
  const asset = await storeImage(lib, shot.png, `output of a shot of render #${shot.renderId}`);
  return lib.write(() => {
    const existing = listGenerations(lib, { renderId: shot.renderId, status: 'done' }).find((g) => carriesTag(g, shot.tag));
    if (existing) return { generation: existing, duplicate: true };
    const row = insertGeneration(lib, { source: { renderId: shot.renderId }, model: resolve(shot.settings.model), params: recordedParams(shot.settings, shot.renderId, shot.tag), seed: shot.settings.seed, status: 'running' });
    return { generation: updateGeneration(lib, row.id, { output: asset.hash, status: 'done', metrics: shot.metrics }), duplicate: false };
  });
}

/** a shot another machine gave up on, recorded `failed` with its reason as a local failure is */
export function recordShotFailedElsewhere(lib: Library, shot: Omit<ShotMadeElsewhere, 'png' | 'metrics'> & { error: string }): Generation {
  const row = insertGeneration(lib, { source: { renderId: shot.renderId }, model: resolve(shot.settings.model), params: recordedParams(shot.settings, shot.renderId, shot.tag), seed: shot.settings.seed, status: 'running' });
  return updateGeneration(lib, row.id, { status: 'failed', error: shot.error });
}
