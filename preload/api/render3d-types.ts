/** The 3D renderer page's protocol (renderer/render3d/page.ts), shared by its drivers: `r2r render` and the studio. */

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
}

export interface Render3dImage {
  view: Render3dView;
  kind: Render3dKind;
  /** PNG bytes, base64 */
  png: string;
  ms: number;
  /** path-traced samples per pixel in this image (null for raster) */
  samples: number | null;
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

/** one 3D render handed to the library: PNG bytes as base64 */
export interface Render3dUpload {
  view: Render3dView;
  kind: Render3dKind;
  png: string;
}
