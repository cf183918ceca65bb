import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelList } from '../../../main/api/model-list';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';

const made: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'r2r-model-list-'));
  made.push(d);
  return d;
}
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** a safetensors embedding from the format's definition: u64 header length, JSON header, f32 data */
function embeddingFile(path: string, rows: number, width: number): string {
  const data = new Float32Array(rows * width).map((_, i) => Math.sin(i) * 0.01);
  const header = Buffer.from(JSON.stringify({ emb_params: { dtype: 'F32', shape: [rows, width], data_offsets: [0, data.byteLength] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path, Buffer.concat([len, header, Buffer.from(data.buffer)]));
  return path;
}

describe('the model list', () => {
  it('adds a model folder checked like `r2r models inspect`, with its size, kind and adaptation state', () => {
    const dir = temp();
    const model = join(dir, 'demo');
    writeDemoModel(model, { seed: 1 });
    const list = new ModelList(join(dir, 'config', 'models.json'));
    const added = list.add('model', model);
    expect(added).toMatchObject({ kind: 'model', path: model, name: 'demo' });
    expect(added.bytes).toBeGreaterThan(10_000);
    expect(added.summary).toMatch(/^SD ONNX, float32, text width \d+, 4 components$/);
    expect(added.adaptation).toMatch(/^adapted once on first use \(\d+ self-attention layers\)$/);
    // adding again refreshes the entry rather than listing it twice
    list.add('model', model);
    expect(list.list().map((e) => e.path)).toEqual([model]);
    const stored = JSON.parse(readFileSync(join(dir, 'config', 'models.json'), 'utf8')) as { version: number; entries: unknown[] };
    expect(stored.version).toBe(1);
    expect(stored.entries).toHaveLength(1);
  });

  it('refuses what is not a model folder or an embedding, and adds nothing', () => {
    const dir = temp();
    const list = new ModelList(join(dir, 'models.json'));
    mkdirSync(join(dir, 'empty'));
    expect(() => list.add('model', join(dir, 'empty'))).toThrow();
    expect(() => list.add('model', 'relative/path')).toThrow(/not an absolute path/);
    expect(() => list.add('model', join(dir, 'nowhere'))).toThrow(/does not exist/);
    writeFileSync(join(dir, 'junk.safetensors'), 'not a tensor file');
    expect(() => list.add('embedding', join(dir, 'junk.safetensors'))).toThrow();
    expect(() => list.add('embedding', join(dir, 'empty'))).toThrow(/is a folder/);
    expect(list.list()).toEqual([]);
  });

  it('adds a negative embedding with its vectors', () => {
    const dir = temp();
    const list = new ModelList(join(dir, 'models.json'));
    const file = embeddingFile(join(dir, 'render-domain.safetensors'), 2, 32);
    expect(list.add('embedding', file)).toMatchObject({ kind: 'embedding', name: 'render-domain.safetensors', summary: 'render-domain: 2 vectors × 32 (safetensors)', adaptation: '' });
  });

  it('remembers the pick per library and the last pick for libraries without one', () => {
    const dir = temp();
    const file = join(dir, 'models.json');
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeDemoModel(a, { seed: 1 });
    writeDemoModel(b, { seed: 2 });
    const list = new ModelList(file);
    list.add('model', a);
    list.add('model', b);
    expect(list.choice('/lib/one')).toEqual({ model: null, embedding: null });
    list.choose('/lib/one', 'model', a);
    list.choose('/lib/two', 'model', b);
    // a fresh reader of the same file: the picks survive a restart
    const again = new ModelList(file);
    expect(again.choice('/lib/one')).toEqual({ model: a, embedding: null });
    expect(again.choice('/lib/two')).toEqual({ model: b, embedding: null });
    expect(again.choice('/lib/three')).toEqual({ model: b, embedding: null });
    expect(() => again.choose('/lib/one', 'model', join(dir, 'unlisted'))).toThrow(/not on the model list/);
    // removing an entry drops its picks; a folder that disappeared is marked missing
    expect(again.remove('model', b)).toBe(true);
    expect(again.choice('/lib/two')).toEqual({ model: null, embedding: null });
    rmSync(a, { recursive: true });
    expect(again.list()).toEqual([expect.objectContaining({ path: a, missing: true })]);
  });
});
