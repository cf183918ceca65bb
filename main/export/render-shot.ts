import sharp from 'sharp';
import type { Preset, ImageFormat } from './presets';
import { paintBackground, placeProduct, productBox, type Box, type Placement } from './product-box';
import { formatA1111Parameters, type GenerationParameters } from './metadata/a1111-parameters';
import { buildXmpPacket, DIGITAL_SOURCE_TYPE } from './metadata/xmp';
import { iccpChunk, insertPngChunks, itxtChunk, textChunk, type PngChunk } from './metadata/png-chunks';
import { iccSegments, insertJpegSegments, xmpSegment } from './metadata/jpeg-markers';
import { srgbIccProfile } from './metadata/srgb-profile';

export interface ShotMetadata {
  sku: string;
  colorway: string;
  view: string;
  /** raster | raytrace | realistic */
  kind: string;
  /** hex SHA-256 of the source file's bytes */
  sourceSha256: string;
  /** present for generated shots: what made them (and the AI disclosure goes with it) */
  generation?: GenerationParameters;
  creatorTool: string;
}

export interface RenderedShot {
  data: Buffer;
  width: number;
  height: number;
  /** product box in the source, before scaling */
  productBox: Box;
  placement: Placement;
}

/** PNG text keys written by the exporter; re-export replaces them */
export const PNG_KEYS = { parameters: 'parameters', json: 'r2r', xmp: 'XML:com.adobe.xmp' } as const;

/** the full JSON metadata stored beside the A1111 line */
export function shotJson(meta: ShotMetadata, preset: Preset, placement: Placement): Record<string, unknown> {
  return {
    schema: 'r2r-export/1',
    sku: meta.sku,
    colorway: meta.colorway,
    view: meta.view,
    kind: meta.kind,
    source: { sha256: meta.sourceSha256 },
    preset: preset.name,
    productFill: Number(placement.fill.toFixed(4)),
    generation: meta.generation ?? null,
    creatorTool: meta.creatorTool,
  };
}

export function shotXmp(meta: ShotMetadata): string {
  return buildXmpPacket({
    digitalSourceType: meta.generation ? DIGITAL_SOURCE_TYPE.trainedAlgorithmicMedia : DIGITAL_SOURCE_TYPE.digitalCreation,
    sourceSha256: meta.sourceSha256,
    creatorTool: meta.creatorTool,
    title: `${meta.sku} ${meta.colorway} ${meta.view}`,
    sku: meta.sku,
    colorway: meta.colorway,
    view: meta.view,
    parameters: meta.generation ? formatA1111Parameters(meta.generation) : undefined,
  });
}

function pngTextChunks(meta: ShotMetadata, json: Record<string, unknown>, xmp: string): PngChunk[] {
  const chunks: PngChunk[] = [];
  if (meta.generation) {
    const params = formatA1111Parameters(meta.generation);
    // webui writes tEXt; a prompt outside latin-1 needs iTXt, which the same readers accept
    chunks.push(/[^\x00-\xff]/.test(params) ? itxtChunk(PNG_KEYS.parameters, params) : textChunk(PNG_KEYS.parameters, params));
  }
  chunks.push(itxtChunk(PNG_KEYS.json, JSON.stringify(json)));
  chunks.push(itxtChunk(PNG_KEYS.xmp, xmp));
  return chunks;
}

/**
 * Source bytes to a marketplace shot: decode (sRGB), find the product on the render's
 * uniform background, paint that background with the preset's colour, scale the product to
 * the preset's fill, centre it on the canvas, encode with the sRGB ICC profile and metadata.
 */
export async function renderShot(source: Buffer, preset: Preset, format: ImageFormat, meta: ShotMetadata): Promise<RenderedShot> {
  const decoded = await sharp(source, { failOn: 'error' })
    .autoOrient()
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const img = { data: decoded.data, width: decoded.info.width, height: decoded.info.height };
  const box = productBox(img);
  if (!box) throw new Error('the render is empty: nothing differs from its background');
  const bg = preset.background;
  paintBackground(img, bg, { within: box });
  const frame = preset.canvas;
  const place = placeProduct(box, frame, preset.fill);

  const pipeline = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } })
    .extract(box)
    .flatten({ background: bg })
    .resize(place.width, place.height, { fit: 'fill', kernel: 'lanczos3' })
    .extend({
      top: place.top,
      left: place.left,
      bottom: frame.height - place.height - place.top,
      right: frame.width - place.width - place.left,
      background: bg,
    });
  const xmp = shotXmp(meta);
  const icc = await srgbIccProfile();
  let data: Buffer;
  // the pixels are sRGB already (decoding converted them): attach the profile, no transform
  if (format === 'jpeg') {
    const jpeg = await pipeline.jpeg({ quality: preset.quality, chromaSubsampling: '4:4:4' }).toBuffer();
    data = insertJpegSegments(jpeg, [...iccSegments(icc), xmpSegment(xmp)]);
  } else if (format === 'webp') {
    data = await pipeline.withIccProfile('srgb').withXmp(xmp).webp({ quality: preset.quality }).toBuffer();
  } else {
    // sharp would store PNG XMP in zTXt; the XMP spec asks for an uncompressed iTXt, so we write our own
    const png = await pipeline.png({ compressionLevel: 6 }).toBuffer();
    const chunks = [iccpChunk('sRGB', icc), ...pngTextChunks(meta, shotJson(meta, preset, place), xmp)];
    data = insertPngChunks(png, chunks, Object.values(PNG_KEYS));
  }
  return { data, width: frame.width, height: frame.height, productBox: box, placement: place };
}
