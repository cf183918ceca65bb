import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { runCliCaptured as cli } from '../support/cli-io';
import { png, tempDir, writeFile } from './helpers';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A 74-byte PNG whose header claims 20000x20000 RGB: the limit must be checked on the
 * header, so nothing near the 1.2 GB of pixels is ever allocated.
 */
function hugeHeaderPng(width = 20000, height = 20000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const OVER_LIMIT = '20000x20000 = 400.0 megapixels, over the limit of 64.0 megapixels';

async function treeWithOneHugeImage(): Promise<string> {
  const src = tempDir('r2r-src-');
  writeFile(src, 'coat/CT-1/grey/front_raster.png', await png(16, 16, 3));
  writeFile(src, 'coat/CT-1/grey/back_raster.png', hugeHeaderPng());
  return src;
}

describe('import: images over the pixel limit', () => {
  it('names the limit in the words generate uses, without decoding the pixels', async () => {
    const src = await treeWithOneHugeImage();
    const lib = createLibrary(join(tempDir(), 'lib'));
    const rssBefore = process.memoryUsage().rss;
    const report = await importTree(lib, src);
    const grown = process.memoryUsage().rss - rssBefore;
    lib.close();
    expect(report.problems).toEqual([{ file: 'coat/CT-1/grey/back_raster.png', reason: `image too large: ${OVER_LIMIT}` }]);
    expect(report.renders.added).toBe(1);
    // decoding 20000x20000 RGB would take 1.2 GB
    expect(grown).toBeLessThan(300 * 2 ** 20);

    const generateSays = await readSourceImage(join(src, 'coat/CT-1/grey/back_raster.png')).catch((e: Error) => e.message);
    expect(generateSays).toContain(OVER_LIMIT);
  });

  it('an image just under the limit is no problem', async () => {
    const src = tempDir('r2r-src-');
    // 8000x8000 = 64.0 MP exactly: at the limit, not over it; the header is enough to say so
    writeFile(src, 'coat/CT-2/grey/front_raster.png', hugeHeaderPng(8000, 8001));
    writeFile(src, 'coat/CT-3/grey/front_raster.png', hugeHeaderPng(8000, 8000));
    const lib = createLibrary(join(tempDir(), 'lib'));
    const report = await importTree(lib, src);
    lib.close();
    expect(report.problems[0]).toEqual({ file: 'coat/CT-2/grey/front_raster.png', reason: 'image too large: 8000x8001 = 64.0 megapixels, over the limit of 64.0 megapixels' });
    // 8000x8000 passes the limit and then fails decoding: its pixel data is 1000 zero bytes
    expect(report.problems[1]!.file).toBe('coat/CT-3/grey/front_raster.png');
    expect(report.problems[1]!.reason).not.toMatch(/too large/);
  });
});

describe('r2r import exit status', () => {
  it('exits 0 when every readable image was imported and lists the skipped ones; --strict exits 3', async () => {
    const src = await treeWithOneHugeImage();
    const lib = join(tempDir(), 'lib');
    expect((await cli(['library', 'init', lib])).code).toBe(0);

    const lenient = await cli(['import', src, '--library', lib]);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toContain(`skipped 1:\n    coat/CT-1/grey/back_raster.png: image too large: ${OVER_LIMIT}`);
    expect(lenient.out).toContain('renders:  1 read, 1 added, 0 already there');

    const strict = await cli(['import', src, '--library', lib, '--strict', '--json']);
    expect(strict.code).toBe(3);
    const report = JSON.parse(strict.out);
    expect(report.problems).toEqual([{ file: 'coat/CT-1/grey/back_raster.png', reason: `image too large: ${OVER_LIMIT}` }]);
    // the readable image was imported by the first run and is still there
    expect(report.renders).toEqual({ found: 1, added: 0, existing: 1 });

    const clean = tempDir('r2r-src-');
    writeFile(clean, 'coat/CT-9/grey/front_raster.png', await png(16, 16, 4));
    expect((await cli(['import', clean, '--library', lib, '--strict'])).code).toBe(0);
  });
});
