import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { R2RApi } from '../../../preload/api/contract';
import { apiSchemas } from '../../../preload/api/schemas';
import { createDispatcher, toErrorPayload, type Dispatch } from '../../../main/api/dispatcher';
import { createBackend, type Backend } from '../../../main/api/index';
import { internalJobKinds, jobKinds } from '../../../main/api/job-kinds';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { buildGarmentGlb } from '../../../main/catalog/sample/garment-model';
import { png, writeFile } from '../catalog/helpers';
import { createRng, fuzz, fuzzDir, type Rng } from './harness';
import { sam1Decoder, sam1Encoder, samFolder } from '../sam/tiny-sam';

const dir = fuzzDir('r2r-fuzz-api-');
const libDir = join(dir, 'lib');
let backend: Backend;
let dispatch: Dispatch;
/** what the stubbed channels were called with: they would touch folders or start jobs */
const stubbed: unknown[][] = [];

beforeAll(async () => {
  process.env.R2R_CONFIG_DIR = join(dir, 'config');
  const src = join(dir, 'src');
  writeFile(src, 'hat/HT-1/red/front_raster.png', await png(16, 16, 1));
  writeFile(src, 'hat/HT-2/blue/back_raytrace.png', await png(16, 16, 2));
  // a real textual-inversion file (one 768-wide row, safetensors) so models.add has something to accept
  const header = Buffer.from(JSON.stringify({ emb_params: { dtype: 'F32', shape: [1, 768], data_offsets: [0, 768 * 4] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(dir, 'negative.safetensors'), Buffer.concat([length, header, Buffer.from(new Float32Array(768).fill(0.01).buffer)]));
  const lib = createLibrary(libDir);
  await importTree(lib, src);
  const hashes = lib.raw.prepare('SELECT hash FROM assets ORDER BY id').pluck().all() as string[];
  // a tiny Segment Anything pair, so the segment channels answer; its embeddings go to the fuzz folder's cache
  process.env.R2R_CACHE_DIR = join(dir, 'cache');
  SEEDS['segment.setModel']!.push([samFolder(sam1Encoder(), sam1Decoder(), {}, join(dir, 'sam'))]);
  // a real GLB, so attachModel has one to accept (and model/modelData one to answer with)
  SEEDS['library.attachModel']!.unshift([1, Buffer.from(await buildGarmentGlb({ segments: 8 })).toString('base64'), 'tee.glb']);
  SEEDS['metrics.comparePair']!.push([{ a: hashes[0], b: hashes[1] }], [{ a: hashes[1], b: hashes[0], mask: { renderId: 1, purpose: 'edit' } }]);
  lib.close();
  backend = createBackend({ library: libDir, jobKinds, jobWorker: inlineWorkerFactory(jobKinds), metricsWorker: inlineWorkerFactory(internalJobKinds) });
  const record = (...args: unknown[]) => {
    stubbed.push(args);
    return Promise.resolve(null);
  };
  // everything real except what would create folders anywhere or run jobs
  const api = {
    ...backend.api,
    library: { ...backend.api.library, open: record, create: record },
    jobs: { ...backend.api.jobs, submit: record },
  } as unknown as R2RApi;
  dispatch = createDispatcher(api);
  await dispatch('r2r:combos.create', [combo]);
});

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

// not in the library: a clean unknown-asset error; real hashes are added once the library exists
const HASH = 'ab'.repeat(32);
// raw deflate, as the studio's canvas sends it
const mask16 = { width: 16, height: 16, deflated: deflateRawSync(Buffer.alloc(256, 200)).toString('base64') };
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const combo = { name: 'Look 1', notes: 'summer', items: [{ garment: 1, colorwayId: 1, role: 'top', layer: 0 }] };

/** valid arguments for every channel: the seeds the mutations start from */
const SEEDS: Record<string, unknown[][]> = {
  'app.info': [[]],
  'jobs.submit': [['generate', { input: 'a.png' }], ['export', {}]],
  'jobs.list': [[]],
  'jobs.get': [['job-1']],
  'jobs.cancel': [['job-1']],
  // submit is stubbed: the queue is empty, so these answer with its (empty) state
  'jobs.queue': [[]],
  'jobs.cancelAll': [[]],
  'jobs.clearFinished': [[]],
  'jobs.retryFailed': [[]],
  'jobs.pause': [[]],
  'jobs.resume': [[]],
  'jobs.reorder': [[['job-1', 'job-2']], [[]]],
  'library.current': [[]],
  'library.open': [['/tmp/lib']],
  'library.create': [['/tmp/new-lib']],
  'library.recent': [[]],
  'library.clearRecent': [[]],
  'library.facets': [[]],
  'library.search': [[{}], [{ category: 'hat', text: 'red', kind: 'raster', hasGeneration: false, limit: 10, offset: 0 }], [{ colorway: 'blue', limit: 1000, offset: 5 }]],
  'library.garment': [[1], [2]],
  // not a GLB (refused with the reason), then a colorway's model and renders
  'library.attachModel': [[1, Buffer.from('glTF but not really').toString('base64'), 'shirt.glb']],
  'library.model': [[1], [2]],
  'library.modelData': [[1]],
  'library.material': [[1], [2]],
  'library.materialData': [[1]],
  'library.addRenders': [[1, [{ view: 'side', kind: 'raster', png: PNG_1X1 }]], [2, [{ view: 'detail', kind: 'raytrace', png: PNG_1X1 }]]],
  'masks.get': [[1, 'edit'], [2, 'texture-lock']],
  'masks.save': [[1, 'edit', mask16], [2, 'garment', mask16]],
  'masks.remove': [[1, 'edit']],
  'combos.list': [[]],
  'combos.get': [[1]],
  'combos.create': [[combo]],
  'combos.update': [[1, combo]],
  // combo 1 stays, for get and update
  'combos.remove': [[999]],
  'combos.layout': [[1], [1, 'back']],
  'combos.saveLayout': [[1, [{ garmentId: 1, box: { x: 0.2, y: 0.2, w: 0.5, h: 0.5 } }]], [1, []]],
  'combos.renders': [[1]],
  'combos.attachRender': [[1, 'front', 'raster', PNG_1X1]],
  'combos.dressed': [[1]],
  'generations.choose': [[1]],
  'generations.discard': [[1]],
  // folders and files that are not models: add reads and refuses them, nothing is written outside the config folder
  'models.list': [[]],
  'models.add': [['embedding', join(dir, 'negative.safetensors')], ['model', join(dir, 'not-a-model')], ['embedding', join(dir, 'not-an-embedding.safetensors')], ['model', libDir]],
  'models.remove': [['model', join(dir, 'not-a-model')], ['embedding', '/tmp/none.pt']],
  'models.choice': [[]],
  'models.choose': [['model', null], ['embedding', join(dir, 'not-an-embedding.safetensors')]],
  'studio.capabilities': [[]],
  'exports.presets': [[]],
  'metrics.comparePair': [[{ a: HASH, b: HASH }], [{ a: HASH, b: HASH, mask: { renderId: 1, purpose: 'edit' } }]],
  'segment.model': [[]],
  'segment.setModel': [[null]],
  'segment.prepare': [[1], [2]],
  'segment.mask': [[1, { points: [{ x: 8, y: 8, positive: true }] }], [2, { points: [{ x: 3, y: 4, positive: false }], box: { x0: 1, y0: 1, x1: 12, y1: 12 } }]],
  // a model folder that does not exist: the estimate takes SD 1.5's shape, as documented
  // no Redis listens on this port: connect and workers refuse with the reason, forget has nothing to forget
  'remote.settings': [[]],
  'remote.connect': [['redis://127.0.0.1:1'], ['rediss://:pw@127.0.0.1:1/0']],
  'remote.forget': [[]],
  'remote.workers': [[]],
  'estimates.cost': [
    [{ renderId: 1, model: join(dir, 'model'), steps: 50, strength: 0.3, tacRatio: 0.9 }],
    [{ renderId: 2, model: join(dir, 'model'), steps: 10, strength: 0.5, tacRatio: 0.5, maxSide: 512, provider: 'cpu', grid: [{ tacRatio: 0.5, strength: 0.3 }], sides: [512, 256] }],
    [{ renderId: 1, model: join(dir, 'model'), steps: 20, strength: 1, tacRatio: 0, shots: 12 }],
  ],
  'regions.list': [[]],
  // a library preset, and a built-in's name in other case (refused)
  'regions.save': [['my look', { garment: { strength: 0.3, tacRatio: 0.9 }, face: { strength: 0.5, prompt: 'photo of a person', fill: '#7f7f7f' } }], ['Garment + Face Realism', { face: { strength: 0.5 } }]],
  // no preset 999 (false), and built-in #1 (refused)
  'regions.remove': [[999], [1]],
  'regions.forRender': [[1], [2]],
  'regions.report': [[1]],
};

const WEIRD: unknown[] = [
  undefined, null, true, 0, -1, 1.5, -0, NaN, Infinity, 2 ** 53, 2 ** 31, 1e308, '', ' ', 'x'.repeat(5000), '../../etc', '\u0000', 'édit',
  [], [[]], {}, { __proto__: { polluted: true } }, JSON.parse('{"__proto__": {"polluted": true}}'), { toString: 'x' }, Symbol.iterator.description, 'edit', 1, HASH, 'A'.repeat(64),
];

const clone = (v: unknown): unknown => (Array.isArray(v) ? v.map(clone) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v);

/** one node somewhere in the arguments replaced, dropped or added */
function mutateArgs(rng: Rng, args: unknown[]): unknown {
  const root = clone(args) as unknown[];
  const steps = 1 + rng.below(3);
  for (let s = 0; s < steps; s++) {
    // walk down to a random container
    let node: unknown = root;
    while (rng.below(2)) {
      const kids = node && typeof node === 'object' ? Object.values(node).filter((k) => k && typeof k === 'object') : [];
      if (!kids.length) break;
      node = rng.pick(kids);
    }
    if (!node || typeof node !== 'object') continue;
    const o = node as Record<string, unknown>;
    const keys = Object.keys(o);
    const key = Array.isArray(o) ? String(rng.below(o.length + 1)) : rng.pick([...keys, 'extra', '__proto__', 'constructor']);
    const what = rng.below(5);
    if (what === 0) delete o[key];
    else if (what === 1 && Array.isArray(o)) o.push(rng.pick(WEIRD));
    // an own '__proto__' key, as JSON.parse makes from a request body
    else Object.defineProperty(o, key, { value: rng.pick(WEIRD), enumerable: true, writable: true, configurable: true });
  }
  // now and then not a list at all
  return rng.below(40) === 0 ? rng.pick(WEIRD) : root;
}

describe('fuzz: API arguments through the dispatcher', () => {
  it('answers 10,000 mutated calls with a clean error payload or a result, never an internal error', async () => {
    const channels = Object.entries(apiSchemas).flatMap(([s, methods]) => Object.keys(methods).map((m) => `${s}.${m}`));
    // every channel has seeds: a new method is fuzzed from the day it is added
    expect(channels.filter((c) => !SEEDS[c])).toEqual([]);
    const rng = createRng(2308);
    const perChannel = new Map<string, { clean: number; ok: number }>();
    const seedRefused: string[] = [];
    const { counts, failures } = await fuzz({
      name: 'api arguments (every channel)',
      count: 10_000,
      input: (i) => {
        const channel = channels[i % channels.length]!;
        const seed = rng.pick(SEEDS[channel]!);
        // one call in ten keeps its valid seed: the real service must answer it
        const valid = rng.below(10) === 0;
        return { channel, valid, args: valid ? clone(seed) : mutateArgs(rng, seed) };
      },
      run: async ({ channel, valid, args }) => {
        const tally = perChannel.get(channel) ?? { clean: 0, ok: 0 };
        perChannel.set(channel, tally);
        try {
          await dispatch(`r2r:${channel}`, args);
          tally.ok++;
        } catch (err) {
          tally.clean++;
          if (valid && toErrorPayload(err).code === 'invalid-arguments') seedRefused.push(`${channel}: ${toErrorPayload(err).message}`);
          throw err;
        }
      },
      // a bad argument is `invalid-arguments`; a well-formed one the library cannot serve is a UserError's code
      isClean: (err) => toErrorPayload(err).code !== 'internal',
      show: ({ channel, args }) => `${channel} ${JSON.stringify(args)?.slice(0, 300)}`,
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBeGreaterThan(1000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // the stubs only ever saw arguments their schemas allow
    for (const args of stubbed) expect(Array.isArray(args)).toBe(true);
    // the valid seeds passed their schemas, and most channels answered them with a result
    expect(seedRefused).toEqual([]);
    // the seeds of these name a job or a generation that does not exist: a clean not-found error
    const NOTHING_TO_FIND = ['jobs.get', 'jobs.cancel', 'generations.choose', 'generations.discard', 'remote.connect', 'remote.workers', 'regions.report'];
    const unanswered = channels.filter((c) => perChannel.get(c)!.ok === 0);
    expect(unanswered.filter((c) => !NOTHING_TO_FIND.includes(c))).toEqual([]);
  });

  it('answers 10,000 mutated job params (what jobs.submit hands each kind) with a parse result, never a throw', async () => {
    const generate = {
      library: libDir, renderId: 1, model: join(dir, 'model'), steps: 10, strength: 0.4, tacRatio: 0.5, tacLevels: 2, guidance: 7.5, seed: 7,
      prompt: '', negative: { kind: 'prompt', text: '' }, maxSide: 64, provider: 'cpu',
    };
    const seeds: Record<string, unknown[]> = {
      generate: [generate],
      sweep: [{ ...generate, grid: [{ tacRatio: 0, strength: 0.3 }, { tacRatio: 1, strength: 0.6 }] }],
      export: [{ library: libDir, outDir: join(dir, 'out'), preset: 'amazon', source: 'raytrace', selection: {} }, { library: libDir, outDir: join(dir, 'out'), preset: 'zalando', source: 'realistic', generate: 'missing', model: join(dir, 'model'), selection: { category: 'hat' } }],
      'probe-providers': [{}],
      dress: [
        { library: libDir, comboId: 1, model: join(dir, 'model'), prompt: 'a person', steps: 4, seed: 3, width: 64, height: 64, fidelity: { '1': 0.5 } },
        { library: libDir, comboId: 1, model: join(dir, 'model'), prompt: '', renderId: 1, strength: 0.5, view: 'front', negative: 'blurry', provider: 'cpu' },
      ],
    };
    expect(jobKinds.map((k) => k.name).filter((n) => !seeds[n])).toEqual([]);
    const rng = createRng(2309);
    let accepted = 0;
    const { failures } = await fuzz({
      name: 'job params (every job kind)',
      count: 10_000,
      input: (i) => {
        const kind = jobKinds[i % jobKinds.length]!;
        const seed = rng.pick(seeds[kind.name]!);
        return { kind, params: rng.below(10) === 0 ? clone(seed) : (mutateArgs(rng, [seed]) as unknown[])?.[0] };
      },
      run: ({ kind, params }) => {
        // safeParse reports bad input as issues; a refinement or transform that throws would be a crash of jobs.submit
        if (kind.params.safeParse(params ?? {}).success) accepted++;
      },
      isClean: () => false,
      show: ({ kind, params }) => `${kind.name} ${JSON.stringify(params)?.slice(0, 300)}`,
    });
    expect(failures).toEqual([]);
    expect(accepted).toBeGreaterThan(500);
  });
});
