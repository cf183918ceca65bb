import { resolve } from 'node:path';
import { loadedModelIsCurrent, loadR2RModel, type LoadedModel } from '../inference/pipelines/load-r2r-model';
import { negativeEmbeddingOf, type ShotSettings } from './shot-settings';

// a process keeps one loaded model between shots and jobs: a second shot with the same model
// skips adaptation and session creation (its files are only stat-checked against their content)
let kept: { key: string; loaded: LoadedModel } | undefined;

function modelKey(s: ShotSettings): string {
  const embedding = negativeEmbeddingOf(s);
  return JSON.stringify([resolve(s.model), s.provider ?? 'auto', s.tacLevels, embedding ? resolve(embedding) : '', s.cacheDir ? resolve(s.cacheDir) : '', s.threads ?? 0]);
}

/** the kept model for these settings, loading it (and dropping another) when needed */
export async function modelFor(s: ShotSettings, signal?: AbortSignal, onProgress?: (label: string) => void): Promise<{ loaded: LoadedModel; reused: boolean }> {
  const key = modelKey(s);
  if (kept?.key === key && loadedModelIsCurrent(kept.loaded, s.model, s.cacheDir)) return { loaded: kept.loaded, reused: true };
  if (kept) {
    const old = kept.loaded;
    kept = undefined;
    await old.model.dispose();
  }
  const loaded = await loadR2RModel(s.model, { provider: s.provider, tacLevels: s.tacLevels, cacheDir: s.cacheDir, threads: s.threads, negativeEmbedding: negativeEmbeddingOf(s), onProgress, signal });
  kept = { key, loaded };
  return { loaded, reused: false };
}

/** disposes the kept model (tests, a batch that loaded its own, a worker that wants its memory back) */
export async function releaseCachedModel(): Promise<void> {
  const k = kept;
  kept = undefined;
  await k?.loaded.model.dispose();
}
