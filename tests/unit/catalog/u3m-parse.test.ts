import { zipSync } from 'fflate';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaterialProblem, packU3ma, parseU3m, parseU3ma } from '../../../main/catalog/import/u3m';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function u3m(imagePath = 'textures/color.png', extra: Record<string, unknown> = {}) {
  return {
    schema: '1.1',
    material: {
      id: 'a5c1', name: 'Twill',
      front: {
        basecolor: { constant: { r: 0, g: 1, b: 0 }, texture: { factor: { r: 1, g: 1, b: 1 }, mode: 'multiply', image: { path: imagePath, dpi: { x: 254, y: 254 }, width: 40, height: 20, repeat: { mode: 'mirror_x', rotation: 0 } } } },
        roughness: { constant: 0.8, texture: null },
        metalness: { constant: 0 },
        alpha: { constant: 1 },
        sheen_value: { constant: 0.4 },
        ...extra,
      },
      back: { basecolor: { constant: { r: 1, g: 0, b: 0 } } },
    },
  };
}

describe('U3M materials', () => {
  let png: Uint8Array;
  beforeAll(async () => {
    png = new Uint8Array(await sharp({ create: { width: 64, height: 32, channels: 3, background: '#336699' } }).png().toBuffer());
  });

  it('reads a .u3m: front and back, the image found, its physical size in mm', () => {
    const { material, images } = parseU3m(enc(u3m()), (p) => (p === 'textures/color.png' ? png : undefined));
    expect(material.name).toBe('Twill');
    expect(material.front.basecolor.constant).toEqual({ r: 0, g: 1, b: 0 });
    expect(material.front.basecolor.texture!.image).toEqual({ path: 'textures/color.png', format: 'png', pixels: { width: 64, height: 32 }, widthMm: 40, heightMm: 20, repeat: 'mirror_x' });
    expect(material.front.roughness).toEqual({ constant: 0.8, texture: null });
    expect(material.front.sheenValue.constant).toBe(0.4);
    expect(material.back!.basecolor.constant).toEqual({ r: 1, g: 0, b: 0 });
    expect([...images.keys()]).toEqual(['textures/color.png']);
  });

  it('takes the size from pixels over dpi when the image gives no mm', () => {
    const doc = u3m();
    const img = (doc.material.front.basecolor.texture as { image: Record<string, unknown> }).image;
    img.width = 0;
    img.height = 0;
    const { material } = parseU3m(enc(doc), () => png);
    // 64 px at 254 dpi = 6.4 mm; 32 px = 3.2 mm
    expect(material.front.basecolor.texture!.image.widthMm).toBeCloseTo(6.4, 9);
    expect(material.front.basecolor.texture!.image.heightMm).toBeCloseTo(3.2, 9);
  });

  it('reads a zipped .u3ma with its images', () => {
    const zip = zipSync({ 'twill/twill.u3m': enc(u3m()), 'twill/textures/color.png': png });
    const { material, images } = parseU3ma(zip);
    expect(material.front.basecolor.texture!.image.pixels).toEqual({ width: 64, height: 32 });
    expect(images.get('textures/color.png')).toEqual(png);
  });

  it('names what is wrong', () => {
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(MaterialProblem);
        return (e as Error).message;
      }
      throw new Error('no problem reported');
    };
    expect(problem(() => parseU3m(new TextEncoder().encode('{nope'), () => png))).toBe('not a U3M material: the file is not JSON');
    expect(problem(() => parseU3m(enc({ ...u3m(), schema: '2.0' }), () => png))).toBe('U3M schema "2.0" is not supported: export U3M 1.1');
    expect(problem(() => parseU3m(enc(u3m()), () => undefined))).toBe("missing image 'textures/color.png' (named by material.front.basecolor.texture)");
    expect(problem(() => parseU3m(enc(u3m()), () => new TextEncoder().encode('GIF89a not an image at all')))).toBe("image 'textures/color.png' is not a PNG or JPEG");
    const huge = u3m();
    (huge.material.front.basecolor.texture as { image: Record<string, unknown> }).image.width = 50_000;
    expect(problem(() => parseU3m(enc(huge), () => png))).toMatch(/^absurd size: image 'textures\/color.png' is 50000.0 x 20.0 mm/);
    expect(problem(() => parseU3ma(new TextEncoder().encode('not a zip')))).toBe('not a .u3ma: the file is not a zip archive');
    expect(problem(() => parseU3ma(zipSync({ 'a.png': png })))).toBe('a .u3ma holds one .u3m, this one holds 0');
  });

  it('reads a JPEG image too', async () => {
    const jpeg = new Uint8Array(await sharp({ create: { width: 40, height: 30, channels: 3, background: '#888888' } }).jpeg().toBuffer());
    const { material } = parseU3m(enc(u3m('c.jpg')), () => jpeg);
    expect(material.front.basecolor.texture!.image).toMatchObject({ format: 'jpeg', pixels: { width: 40, height: 30 } });
  });

  it('packs a .u3m and its images into one .u3ma, the same bytes each time, that reads back the same', () => {
    const read = (p: string) => (p === 'textures/color.png' ? png : undefined);
    const a = packU3ma(enc(u3m()), read);
    const b = packU3ma(enc(u3m()), read);
    expect(a.u3ma).toEqual(b.u3ma);
    expect(parseU3ma(a.u3ma).material).toEqual(a.material);
    expect(packU3ma(a.u3ma).u3ma).toEqual(a.u3ma);
  });
});
