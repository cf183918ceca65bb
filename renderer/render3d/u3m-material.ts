import { CanvasTexture, Color, MeshPhysicalMaterial, MirroredRepeatWrapping, NoColorSpace, RepeatWrapping, SRGBColorSpace, Vector2, Vector3 } from 'three';
import type { Material, Mesh, Object3D, Texture } from 'three';
import type { Render3dMaterial } from '../../preload/api/render3d-types';
import type { U3mColor, U3mImage } from '../../preload/api/u3m-types';
import { bakeScalar, planImages, planMaterial, wrapFor } from './u3m-mapping';
import type { MaterialPlan, ScalarMap } from './u3m-mapping';
import { mmPerUv, physicalRepeat } from './uv-scale';

async function loadPixels(url: string, path: string): Promise<ImageData> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch the material's image '${path}' (${res.status} ${res.statusText})`);
  const bitmap = await createImageBitmap(await res.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function canvasTexture(pixels: ImageData, colorSpace: typeof SRGBColorSpace | typeof NoColorSpace): Texture {
  const canvas = document.createElement('canvas');
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = colorSpace;
  // glTF's UV origin is the image's top-left corner
  texture.flipY = false;
  return texture;
}

const srgb = (c: U3mColor) => new Color().setRGB(c.r, c.g, c.b, SRGBColorSpace);

/** a mesh's millimetres per UV unit in world space, or null when it has no UVs that span anything */
function meshMmPerUv(mesh: Mesh): { u: number; v: number } | null {
  const uv = mesh.geometry.getAttribute('uv');
  const pos = mesh.geometry.getAttribute('position');
  if (!uv || !pos) return null;
  const world = new Float32Array(pos.count * 3);
  const p = new Vector3();
  for (let i = 0; i < pos.count; i++) {
    p.fromBufferAttribute(pos, i).applyMatrix4(mesh.matrixWorld);
    world.set([p.x, p.y, p.z], i * 3);
  }
  const uvs = new Float32Array(uv.count * 2);
  for (let i = 0; i < uv.count; i++) uvs.set([uv.getX(i), uv.getY(i)], i * 2);
  return mmPerUv(world, uvs, mesh.geometry.index?.array);
}

/**
 * Dresses every mesh of the model in a U3M side (u3m-mapping.ts says how each channel maps),
 * each texture repeated so one tile covers its physical size on that mesh. A mesh without
 * UVs gets the constants only; the returned notes say which meshes and what was left off.
 */
export async function applyU3mMaterial(model: Object3D, material: Render3dMaterial): Promise<string[]> {
  const plan = planMaterial(material.side);
  const pixels = new Map<string, ImageData>();
  for (const img of planImages(plan)) {
    const url = material.imageUrls[img.path];
    if (!url) throw new Error(`the material '${material.name}' names an image '${img.path}' the renderer was not given`);
    pixels.set(img.path, await loadPixels(url, img.path));
  }
  const scalarTexture = (m: ScalarMap) => {
    const src = pixels.get(m.image.path)!;
    return canvasTexture(new ImageData(bakeScalar(src.data, m.factor, m.offset), src.width, src.height), NoColorSpace);
  };
  const textures: { key: keyof MeshPhysicalMaterial & string; image: U3mImage; texture: Texture }[] = [];
  if (plan.map) textures.push({ key: 'map', image: plan.map, texture: canvasTexture(pixels.get(plan.map.path)!, SRGBColorSpace) });
  if (plan.normalMap) textures.push({ key: 'normalMap', image: plan.normalMap.image, texture: canvasTexture(pixels.get(plan.normalMap.image.path)!, NoColorSpace) });
  for (const [key, m] of [['roughnessMap', plan.roughnessMap], ['metalnessMap', plan.metalnessMap], ['alphaMap', plan.alphaMap], ['sheenColorMap', plan.sheenMap]] as const) {
    if (m) textures.push({ key, image: m.image, texture: scalarTexture(m) });
  }
  const notes: string[] = [];
  const meshes: Mesh[] = [];
  model.traverse((o) => {
    if ((o as Mesh).isMesh) meshes.push(o as Mesh);
  });
  model.updateMatrixWorld(true);
  for (const [i, mesh] of meshes.entries()) {
    const scale = textures.length ? meshMmPerUv(mesh) : null;
    if (textures.length && !scale) {
      notes.push(`mesh '${mesh.name || `#${i + 1}`}' has no UVs: the material '${material.name}' is on it without its textures (${textures.map((t) => t.key).join(', ')}), constants only`);
    }
    const old = (Array.isArray(mesh.material) ? mesh.material[0] : mesh.material) as Material;
    const dressed = physicalMaterial(plan, material.name, old);
    if (scale) {
      for (const t of textures) {
        const texture = t.texture.clone();
        const wrap = wrapFor(t.image.repeat);
        texture.wrapS = wrap.s === 'mirror' ? MirroredRepeatWrapping : RepeatWrapping;
        texture.wrapT = wrap.t === 'mirror' ? MirroredRepeatWrapping : RepeatWrapping;
        const repeat = physicalRepeat(scale, t.image);
        texture.repeat.set(repeat.x, repeat.y);
        texture.updateMatrix();
        texture.needsUpdate = true;
        (dressed as unknown as Record<string, Texture>)[t.key] = texture;
      }
    }
    mesh.material = dressed;
  }
  return notes;
}

function physicalMaterial(plan: MaterialPlan, name: string, old: Material): MeshPhysicalMaterial {
  const m = new MeshPhysicalMaterial({
    name,
    color: srgb(plan.color),
    roughness: plan.roughness,
    metalness: plan.metalness,
    opacity: plan.opacity,
    transparent: plan.transparent,
    sheen: plan.sheen,
    sheenColor: srgb(plan.sheenColor),
    sheenRoughness: 0.5,
    side: old.side,
    envMapIntensity: 1,
  });
  if (plan.normalMap) m.normalScale = new Vector2(plan.normalMap.scale, plan.normalMap.scale);
  return m;
}
