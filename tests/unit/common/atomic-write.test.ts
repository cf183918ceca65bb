import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTempFile, removeStaleTemps, writeFileAtomic } from '../../../main/common/atomic-write';
import { tempDir } from '../export/fixtures';

describe('atomic writes', () => {
  it('replaces a file whole, makes folders, and leaves no temporary file behind', () => {
    const dir = tempDir();
    const target = join(dir, 'sub', 'a.jpg');
    writeFileAtomic(target, Buffer.from('first'));
    writeFileAtomic(target, 'second');
    expect(readFileSync(target, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['a.jpg']);
  });

  it('keeps temporary names short so a 255-byte target name still works', () => {
    const dir = tempDir();
    const name = 'x'.repeat(251) + '.jpg';
    writeFileAtomic(join(dir, name), 'ok');
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('cleans up what a killed writer left, in subfolders too, and nothing else', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, '.abc.1.x.r2r-tmp'), 'partial');
    writeFileSync(join(dir, 'sub', '.def.2.y.r2r-tmp'), 'partial');
    writeFileSync(join(dir, 'keep.jpg'), 'whole');
    expect(removeStaleTemps(dir)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['keep.jpg', 'sub']);
    expect(readdirSync(join(dir, 'sub'))).toEqual([]);
    expect(isTempFile('.abc.1.x.r2r-tmp')).toBe(true);
    expect(isTempFile('keep.jpg')).toBe(false);
  });
});
