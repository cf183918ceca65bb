import { getOutfitBoxes, outfitGarments, type Library, type OutfitGarment } from '../catalog/index';
import { layoutGarments, type GarmentRole } from '../shots/outfit-layout';
import { DRESS_ROLES, type DressRole, type OutfitBox, type OutfitLayoutBox, type OutfitLayoutRecord } from '../../preload/api/outfit-types';

export interface OutfitInputs extends OutfitLayoutRecord {
  /** the dressed garments in layer order, with their images (same order as `boxes`) */
  garments: OutfitGarment[];
}

const WHOLE_CANVAS: OutfitBox = { x: 0, y: 0, w: 1, h: 1 };

const isDressRole = (role: string): role is DressRole => (DRESS_ROLES as readonly string[]).includes(role);

/**
 * Each garment's place in the outfit: the auto layout's box for its role (asked one garment
 * at a time, so two garments of one role each get the role's place and a top under an outer
 * garment narrows as the layout says), or the box the artist saved. Accessories and garments
 * without a render are listed as skipped.
 */
export function outfitInputs(lib: Library, comboId: number, view = 'front'): OutfitInputs {
  const picked = outfitGarments(lib, comboId, view);
  const skipped = [...picked.skipped];
  const garments = picked.garments.filter((g) => {
    if (isDressRole(g.role)) return true;
    skipped.push({ garmentId: g.garmentId, sku: g.sku, reason: `a ${g.role} is not dressed (roles: ${DRESS_ROLES.join(', ')})` });
    return false;
  });
  const edited = getOutfitBoxes(lib, comboId);
  const roles = garments.map((g) => g.role as GarmentRole);
  const boxes = garments.map((g, i): OutfitLayoutBox => {
    // the others hold a placeholder region: only garment i is placed by role
    const auto = layoutGarments(roles.map((role, j) => (j === i ? { role } : { role, region: WHOLE_CANVAS })))[i]!.box;
    const own = edited.get(g.garmentId);
    return { garmentId: g.garmentId, sku: g.sku, role: g.role as DressRole, box: own ?? auto, auto, edited: own !== undefined, renderId: g.renderId, asset: g.asset };
  });
  return { comboId, boxes, skipped, garments };
}

