import { Document, WebIO } from '@gltf-transform/core';
import { KHRMaterialsVariants } from '@gltf-transform/extensions';
import sharp from 'sharp';
import { valueNoise } from './random';

type Vec3 = [number, number, number];

export interface GarmentModelOptions {
  /** colorway names, written as KHR_materials_variants; the first is the default material */
  variants?: string[];
  /** base colours (linear RGB 0-1), one per variant; cycled when fewer */
  colors?: Vec3[];
  /** rings around the body and the sleeves (detail; 48 gives some 5 k triangles) */
  segments?: number;
  /** a procedural twill texture as the base colour map (a PNG inside the .glb) */
  texture?: boolean;
}

const DEFAULT_COLORS: Vec3[] = [
  [0.55, 0.08, 0.07],
  [0.05, 0.18, 0.42],
  [0.62, 0.6, 0.5],
];

interface Mesh {
  positions: number[];
  uvs: number[];
  indices: number[];
}

/**
 * A tube of `rings` x `around` vertices: ring i sits at `centre(t)` with radii `radius(t)`
 * along the basis (u, w), t = i / (rings - 1). UVs are in metres (arc length around, length
 * along), so a texture's physical size maps through a plain repeat.
 */
function tube(mesh: Mesh, rings: number, around: number, centre: (t: number) => Vec3, radius: (t: number) => [number, number], u: Vec3, w: Vec3): void {
  const base = mesh.positions.length / 3;
  let along = 0;
  let prev: Vec3 | undefined;
  for (let i = 0; i < rings; i++) {
    const t = i / (rings - 1);
    const c = centre(t);
    const [ru, rw] = radius(t);
    if (prev) along += Math.hypot(c[0] - prev[0], c[1] - prev[1], c[2] - prev[2]);
    prev = c;
    let arc = 0;
    for (let j = 0; j <= around; j++) {
      const a = (j / around) * Math.PI * 2;
      const [cu, sw] = [Math.cos(a) * ru, Math.sin(a) * rw];
      if (j > 0) arc += Math.hypot(cu - Math.cos(((j - 1) / around) * Math.PI * 2) * ru, sw - Math.sin(((j - 1) / around) * Math.PI * 2) * rw);
      mesh.positions.push(c[0] + u[0] * cu + w[0] * sw, c[1] + u[1] * cu + w[1] * sw, c[2] + u[2] * cu + w[2] * sw);
      mesh.uvs.push(arc, along);
    }
  }
  const row = around + 1;
  for (let i = 0; i < rings - 1; i++) {
    for (let j = 0; j < around; j++) {
      const a = base + i * row + j;
      mesh.indices.push(a, a + row, a + 1, a + 1, a + row, a + row + 1);
    }
  }
}

function normalsOf(positions: number[], indices: number[]): number[] {
  const n = new Array<number>(positions.length).fill(0);
  for (let k = 0; k < indices.length; k += 3) {
    const [a, b, c] = [indices[k]! * 3, indices[k + 1]! * 3, indices[k + 2]! * 3];
    const e1 = [positions[b]! - positions[a]!, positions[b + 1]! - positions[a + 1]!, positions[b + 2]! - positions[a + 2]!];
    const e2 = [positions[c]! - positions[a]!, positions[c + 1]! - positions[a + 1]!, positions[c + 2]! - positions[a + 2]!];
    const f = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
    for (const v of [a, b, c]) for (let i = 0; i < 3; i++) n[v + i]! += f[i]!;
  }
  for (let v = 0; v < n.length; v += 3) {
    const len = Math.hypot(n[v]!, n[v + 1]!, n[v + 2]!) || 1;
    for (let i = 0; i < 3; i++) n[v + i] = n[v + i]! / len;
  }
  return n;
}

/** a T-shirt-like shape, 0.72 m tall, left-right symmetric, front towards +Z (glTF's forward) */
export function garmentMesh(segments = 48): Mesh {
  const mesh: Mesh = { positions: [], uvs: [], indices: [] };
  const rings = Math.max(4, Math.round(segments / 2));
  // body: a flattened tube, waist to shoulders, slightly fuller at the chest, narrowing at the neck
  tube(
    mesh,
    rings,
    segments,
    (t) => [0, t * 0.72, 0],
    (t) => {
      const chest = 0.2 + 0.03 * Math.sin(Math.PI * Math.min(1, t * 1.2));
      const neck = t > 0.9 ? 1 - (t - 0.9) * 4.5 : 1;
      return [chest * neck, 0.12 * neck];
    },
    [1, 0, 0],
    [0, 0, 1],
  );
  // sleeves: short tubes from the shoulders, out and down at 30 degrees
  for (const side of [-1, 1]) {
    const dir: Vec3 = [side * Math.cos(Math.PI / 6), -Math.sin(Math.PI / 6), 0];
    const start: Vec3 = [side * 0.17, 0.62, 0];
    tube(
      mesh,
      Math.max(3, Math.round(rings / 3)),
      Math.round(segments / 2),
      (t) => [start[0] + dir[0] * 0.24 * t, start[1] + dir[1] * 0.24 * t, 0],
      (t) => [0.075 - 0.015 * t, 0.075 - 0.015 * t],
      [-dir[1] * side, dir[0] * side, 0],
      [0, 0, 1],
    );
  }
  return mesh;
}

/** a 256 px twill-like weave (greyscale, tinted by the material's base colour) as PNG bytes */
export async function twillTexture(size = 256): Promise<Uint8Array> {
  const px = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const diagonal = (x + y) % 8 < 4 ? 1 : 0.78;
      const v = Math.round(255 * diagonal * (0.88 + 0.12 * valueNoise(x, y, 6, 7)));
      px.fill(v, (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  return new Uint8Array(await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer());
}

/**
 * A garment-like model as .glb bytes: one mesh (body and sleeves), double-sided fabric
 * material per colorway, the colorways as KHR_materials_variants when there are several.
 */
export async function buildGarmentGlb(opts: GarmentModelOptions = {}): Promise<Uint8Array> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const m = garmentMesh(opts.segments);
  const accessor = (type: 'VEC3' | 'VEC2' | 'SCALAR', array: Float32Array | Uint32Array) => doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', new Float32Array(m.positions)))
    .setAttribute('NORMAL', accessor('VEC3', new Float32Array(normalsOf(m.positions, m.indices))))
    .setAttribute('TEXCOORD_0', accessor('VEC2', new Float32Array(m.uvs)))
    .setIndices(accessor('SCALAR', new Uint32Array(m.indices)));
  const texture = opts.texture ? doc.createTexture('twill').setImage(await twillTexture()).setMimeType('image/png') : undefined;
  const names = opts.variants?.length ? opts.variants : ['default'];
  const colors = opts.colors?.length ? opts.colors : DEFAULT_COLORS;
  const materials = names.map((name, i) => {
    const c = colors[i % colors.length]!;
    const mat = doc.createMaterial(name).setBaseColorFactor([c[0], c[1], c[2], 1]).setRoughnessFactor(0.85).setMetallicFactor(0).setDoubleSided(true);
    if (texture) mat.setBaseColorTexture(texture);
    return mat;
  });
  prim.setMaterial(materials[0]!);
  if (names.length > 1) {
    const ext = doc.createExtension(KHRMaterialsVariants);
    const mappings = ext.createMappingList();
    names.forEach((name, i) => mappings.addMapping(ext.createMapping().setMaterial(materials[i]!).addVariant(ext.createVariant(name))));
    prim.setExtension('KHR_materials_variants', mappings);
  }
  const node = doc.createNode('garment').setMesh(doc.createMesh('garment').addPrimitive(prim));
  doc.getRoot().setDefaultScene(doc.createScene('garment').addChild(node));
  const io = new WebIO().registerExtensions([KHRMaterialsVariants]);
  return io.writeBinary(doc);
}
