import { Box3, Mesh, MeshStandardMaterial, PlaneGeometry, Scene, ShadowMaterial, Vector3 } from 'three';
import type { Material, Object3D } from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import type { GLTF } from 'three/examples/jsm/loaders/GLTFLoader.js';

export interface GarmentScene {
  scene: Scene;
  /** the model as loaded */
  model: Object3D;
  /** world box of the model's meshes */
  box: Box3;
  /** the shadow-catching floor under the model (rasterised views only) */
  floor: Mesh;
  /** KHR_materials_variants names the model offers */
  variants: string[];
}

interface VariantMapping {
  material: number;
  variants: number[];
}

function variantNames(gltf: GLTF): string[] {
  const ext = (gltf.parser.json as { extensions?: { KHR_materials_variants?: { variants?: { name?: string }[] } } }).extensions?.KHR_materials_variants;
  return (ext?.variants ?? []).map((v, i) => v.name || `variant ${i + 1}`);
}

/** dresses every primitive mapped to `variant` in that variant's material */
async function applyVariant(gltf: GLTF, variant: string, names: string[]): Promise<void> {
  const index = names.findIndex((n) => n.toLowerCase() === variant.toLowerCase());
  if (index < 0) throw new Error(`the model has no material variant '${variant}' (it has: ${names.join(', ') || 'none'})`);
  const meshes: Mesh[] = [];
  gltf.scene.traverse((o) => {
    if ((o as Mesh).isMesh) meshes.push(o as Mesh);
  });
  for (const mesh of meshes) {
    const mappings = (mesh.userData.gltfExtensions as { KHR_materials_variants?: { mappings?: VariantMapping[] } } | undefined)?.KHR_materials_variants?.mappings ?? [];
    const hit = mappings.find((m) => m.variants.includes(index));
    if (hit) mesh.material = (await gltf.parser.getDependency('material', hit.material)) as Material;
  }
}

/** the model's meshes cast and receive shadows; materials left as glTF gave them */
function prepareMeshes(model: Object3D): void {
  model.traverse((o) => {
    const mesh = o as Mesh;
    if (!mesh.isMesh) return;
    mesh.castShadow = true;
    mesh.receiveShadow = true;
    const mats = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
    for (const m of mats) if (m instanceof MeshStandardMaterial) m.envMapIntensity = 1;
  });
}

/** loads a .glb (as bytes) into a scene with a shadow floor at its lowest point */
export async function loadGarmentScene(glb: ArrayBuffer, opts: { variant?: string | null } = {}): Promise<GarmentScene> {
  const gltf = await new GLTFLoader().parseAsync(glb, '');
  const variants = variantNames(gltf);
  if (opts.variant) await applyVariant(gltf, opts.variant, variants);
  const model = gltf.scene;
  prepareMeshes(model);
  const scene = new Scene();
  scene.add(model);
  model.updateMatrixWorld(true);
  const box = new Box3().setFromObject(model, true);
  if (box.isEmpty()) throw new Error('the model has no visible geometry');
  const size = box.getSize(new Vector3());
  const floor = new Mesh(new PlaneGeometry(1, 1), new ShadowMaterial({ opacity: 0.28 }));
  floor.name = 'shadow-floor';
  floor.rotation.x = -Math.PI / 2;
  floor.scale.setScalar(Math.max(size.x, size.z, size.y) * 6);
  floor.position.set(box.getCenter(new Vector3()).x, box.min.y - size.y * 0.002, box.getCenter(new Vector3()).z);
  floor.receiveShadow = true;
  scene.add(floor);
  return { scene, model, box, floor, variants };
}
