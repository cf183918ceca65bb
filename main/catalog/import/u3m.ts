import { unzipSync, zipSync } from 'fflate';
import type { U3mColor, U3mColorChannel, U3mImage, U3mMaterial, U3mScalarChannel, U3mSide } from '../../../preload/api/u3m-types';

export type { U3mColor, U3mColorChannel, U3mImage, U3mMaterial, U3mScalarChannel, U3mSide } from '../../../preload/api/u3m-types';

/** Limits past which a U3M material is refused as absurd (docs/3d-renders.md). */
export const U3M_LIMITS = {
  maxJsonBytes: 4 * 1024 * 1024,
  maxArchiveBytes: 256 * 1024 * 1024,
  maxImageSide: 8192,
  /** physical tile width or height, mm: 0.1 mm to 10 m */
  minTileMm: 0.1,
  maxTileMm: 10_000,
} as const;

export class MaterialProblem extends Error {
  override name = 'MaterialProblem';
}

/** reads a file the .u3m names (relative to it), undefined when missing */
export type U3mFileReader = (path: string) => Uint8Array | undefined;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(v: unknown, where: string, fallback?: number): number {
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new MaterialProblem(`${where} is missing`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new MaterialProblem(`${where} must be a number, not ${JSON.stringify(v)}`);
  return v;
}

function imageHeader(bytes: Uint8Array): { format: 'png' | 'jpeg'; width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(4) === 0x0d0a1a0a) {
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    for (let i = 2; i + 9 < bytes.length; ) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1]!;
      const len = view.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: 'jpeg', height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
      }
      i += 2 + len;
    }
  }
  return undefined;
}

class Reader {
  readonly used = new Map<string, Uint8Array>();
  constructor(private readonly read: U3mFileReader) {}

  image(v: unknown, where: string): U3mImage {
    if (!isObject(v)) throw new MaterialProblem(`${where}.image is missing`);
    const path = v.path;
    if (typeof path !== 'string' || !path) throw new MaterialProblem(`${where}.image.path is missing`);
    const bytes = this.read(path.replace(/\\/g, '/').replace(/^\.\//, ''));
    if (!bytes) throw new MaterialProblem(`missing image '${path}' (named by ${where})`);
    const head = imageHeader(bytes);
    if (!head) throw new MaterialProblem(`image '${path}' is not a PNG or JPEG`);
    if (Math.max(head.width, head.height) > U3M_LIMITS.maxImageSide || head.width < 1 || head.height < 1) {
      throw new MaterialProblem(`absurd size: image '${path}' is ${head.width}x${head.height}, outside 1..${U3M_LIMITS.maxImageSide} px on a side`);
    }
    this.used.set(path, bytes);
    const dpi = isObject(v.dpi) ? v.dpi : {};
    const mm = (size: unknown, px: number, d: unknown, axis: string) => {
      const given = num(size, `${where}.image.${axis === 'x' ? 'width' : 'height'}`, 0);
      if (given > 0) return given;
      const perInch = num(d, `${where}.image.dpi.${axis}`, 0);
      if (perInch <= 0) throw new MaterialProblem(`${where}.image has neither a size in mm nor a dpi`);
      return (px / perInch) * 25.4;
    };
    const widthMm = mm(v.width, head.width, dpi.x, 'x');
    const heightMm = mm(v.height, head.height, dpi.y, 'y');
    for (const s of [widthMm, heightMm]) {
      if (s < U3M_LIMITS.minTileMm || s > U3M_LIMITS.maxTileMm) {
        throw new MaterialProblem(`absurd size: image '${path}' is ${widthMm.toFixed(1)} x ${heightMm.toFixed(1)} mm, outside ${U3M_LIMITS.minTileMm}..${U3M_LIMITS.maxTileMm} mm`);
      }
    }
    const mode = isObject(v.repeat) ? v.repeat.mode : undefined;
    const repeat = mode === 'mirror_x' || mode === 'mirror_y' || mode === 'mirror_xy' ? mode : 'normal';
    return { path, format: head.format, pixels: { width: head.width, height: head.height }, widthMm, heightMm, repeat };
  }

  color(v: unknown, where: string, fallback: U3mColor): U3mColor {
    if (v === undefined || v === null) return fallback;
    if (!isObject(v)) throw new MaterialProblem(`${where} must be {r, g, b}`);
    return { r: num(v.r, `${where}.r`), g: num(v.g, `${where}.g`), b: num(v.b, `${where}.b`) };
  }

  colorChannel(v: unknown, where: string): U3mColorChannel {
    const o = isObject(v) ? v : {};
    const constant = this.color(o.constant, `${where}.constant`, { r: 1, g: 1, b: 1 });
    const t = o.texture;
    if (!isObject(t)) return { constant, texture: null };
    return { constant, texture: { factor: this.color(t.factor, `${where}.texture.factor`, { r: 1, g: 1, b: 1 }), mode: typeof t.mode === 'string' ? t.mode : 'multiply', image: this.image(t.image, `${where}.texture`) } };
  }

  scalar(v: unknown, where: string, fallback: number): U3mScalarChannel {
    const o = isObject(v) ? v : {};
    const constant = num(o.constant, `${where}.constant`, fallback);
    const t = o.texture;
    if (!isObject(t)) return { constant, texture: null };
    return { constant, texture: { factor: num(t.factor, `${where}.texture.factor`, 1), offset: num(t.offset, `${where}.texture.offset`, 0), image: this.image(t.image, `${where}.texture`) } };
  }

  side(v: unknown, where: string): U3mSide {
    if (!isObject(v)) throw new MaterialProblem(`${where} must be an object`);
    const n = isObject(v.normal) ? v.normal : {};
    const nt = n.texture;
    return {
      basecolor: this.colorChannel(v.basecolor, `${where}.basecolor`),
      normal: { texture: isObject(nt) ? { scale: num(nt.scale, `${where}.normal.texture.scale`, 1), image: this.image(nt.image, `${where}.normal.texture`) } : null },
      roughness: this.scalar(v.roughness, `${where}.roughness`, 0.7),
      metalness: this.scalar(v.metalness, `${where}.metalness`, 0),
      alpha: this.scalar(v.alpha, `${where}.alpha`, 1),
      sheenValue: this.scalar(v.sheen_value, `${where}.sheen_value`, 0),
      sheenTint: this.scalar(v.sheen_tint, `${where}.sheen_tint`, 0),
    };
  }
}

/**
 * Reads a U3M 1.1 material (.u3m JSON whose images come through `read`): front side (else
 * back, else side, as the schema says), back side when given, every image it names present,
 * PNG or JPEG, with its physical size in mm. Throws MaterialProblem otherwise.
 */
export function parseU3m(bytes: Uint8Array, read: U3mFileReader): { material: U3mMaterial; images: Map<string, Uint8Array> } {
  if (bytes.length === 0) throw new MaterialProblem('empty file');
  if (bytes.length > U3M_LIMITS.maxJsonBytes) throw new MaterialProblem(`absurd size: ${bytes.length} bytes of JSON, more than ${U3M_LIMITS.maxJsonBytes}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, ''));
  } catch {
    throw new MaterialProblem('not a U3M material: the file is not JSON');
  }
  if (!isObject(json)) throw new MaterialProblem('not a U3M material: the JSON is not an object');
  if (json.schema !== '1.1') throw new MaterialProblem(`U3M schema ${JSON.stringify(json.schema ?? null)} is not supported: export U3M 1.1`);
  const m = json.material;
  if (!isObject(m)) throw new MaterialProblem('not a U3M material: no material object');
  const reader = new Reader(read);
  const firstSide = [['front', m.front], ['back', m.back], ['side', m.side]].find(([, v]) => isObject(v));
  if (!firstSide) throw new MaterialProblem('the material has no front, back or side to render');
  const front = reader.side(firstSide[1], `material.${firstSide[0] as string}`);
  const back = isObject(m.back) ? reader.side(m.back, 'material.back') : null;
  return {
    material: { schema: '1.1', id: typeof m.id === 'string' ? m.id : '', name: typeof m.name === 'string' && m.name ? m.name : 'unnamed material', front, back },
    images: reader.used,
  };
}

/** reads a .u3ma (a zip holding one .u3m and its images) */
export function parseU3ma(bytes: Uint8Array): ReturnType<typeof parseU3m> {
  if (bytes.length > U3M_LIMITS.maxArchiveBytes) throw new MaterialProblem(`absurd size: ${(bytes.length / 2 ** 20).toFixed(0)} MiB, more than ${U3M_LIMITS.maxArchiveBytes / 2 ** 20} MiB`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    throw new MaterialProblem('not a .u3ma: the file is not a zip archive');
  }
  const names = Object.keys(files).filter((n) => n.toLowerCase().endsWith('.u3m'));
  if (names.length !== 1) throw new MaterialProblem(`a .u3ma holds one .u3m, this one holds ${names.length}`);
  const dir = names[0]!.includes('/') ? names[0]!.slice(0, names[0]!.lastIndexOf('/') + 1) : '';
  return parseU3m(files[names[0]!]!, (p) => files[dir + p] ?? files[p]);
}

/**
 * Validates a .u3m (images through `read`) or a .u3ma and packs it as one self-contained
 * .u3ma: `material.u3m` as given plus exactly the images it names, with fixed timestamps, so
 * the same material packs to the same bytes (and the same content hash).
 */
export function packU3ma(bytes: Uint8Array, read?: U3mFileReader): { u3ma: Uint8Array; material: U3mMaterial } {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  let json = bytes;
  let parsed: ReturnType<typeof parseU3m>;
  if (isZip) {
    parsed = parseU3ma(bytes);
    const files = unzipSync(bytes, { filter: (f) => f.name.toLowerCase().endsWith('.u3m') });
    json = Object.values(files)[0]!;
  } else {
    parsed = parseU3m(bytes, read ?? (() => undefined));
  }
  const mtime = new Date(Date.UTC(2000, 0, 1));
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = { 'material.u3m': [json, { mtime }] };
  for (const [path, data] of [...parsed.images].sort(([a], [b]) => (a < b ? -1 : 1))) entries[path.replace(/\\/g, '/').replace(/^\.\//, '')] = [data, { mtime }];
  return { u3ma: zipSync(entries), material: parsed.material };
}
