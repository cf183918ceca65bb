import { isAbsolute, resolve } from 'node:path';
import { deflateSync } from 'fflate';
import type { SegmentService } from '../../preload/api/contract';
import type { SamModelRecord, SamPromptRecord } from '../../preload/api/segment-types';
import { assetFile, type Library } from '../catalog/index';
import { UserError } from '../common/errors';
import { readCachedEmbedding } from '../inference/sam/embedding-cache';
import { SAM_FOLDER_LAYOUT } from '../inference/sam/sam-files';
import { inspectSamFolder } from '../inference/sam/sam-inspect';
import { SamModel, type SamEmbedding } from '../inference/sam/sam-model';
import type { SamEmbedResult } from '../jobs/kinds/sam-embed-job';
import type { LibraryHolder } from './library-service';
import { SamSettings } from './sam-settings';

/** runs the sam-embed job kind (in the job worker) and returns its result */
export type EmbedImage = (params: { model: string; image: string; imageHash: string }) => Promise<SamEmbedResult>;

// a few renders stay prepared, so going back to the previous shot clicks at once (SAM 2: 16 MB each)
const PREPARED_RENDERS = 4;

const noModel = () =>
  new UserError('sam-no-model', 'No Segment Anything model is set for Select object.', `Put an ONNX encoder and decoder in a folder and choose it in the Select object panel. ${SAM_FOLDER_LAYOUT}`);

function renderImage(lib: Library, renderId: number): { hash: string; width: number; height: number } {
  const r = lib
    .sql<[number], { hash: string; width: number; height: number }>('SELECT a.hash AS hash, r.width AS width, r.height AS height FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.id = ?')
    .get(renderId);
  if (!r) throw new UserError('unknown-render', `no render #${renderId} in the library at ${lib.root}`);
  return r;
}

export interface SegmentBackend {
  service: SegmentService;
  /** how often the decoder ran and embeddings were asked for, for tests */
  stats: { decoderLoads: number; prepares: number; masks: number };
  close(): Promise<void>;
}

/**
 * Click-to-mask: the embedding of a render is made once in the job worker (`embed`, the
 * sam-embed kind) and read from its cache file; clicks run only the decoder, whose session
 * stays loaded here, and answer in milliseconds.
 */
export function createSegmentService(holder: LibraryHolder, embed: EmbedImage, settings = new SamSettings()): SegmentBackend {
  const stats = { decoderLoads: 0, prepares: 0, masks: 0 };
  let decoder: { dir: string; model: Promise<SamModel> } | undefined;
  const prepared = new Map<string, SamEmbedding>();
  const library = () => holder.current?.root;

  function decoderFor(dir: string): Promise<SamModel> {
    if (decoder?.dir === dir) return decoder.model;
    const previous = decoder;
    const model = (async () => {
      await previous?.model.then((m) => m.release(), () => undefined);
      stats.decoderLoads++;
      return SamModel.load(dir, { decoderOnly: true });
    })();
    decoder = { dir, model };
    // a folder that fails to load is tried again on the next call
    model.catch(() => {
      if (decoder?.model === model) decoder = undefined;
    });
    return model;
  }

  function describe(folder: string | null): SamModelRecord {
    if (!folder) return { path: null, variant: null, layout: SAM_FOLDER_LAYOUT };
    try {
      return { path: folder, variant: inspectSamFolder(folder).contract.variant, layout: SAM_FOLDER_LAYOUT };
    } catch (err) {
      return { path: folder, variant: null, problem: (err as Error).message, layout: SAM_FOLDER_LAYOUT };
    }
  }

  async function prepare(renderId: number): Promise<{ embedding: SamEmbedding; cached: boolean; ms: number }> {
    const lib = holder.require();
    const folder = settings.folder(lib.root);
    if (!folder) throw noModel();
    const img = renderImage(lib, renderId);
    const key = `${lib.root}\u0000${renderId}\u0000${folder}`;
    const kept = prepared.get(key);
    if (kept) return { embedding: kept, cached: true, ms: 0 };
    stats.prepares++;
    const result = await embed({ model: folder, image: assetFile(lib, img.hash), imageHash: img.hash });
    const embedding = readCachedEmbedding(result.file);
    if (!embedding) throw new UserError('sam-embedding-lost', `The embedding of render #${renderId} was not found in the cache (${result.file}).`, 'Try again; if the cache folder is being cleared, wait for that to finish.');
    if (embedding.frame.imageWidth !== img.width || embedding.frame.imageHeight !== img.height) {
      throw new UserError('sam-size-mismatch', `The embedding is of a ${embedding.frame.imageWidth}x${embedding.frame.imageHeight} image but render #${renderId} is ${img.width}x${img.height}.`, 'Re-import the render.');
    }
    prepared.set(key, embedding);
    while (prepared.size > PREPARED_RENDERS) prepared.delete(prepared.keys().next().value!);
    return { embedding, cached: !result.computed, ms: result.ms };
  }

  const service: SegmentService = {
    async model() {
      return describe(settings.folder(library()));
    },
    async setModel(folder) {
      // picking a folder again (its files may have been replaced) starts from a fresh decoder and fresh embeddings
      prepared.clear();
      const d = decoder;
      decoder = undefined;
      await d?.model.then((m) => m.release(), () => undefined);
      if (folder === null) {
        settings.choose(library(), null);
        return describe(null);
      }
      if (!isAbsolute(folder)) throw new UserError('bad-path', `'${folder}' is not an absolute path`, 'Give the full path of the model folder.');
      const abs = resolve(folder);
      const { contract } = inspectSamFolder(abs);
      settings.choose(library(), abs);
      return { path: abs, variant: contract.variant, layout: SAM_FOLDER_LAYOUT };
    },
    async prepare(renderId) {
      const p = await prepare(renderId);
      return { renderId, variant: p.embedding.variant, cached: p.cached, ms: p.ms };
    },
    async mask(renderId, prompt: SamPromptRecord) {
      const { embedding } = await prepare(renderId);
      const folder = settings.folder(library())!;
      const model = await decoderFor(folder);
      const started = performance.now();
      const m = await model.segment(embedding, prompt);
      stats.masks++;
      return { width: m.width, height: m.height, deflated: Buffer.from(deflateSync(m.data)).toString('base64'), score: m.score, ms: Math.round((performance.now() - started) * 10) / 10 };
    },
  };

  return {
    service,
    stats,
    async close() {
      const d = decoder;
      decoder = undefined;
      prepared.clear();
      await d?.model.then((m) => m.release(), () => undefined);
    },
  };
}
