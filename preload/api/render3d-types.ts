/** The 3D renderer page's protocol (renderer/render3d/page.ts), shared by its drivers: `r2r render` and the studio. */

import type { U3mSide } from './u3m-types';

export const RENDER3D_VIEWS = ['front', 'back', 'side', 'detail'] as const;
export type Render3dView = (typeof RENDER3D_VIEWS)[number];

export const RENDER3D_KINDS = ['raster', 'raytrace'] as const;
export type Render3dKind = (typeof RENDER3D_KINDS)[number];

export type Render3dBackground = 'transparent' | 'white';

export interface Render3dRequest {
  /** where the page fetches the .glb */
  modelUrl: string;
  views: Render3dView[];
  kinds: Render3dKind[];
  /** path-traced samples per pixel */
  samples: number;
  width: number;
  height: number;
  background: Render3dBackground;
  /** the KHR_materials_variants variant to dress the model in (none: its default materials) */
  variant?: string | null;
  /** also return each path-traced view as it stood at these sample counts (below `samples`) */
  snapshotSamples?: number[];
  /** a U3M material the garment wears instead of the model's own (its front side) */
  material?: Render3dMaterial | null;
}

/** a U3M material handed to the renderer page: the side to wear and where its images are */
export interface Render3dMaterial {
  name: string;
  side: U3mSide;
  /** the URL the page fetches each image from, by the path the material names it with */
  imageUrls: Record<string, string>;
}

export interface Render3dImage {
  view: Render3dView;
  kind: Render3dKind;
  /** PNG bytes, base64 */
  png: string;
  ms: number;
  /** path-traced samples per pixel in this image (null for raster) */
  samples: number | null;
  /** what the renderer could not do as asked, e.g. a mesh without UVs that a material's textures cannot map onto */
  notes?: string[];
}

export interface Render3dProgress {
  view: Render3dView;
  kind: Render3dKind;
  /** samples done of `total` for raytrace; 0 then 1 for raster */
  done: number;
  total: number;
}

/** what the page puts on `window` for its drivers */
export interface Render3dPageApi {
  render(req: Render3dRequest): Promise<Render3dImage[]>;
  cancel(): void;
}

/** a colorway's 3D model in the library */
export interface GarmentModelRecord {
  colorwayId: number;
  /** sha-256 of the stored .glb */
  hash: string;
  bytes: number;
  /** the KHR_materials_variants variant the colorway wears (null: the default materials) */
  variant: string | null;
  triangles: number;
}

/** a colorway's U3M material in the library */
export interface GarmentMaterialRecord {
  colorwayId: number;
  /** sha-256 of the stored .u3ma */
  hash: string;
  bytes: number;
  name: string;
}

/** a colorway's material as the 3D renderer takes it: the front side and its images (base64) by path */
export interface GarmentMaterialData {
  name: string;
  side: U3mSide;
  images: Record<string, string>;
}

/** one 3D render handed to the library: PNG bytes as base64 */
export interface Render3dUpload {
  view: Render3dView;
  kind: Render3dKind;
  png: string;
}
