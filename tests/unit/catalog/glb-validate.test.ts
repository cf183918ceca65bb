import { Document, WebIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { inspectModel, MODEL_LIMITS, ModelProblem } from '../../../main/catalog/import/glb';
import { buildGarmentGlb } from '../../../main/catalog/sample/garment-model';

/** a unit triangle (or nothing) as a glTF document */
function triangleDoc(opts: { mesh?: boolean; scale?: number } = {}): Document {
  const doc = new Document();
  const buffer = doc.createBuffer('geometry');
  const s = opts.scale ?? 1;
  const scene = doc.createScene();
  doc.getRoot().setDefaultScene(scene);
  if (opts.mesh === false) return doc;
  const pos = doc.createAccessor().setType('VEC3').setArray(new Float32Array([0, 0, 0, s, 0, 0, 0, s, 0])).setBuffer(buffer);
  const mesh = doc.createMesh().addPrimitive(doc.createPrimitive().setAttribute('POSITION', pos));
  scene.addChild(doc.createNode().setMesh(mesh));
  return doc;
}

const glb = (doc: Document): Promise<Uint8Array> => new WebIO().writeBinary(doc);

async function problem(bytes: Uint8Array, read?: Parameters<typeof inspectModel>[1]): Promise<string> {
  const err = await inspectModel(bytes, read).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelProblem);
  return (err as Error).message;
}

describe('inspectModel', () => {
  it('summarises a garment GLB: triangles counted from its indices, world bounds, variants as colorways', async () => {
    const bytes = await buildGarmentGlb({ variants: ['red', 'navy', 'sand'], segments: 16, texture: true });
    const s = await inspectModel(bytes);
    expect(s.format).toBe('glb');
    expect(s.meshes).toBe(1);
    expect(s.materials).toBe(3);
    expect(s.textures).toBe(1);
    expect(s.variants).toEqual(['red', 'navy', 'sand']);
    expect(s.extensions).toContain('KHR_materials_variants');
    // body: 8 rings x 16 segments of 2 triangles; sleeves: 2 x (3 rings -> 2 bands) x 8 segments x 2
    expect(s.triangles).toBe(7 * 16 * 2 + 2 * 2 * 8 * 2);
    // 0.72 m tall, from the waist at y = 0; symmetric about x = 0
    expect(s.bounds.min[1]).toBeCloseTo(0, 5);
    expect(s.bounds.max[1]).toBeCloseTo(0.72, 2);
    expect(s.bounds.min[0]).toBeCloseTo(-s.bounds.max[0], 5);
  });

  it('applies node transforms to the bounds', async () => {
    const doc = triangleDoc();
    doc.getRoot().listNodes()[0]!.setTranslation([10, 0, 0]).setScale([2, 2, 2]);
    const s = await inspectModel(await glb(doc));
    expect(s.bounds.min).toEqual([10, 0, 0]);
    expect(s.bounds.max).toEqual([12, 2, 0]);
    expect(s.triangles).toBe(1);
  });

  it('reads a .gltf whose buffer sits beside it, and names a missing one', async () => {
    const { json, resources } = await new WebIO().writeJSON(triangleDoc());
    const text = new TextEncoder().encode(JSON.stringify(json));
    const uri = json.buffers![0]!.uri!;
    expect((await inspectModel(text, (u) => (u === uri ? resources[uri] : undefined))).format).toBe('gltf');
    expect(await problem(text, () => undefined)).toBe(`missing buffer '${uri}' (it should sit next to the .gltf)`);
  });

  it('names a texture the .gltf points at but that is not there', async () => {
    const doc = triangleDoc();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    doc.createMaterial().setBaseColorTexture(doc.createTexture().setImage(png).setMimeType('image/png').setURI('weave.png'));
    const { json, resources } = await new WebIO().writeJSON(doc);
    const text = new TextEncoder().encode(JSON.stringify(json));
    const buf = json.buffers![0]!.uri!;
    expect(await problem(text, (u) => (u === buf ? resources[buf] : undefined))).toBe("missing texture 'weave.png' (it should sit next to the .gltf)");
  });

  it('refuses what is not glTF, a cut-short .glb and glTF 1.0', async () => {
    expect(await problem(new TextEncoder().encode('solid cube\nfacet normal 0 0 1\n'))).toBe('not a glTF model: neither a binary .glb nor glTF JSON');
    expect(await problem(new Uint8Array(0))).toBe('empty file');
    const whole = await glb(triangleDoc());
    expect(await problem(whole.slice(0, whole.length - 20))).toMatch(/^truncated \.glb: the header says \d+ bytes, the file has \d+$/);
    const damaged = whole.slice();
    // the JSON chunk's first bytes turned to garbage
    damaged.fill(0x7b, 20, 40);
    expect(await problem(damaged)).toMatch(/^corrupt glTF \(/);
    expect(await problem(new TextEncoder().encode('{"asset":{"version":"1.0"}}'))).toBe('glTF 1.0 is not supported: export glTF 2.0');
  });

  it('refuses a model with no mesh, a degenerate one and one kilometres across', async () => {
    expect(await problem(await glb(triangleDoc({ mesh: false })))).toBe('no mesh: the model holds no geometry with vertex positions');
    expect(await problem(await glb(triangleDoc({ scale: 0 })))).toBe('degenerate mesh: all vertices sit at one point');
    expect(await problem(await glb(triangleDoc({ scale: 5000 })))).toBe(
      `absurd size: the mesh is 5000 units across, more than ${MODEL_LIMITS.maxExtent} (glTF units are metres)`,
    );
  });
});
