/** A U3M 1.1 material as main/catalog/import/u3m.ts reads it, shared with the 3D renderer page. */

export interface U3mImage {
  /** path inside the material, as the .u3m names it */
  path: string;
  format: 'png' | 'jpeg';
  pixels: { width: number; height: number };
  /** physical size of one tile, mm (the image's width/height, else its pixels over its dpi) */
  widthMm: number;
  heightMm: number;
  repeat: 'normal' | 'mirror_x' | 'mirror_y' | 'mirror_xy';
}

export interface U3mColor {
  r: number;
  g: number;
  b: number;
}

export interface U3mColorChannel {
  constant: U3mColor;
  texture: { factor: U3mColor; mode: string; image: U3mImage } | null;
}

export interface U3mScalarChannel {
  constant: number;
  /** value = factor * image + offset */
  texture: { factor: number; offset: number; image: U3mImage } | null;
}

export interface U3mSide {
  basecolor: U3mColorChannel;
  normal: { texture: { scale: number; image: U3mImage } | null };
  roughness: U3mScalarChannel;
  metalness: U3mScalarChannel;
  alpha: U3mScalarChannel;
  sheenValue: U3mScalarChannel;
  sheenTint: U3mScalarChannel;
}

export interface U3mMaterial {
  schema: '1.1';
  id: string;
  name: string;
  front: U3mSide;
  back: U3mSide | null;
}
