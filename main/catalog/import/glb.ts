import { ImageUtils, WebIO } from '@gltf-transform/core';
import type { Document, JSONDocument } from '@gltf-transform/core';
import { ALL_EXTENSIONS, KHRMaterialsVariants } from '@gltf-transform/extensions';

/**
 * Limits past which a garment model is refused as absurd (docs/3d-renders.md). A CLO3D or
 * Style3D export of a dense garment is some 0.5-2 M triangles and 20-80 MiB with its
 * textures; these leave 4-10x headroom while keeping a WebGL2 renderer and SwiftShader usable.
 */
export const MODEL_LIMITS = {
  maxBytes: 256 * 1024 * 1024,
  maxTriangles: 5_000_000,
  maxVertices: 5_000_000,
  maxTextures: 64,
  /** texture width or height, pixels */
  maxTextureSide: 8192,
  /** the mesh's largest extent, scene units (metres in glTF): a garment is not a building */
  maxExtent: 100,
} as const;

/** why a model cannot be used, in words for a person */
export class ModelProblem extends Error {
  override name = 'ModelProblem';
}

export interface ModelSummary {
  format: 'glb' | 'gltf';
  bytes: number;
  meshes: number;
  triangles: number;
  vertices: number;
  materials: number;
  textures: number;
  /** KHR_materials_variants names, in file order: each is a colorway */
  variants: string[];
  /** world-space bounding box of every mesh, scene units */
  bounds: { min: [number, number, number]; max: [number, number, number] };
  extensions: string[];
}

/** reads the bytes of a .gltf's external file (buffer or image) by its URI, undefined when missing */
export type ResourceReader = (uri: string) => Uint8Array | undefined;

const GLB_MAGIC = 0x46546c67; // 'glTF'

function io(): WebIO {
  return new WebIO().registerExtensions(ALL_EXTENSIONS);
}

function isDataUri(uri: string): boolean {
  return uri.startsWith('data:');
}

function parseJson(bytes: Uint8Array): JSONDocument['json'] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ModelProblem('not a glTF model: neither a binary .glb nor glTF JSON');
  }
  const asset = (json as { asset?: { version?: unknown } } | null)?.asset;
  if (!asset || typeof asset.version !== 'string') throw new ModelProblem('not a glTF model: the JSON has no asset.version');
  if (!asset.version.startsWith('2.')) throw new ModelProblem(`glTF ${asset.version} is not supported: export glTF 2.0`);
  return json as JSONDocument['json'];
}

/** the external files a .gltf names, read through `read`; a missing one is named */
function externalResources(json: JSONDocument['json'], read: ResourceReader): Record<string, Uint8Array<ArrayBuffer>> {
  const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
  const need = (uri: string | undefined, what: string) => {
    if (uri === undefined || isDataUri(uri)) return;
    const bytes = read(decodeURIComponent(uri));
    if (!bytes) throw new ModelProblem(`missing ${what} '${uri}' (it should sit next to the .gltf)`);
    resources[uri] = new Uint8Array(bytes);
  };
  for (const b of json.buffers ?? []) need(b.uri, 'buffer');
  for (const i of json.images ?? []) need(i.uri, 'texture');
  return resources;
}

function checkGlbHeader(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 20) throw new ModelProblem('truncated .glb: shorter than its header');
  const version = view.getUint32(4, true);
  if (version !== 2) throw new ModelProblem(`.glb version ${version} is not supported: export glTF 2.0`);
  const declared = view.getUint32(8, true);
  if (declared > bytes.length) throw new ModelProblem(`truncated .glb: the header says ${declared} bytes, the file has ${bytes.length}`);
}

async function readDocument(bytes: Uint8Array, read: ResourceReader | undefined): Promise<{ doc: Document; format: 'glb' | 'gltf' }> {
  const isGlb = bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === GLB_MAGIC;
  try {
    if (isGlb) {
      checkGlbHeader(bytes);
      return { doc: await io().readBinary(bytes), format: 'glb' };
    }
    const json = parseJson(bytes);
    const resources = externalResources(json, read ?? (() => undefined));
    return { doc: await io().readJSON({ json, resources }), format: 'gltf' };
  } catch (err) {
    if (err instanceof ModelProblem) throw err;
    const msg = ((err as Error).message ?? String(err)).split('\n')[0]!;
    throw new ModelProblem(`corrupt glTF (${msg})`);
  }
}

function trianglesOf(mode: number, indices: number): number {
  if (mode === 4) return Math.floor(indices / 3);
  if (mode === 5 || mode === 6) return Math.max(0, indices - 2);
  return 0;
}

function meshStats(doc: Document): { triangles: number; vertices: number; positioned: number } {
  let triangles = 0;
  let vertices = 0;
  let positioned = 0;
  for (const mesh of doc.getRoot().listMeshes()) {
    for (const prim of mesh.listPrimitives()) {
      const position = prim.getAttribute('POSITION');
      if (!position || position.getCount() === 0) continue;
      positioned++;
      vertices += position.getCount();
      triangles += trianglesOf(prim.getMode(), prim.getIndices()?.getCount() ?? position.getCount());
    }
  }
  return { triangles, vertices, positioned };
}

/** the world-space box of every mesh instance (node transforms applied to the POSITION bounds' corners) */
function worldBounds(doc: Document): ModelSummary['bounds'] {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (const node of doc.getRoot().listNodes()) {
    const mesh = node.getMesh();
    if (!mesh) continue;
    const m = node.getWorldMatrix();
    for (const prim of mesh.listPrimitives()) {
      const pos = prim.getAttribute('POSITION');
      if (!pos || pos.getCount() === 0) continue;
      const lo = pos.getMin([0, 0, 0]);
      const hi = pos.getMax([0, 0, 0]);
      for (let c = 0; c < 8; c++) {
        const p = [c & 1 ? hi[0]! : lo[0]!, c & 2 ? hi[1]! : lo[1]!, c & 4 ? hi[2]! : lo[2]!];
        for (let a = 0; a < 3; a++) {
          const w = m[a]! * p[0]! + m[4 + a]! * p[1]! + m[8 + a]! * p[2]! + m[12 + a]!;
          min[a] = Math.min(min[a]!, w);
          max[a] = Math.max(max[a]!, w);
        }
      }
    }
  }
  return { min, max };
}

function checkTextures(doc: Document): number {
  const textures = doc.getRoot().listTextures();
  if (textures.length > MODEL_LIMITS.maxTextures) throw new ModelProblem(`absurd size: ${textures.length} textures, more than ${MODEL_LIMITS.maxTextures}`);
  for (const t of textures) {
    const name = t.getURI() || t.getName() || `texture ${textures.indexOf(t)}`;
    const image = t.getImage();
    if (!image || image.length === 0) throw new ModelProblem(`missing texture '${name}': the model names it but holds no image data`);
    const size = ImageUtils.getSize(image, t.getMimeType());
    if (!size) throw new ModelProblem(`texture '${name}' is not a PNG, JPEG or WebP image this renderer can read`);
    if (Math.max(size[0], size[1]) > MODEL_LIMITS.maxTextureSide) {
      throw new ModelProblem(`absurd size: texture '${name}' is ${size[0]}x${size[1]}, larger than ${MODEL_LIMITS.maxTextureSide} px on a side`);
    }
  }
  return textures.length;
}

/**
 * Reads and validates a garment model (.glb, or .gltf whose external files come through
 * `read`): it must be glTF 2.0 with every buffer and texture present, at least one mesh with
 * positions, finite bounds and sizes within MODEL_LIMITS. Throws ModelProblem otherwise.
 */
export async function inspectModel(bytes: Uint8Array, read?: ResourceReader): Promise<ModelSummary> {
  if (bytes.length === 0) throw new ModelProblem('empty file');
  if (bytes.length > MODEL_LIMITS.maxBytes) {
    throw new ModelProblem(`absurd size: ${(bytes.length / 2 ** 20).toFixed(0)} MiB, more than ${MODEL_LIMITS.maxBytes / 2 ** 20} MiB`);
  }
  const { doc, format } = await readDocument(bytes, read);
  const root = doc.getRoot();
  const stats = meshStats(doc);
  if (stats.positioned === 0) throw new ModelProblem('no mesh: the model holds no geometry with vertex positions');
  if (stats.triangles > MODEL_LIMITS.maxTriangles) throw new ModelProblem(`absurd size: ${stats.triangles} triangles, more than ${MODEL_LIMITS.maxTriangles}`);
  if (stats.vertices > MODEL_LIMITS.maxVertices) throw new ModelProblem(`absurd size: ${stats.vertices} vertices, more than ${MODEL_LIMITS.maxVertices}`);
  const textures = checkTextures(doc);
  const bounds = worldBounds(doc);
  const extent = Math.max(...bounds.max.map((hi, a) => hi - bounds.min[a]!));
  if (!Number.isFinite(extent)) throw new ModelProblem('no mesh in the scene: no node places the geometry, or its positions are not finite');
  if (extent <= 0) throw new ModelProblem('degenerate mesh: all vertices sit at one point');
  if (extent > MODEL_LIMITS.maxExtent) throw new ModelProblem(`absurd size: the mesh is ${extent.toFixed(0)} units across, more than ${MODEL_LIMITS.maxExtent} (glTF units are metres)`);
  const variants = root.listExtensionsUsed().find((e): e is KHRMaterialsVariants => e instanceof KHRMaterialsVariants);
  return {
    format,
    bytes: bytes.length,
    meshes: root.listMeshes().length,
    triangles: stats.triangles,
    vertices: stats.vertices,
    materials: root.listMaterials().length,
    textures,
    variants: variants ? variants.listVariants().map((v, i) => v.getName() || `variant ${i + 1}`) : [],
    bounds,
    extensions: root.listExtensionsUsed().map((e) => e.extensionName),
  };
}
