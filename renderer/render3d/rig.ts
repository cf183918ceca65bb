import { Box3, PerspectiveCamera, Vector3 } from 'three';
import { RENDER3D_VIEWS } from '../../preload/api/render3d-types';
import type { Render3dView } from '../../preload/api/render3d-types';

/** the views the rig knows, in render order */
export const RIG_VIEWS = RENDER3D_VIEWS;
export type RigView = Render3dView;

/**
 * The one camera rig (docs/3d-renders.md): a 50 mm lens on a 36 mm film gauge (the frame's
 * longer side), the camera level at the framed region's centre height (no tilt, so front
 * and back are exact mirror images of a symmetric garment), placed along the view's axis at
 * the distance that fits the region with FRAME_MARGIN to spare. glTF's forward is +Z: front
 * looks from +Z, back from -Z, side from +X (the garment's left). Detail frames the upper
 * chest: the band from 55% to 85% of the height, the middle 50% of the width, from the front.
 */
export const RIG = {
  focalLengthMm: 50,
  filmGaugeMm: 36,
  /** the framed region fills 1 / FRAME_MARGIN of the frame's height or width */
  frameMargin: 1.12,
  detail: { fromHeight: 0.55, toHeight: 0.85, widthShare: 0.5 },
} as const;

const AXIS: Record<RigView, Vector3> = {
  front: new Vector3(0, 0, 1),
  back: new Vector3(0, 0, -1),
  side: new Vector3(1, 0, 0),
  detail: new Vector3(0, 0, 1),
};

export function isRigView(v: string): v is RigView {
  return (RIG_VIEWS as readonly string[]).includes(v);
}

/** the part of the model a view frames: the whole box, or the detail band */
function framedRegion(view: RigView, box: Box3): Box3 {
  if (view !== 'detail') return box.clone();
  const size = box.getSize(new Vector3());
  const centre = box.getCenter(new Vector3());
  const d = RIG.detail;
  const halfWidth = (size.x * d.widthShare) / 2;
  return new Box3(
    new Vector3(centre.x - halfWidth, box.min.y + size.y * d.fromHeight, box.min.z),
    new Vector3(centre.x + halfWidth, box.min.y + size.y * d.toHeight, box.max.z),
  );
}

/** a camera for `view` of a model whose world box is `box`, for a frame of aspect width / height */
export function rigCamera(view: RigView, box: Box3, aspect: number): PerspectiveCamera {
  const region = framedRegion(view, box);
  const size = region.getSize(new Vector3());
  const centre = region.getCenter(new Vector3());
  const axis = AXIS[view];
  // across the frame: the region's extent perpendicular to the view axis
  const across = Math.abs(axis.x) > 0 ? size.z : size.x;
  const depth = Math.abs(axis.x) > 0 ? size.x : size.z;
  const camera = new PerspectiveCamera(40, aspect, 0.01, 1000);
  camera.filmGauge = RIG.filmGaugeMm;
  camera.setFocalLength(RIG.focalLengthMm);
  const halfV = (camera.fov * Math.PI) / 360;
  const halfH = Math.atan(Math.tan(halfV) * aspect);
  const fit = Math.max((size.y * RIG.frameMargin) / 2 / Math.tan(halfV), (across * RIG.frameMargin) / 2 / Math.tan(halfH));
  // measured from the region's near face, so a deep garment is not cut by the frame
  const distance = fit + depth / 2;
  camera.position.copy(centre).addScaledVector(axis, distance);
  camera.near = Math.max(0.001, distance / 100);
  camera.far = distance * 10 + depth * 2;
  camera.lookAt(centre);
  camera.updateProjectionMatrix();
  camera.updateMatrixWorld();
  return camera;
}
