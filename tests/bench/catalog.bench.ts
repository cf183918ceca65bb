/**
 * Catalog benchmark: a library of 100,000 garments x 4 views x 2 render kinds (800,000
 * renders) written through the importer's metadata path (image decoding excluded), then
 * filtered searches (category + text) as the app runs them: count, one page of 50, and the
 * page's renders. `R2R_BENCH_GARMENTS` makes it smaller for a quick look.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GarmentBatch, MetadataWriter } from '../../main/catalog/import/metadata';
import type { GarmentRecord } from '../../main/catalog/import/metadata';
import { createLibrary, LIBRARY_FILE } from '../../main/catalog/library';
import { searchGarments } from '../../main/catalog/queries/garments';
import { seededRandom } from '../../main/common/seeded-random';
import { SYNFASHION_CATEGORIES } from '../../main/catalog/vocabulary';

const VIEWS = ['front', 'back', 'left', 'three-quarter'];
const KINDS = ['raster', 'raytrace'] as const;
const MATERIALS = ['denim', 'wool', 'cotton', 'linen', 'silk', 'cashmere', 'nylon', 'leather', 'tweed', 'corduroy', 'jersey', 'satin', 'velvet', 'fleece', 'chiffon', 'canvas'];
const STYLES = ['classic', 'relaxed', 'slim', 'cropped', 'oversized', 'tailored', 'vintage', 'everyday', 'pleated', 'quilted', 'belted', 'hooded'];
const COLOURS = ['black', 'white', 'navy', 'camel', 'olive', 'burgundy', 'grey', 'indigo', 'cream', 'rust', 'sage', 'charcoal'];
const PATTERNS = ['plaid', 'floral', 'knit', 'twill', 'striped', 'solid', 'check', 'herringbone'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function makeRecords(from: number, to: number, rand: () => number): GarmentRecord[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const out: GarmentRecord[] = [];
  for (let i = from; i < to; i++) {
    const cat = SYNFASHION_CATEGORIES[i % SYNFASHION_CATEGORIES.length]!;
    const material = pick(MATERIALS);
    const colour = pick(COLOURS);
    out.push({
      sku: `SF-${String(i).padStart(6, '0')}`,
      name: `${pick(STYLES)} ${colour} ${material} ${cat.name}`,
      category: cat.slug,
      tags: [pick(PATTERNS), material, pick(STYLES)],
      notes: '',
      colorways: [
        {
          name: `${colour}-${pick(PATTERNS)}`,
          renders: VIEWS.flatMap((view) =>
            KINDS.map((kind) => ({
              view,
              kind,
              renderer: kind === 'raster' ? 'style3d-realtime' : 'style3d-pathtracer',
              width: 768,
              height: 1024,
              asset: { hash: createHash('sha256').update(`${i}/${view}/${kind}`).digest('hex'), ext: 'png', bytes: 900_000 },
              sourcePath: `${cat.slug}/SF-${i}/${view}_${kind}.png`,
            })),
          ),
        },
      ],
    });
  }
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const garments = Number(process.env.R2R_BENCH_GARMENTS ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'r2r-catalog-bench-'));
  try {
    const lib = createLibrary(join(dir, 'lib'));
    // the importer's metadata path: whole garments, committed in its batches
    const batcher = new GarmentBatch(new MetadataWriter(lib));
    const rand = seededRandom(2024);
    let writeMs = 0;
    let writeCpuMs = 0;
    const chunk = 2000;
    for (let from = 0; from < garments; from += chunk) {
      const recs = makeRecords(from, Math.min(garments, from + chunk), rand);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (const r of recs) batcher.add(r);
      if (from + chunk >= garments) batcher.flush();
      const c = process.cpuUsage(c0);
      writeCpuMs += (c.user + c.system) / 1000;
      writeMs += performance.now() - t0;
    }
    const renders = garments * VIEWS.length * KINDS.length;
    lib.raw.pragma('optimize');
    lib.raw.pragma('wal_checkpoint(TRUNCATE)');
    const dbBytes = statSync(join(lib.root, LIBRARY_FILE)).size;

    const qrand = seededRandom(99);
    const queries = Array.from({ length: 300 }, () => ({
      category: SYNFASHION_CATEGORIES[Math.floor(qrand() * SYNFASHION_CATEGORIES.length)]!.slug,
      text: [MATERIALS, COLOURS, PATTERNS][Math.floor(qrand() * 3)]![Math.floor(qrand() * 8)]!,
    }));
    for (const q of queries.slice(0, 20)) searchGarments(lib, q);
    const times: number[] = [];
    let matched = 0;
    for (const q of queries) {
      const t0 = performance.now();
      const page = searchGarments(lib, { ...q, limit: 50 });
      times.push(performance.now() - t0);
      matched += page.total;
    }
    times.sort((a, b) => a - b);
    const textOnly: number[] = [];
    for (const q of queries.slice(0, 100)) {
      const t0 = performance.now();
      searchGarments(lib, { text: q.text, kind: 'raytrace', limit: 50 });
      textOnly.push(performance.now() - t0);
    }
    textOnly.sort((a, b) => a - b);
    lib.close();
    return {
      garments,
      renders,
      importSeconds: +(writeMs / 1000).toFixed(2),
      importRendersPerSecond: Math.round(renders / (writeMs / 1000)),
      importGarmentsPerSecond: Math.round(garments / (writeMs / 1000)),
      // the same work per second of this process's cpu time: the rate on an unshared core
      importRendersPerCpuSecond: Math.round(renders / (writeCpuMs / 1000)),
      searchQueries: times.length,
      searchMeanMatches: Math.round(matched / times.length),
      searchCategoryTextP50Ms: +percentile(times, 50).toFixed(2),
      searchCategoryTextP95Ms: +percentile(times, 95).toFixed(2),
      searchTextKindP50Ms: +percentile(textOnly, 50).toFixed(2),
      searchTextKindP95Ms: +percentile(textOnly, 95).toFixed(2),
      databaseMiB: +(dbBytes / 2 ** 20).toFixed(1),
      databaseBytesPerRender: Math.round(dbBytes / renders),
      goals: { searchP95Ms: 20, importRendersPerSecond: 5000 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run(), null, 2));
}
