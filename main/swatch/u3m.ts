import { randomUUID } from 'node:crypto';

export interface U3mSpec {
  name: string;
  /** the basecolor texture, relative to the .u3m file */
  texturePath: string;
  widthPx: number;
  heightPx: number;
  /** pixels per inch of the texture on the cloth */
  dpi: number;
}

/** physical size of `px` pixels at `dpi`, in centimetres (U3M's image width and height) */
export const physicalCm = (px: number, dpi: number): number => Math.round(((px / dpi) * 2.54) * 10000) / 10000;

/**
 * A minimal U3M 1.0 material (Vizoo's open format, `schema` "1.0"): only the front's
 * basecolor, a texture that repeats normally, with its dpi and physical size, so a 3D
 * tool lays it on at the right scale.
 */
export function minimalU3m(spec: U3mSpec): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    schema: '1.0',
    custom: { 'R2R Studio': { source: 'r2r swatch' } },
    material: {
      id: `{${randomUUID()}}`,
      name: spec.name,
      created: now,
      modified: now,
      description: '',
      back: null,
      front: {
        shader: 'principled',
        basecolor: {
          constant: { r: 0, g: 0, b: 0 },
          texture: {
            mode: 'add',
            factor: { r: 1, g: 1, b: 1 },
            image: {
              path: spec.texturePath,
              dpi: spec.dpi,
              width: physicalCm(spec.widthPx, spec.dpi),
              height: physicalCm(spec.heightPx, spec.dpi),
              repeat: { mode: 'normal', rotation: 0 },
            },
          },
        },
      },
    },
  };
}
