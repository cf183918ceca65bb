import { labelOfPixel, LABEL_COLOURS, REGION_ROLES, type RegionRole } from '../../../preload/api/region-types';

/**
 * Paints the given roles of a label mask (RGBA pixels) in their label colours, the rest
 * transparent; a pixel's role is its nearest label colour within LABEL_TOLERANCE, as the
 * engine reads it. Returns how many pixels were painted.
 */
export function paintRoles(labels: Uint8ClampedArray, out: Uint8ClampedArray, roles: readonly RegionRole[], alpha: number): number {
  const shown = REGION_ROLES.map((r) => roles.includes(r));
  let painted = 0;
  for (let p = 0; p < labels.length / 4; p++) {
    const best = labelOfPixel(labels[4 * p]!, labels[4 * p + 1]!, labels[4 * p + 2]!);
    if (best < 0 || !shown[best]) continue;
    const c = LABEL_COLOURS[REGION_ROLES[best]!];
    out.set([c[0], c[1], c[2], alpha], 4 * p);
    painted++;
  }
  return painted;
}
