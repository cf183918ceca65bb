import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { formatA1111Parameters, type GenerationParameters } from '../../../main/export/metadata/a1111-parameters';
import { buildXmpPacket, DIGITAL_SOURCE_TYPE } from '../../../main/export/metadata/xmp';
import { jpegIccProfile, jpegSize, jpegXmp, readJpegSegments } from '../../../main/export/metadata/jpeg-markers';

// port of stable-diffusion-webui's infotext parser (modules/infotext_utils.py, parse_generation_parameters)
const RE_PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
function parseInfotext(text: string) {
  const lines = text.trim().split('\n');
  const last = lines.pop()!;
  let prompt = '';
  let negative = '';
  let inNegative = false;
  for (const line of lines) {
    if (line.startsWith('Negative prompt:')) {
      inNegative = true;
      negative = line.slice(16).trim();
    } else if (inNegative) negative += '\n' + line;
    else prompt += (prompt ? '\n' : '') + line;
  }
  const params: Record<string, string> = {};
  for (const m of last.matchAll(RE_PARAM)) {
    const v = m[2]!.trim();
    params[m[1]!.trim()] = v.startsWith('"') ? JSON.parse(v) : v;
  }
  return { prompt, negative, params };
}

const gen: GenerationParameters = {
  prompt: 'a photo of a woman wearing a knit sweater, studio light',
  negativePrompt: '<r2r-rendered>',
  steps: 50,
  sampler: 'DDIM',
  cfgScale: 7.5,
  seed: 1,
  width: 768,
  height: 1024,
  model: 'fashion-sd15',
  denoisingStrength: 0.3,
  extra: { 'TAC ratio': 0.9, 'Edit mask': 'garment: yes' },
};

describe('A1111 parameters text', () => {
  it('writes the R2R inversion order after the strength, where webui readers keep unknown keys', () => {
    const text = formatA1111Parameters({ ...gen, inversion: 'official' });
    expect(text.split('\n').pop()).toContain('Denoising strength: 0.3, Inversion: official, TAC ratio: 0.9');
    expect(parseInfotext(formatA1111Parameters({ ...gen, inversion: 'ddim' })).params.Inversion).toBe('ddim');
  });

  it('writes the exact webui layout', () => {
    expect(formatA1111Parameters(gen)).toBe(
      'a photo of a woman wearing a knit sweater, studio light\n' +
        'Negative prompt: <r2r-rendered>\n' +
        'Steps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 1, Size: 768x1024, Model: fashion-sd15, Denoising strength: 0.3, TAC ratio: 0.9, Edit mask: "garment: yes"',
    );
  });

  it('round-trips through the webui parser, quoting values with commas or colons', () => {
    const parsed = parseInfotext(formatA1111Parameters({ ...gen, model: 'my, model' }));
    expect(parsed.prompt).toBe(gen.prompt);
    expect(parsed.negative).toBe('<r2r-rendered>');
    expect(parsed.params).toMatchObject({ Steps: '50', Sampler: 'DDIM', 'CFG scale': '7.5', Seed: '1', Size: '768x1024', Model: 'my, model', 'Denoising strength': '0.3', 'Edit mask': 'garment: yes' });
  });

  it('keeps an empty prompt (FashionR2R default) on its own line', () => {
    const text = formatA1111Parameters({ ...gen, prompt: '' });
    expect(text.split('\n')[0]).toBe('');
    expect(parseInfotext(text).params.Steps).toBe('50');
  });
});

describe('XMP packet', () => {
  const packet = buildXmpPacket({
    digitalSourceType: DIGITAL_SOURCE_TYPE.trainedAlgorithmicMedia,
    sourceSha256: 'ab'.repeat(32),
    creatorTool: 'R2R Studio 0.1.0',
    title: 'SKU <1> & "2"',
    parameters: 'line one\nSteps: 50',
  });

  it('is a well-formed xpacket with the IPTC digital source type and the source hash', () => {
    expect(packet.startsWith('<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>')).toBe(true);
    expect(packet.endsWith('<?xpacket end="w"?>')).toBe(true);
    expect(packet).toContain('xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"');
    expect(packet).toContain('Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"');
    expect(packet).toContain(`r2r:SourceSha256="${'ab'.repeat(32)}"`);
    expect(packet).toContain('SKU &lt;1&gt; &amp; &quot;2&quot;');
    expect(packet).toContain('r2r:Parameters="line one&#10;Steps: 50"');
  });

  it('is what sharp reads back from a JPEG, in an APP1 segment found by our marker walk', async () => {
    const jpg = await sharp({ create: { width: 33, height: 17, channels: 3, background: '#fff' } }).withIccProfile('srgb').withXmp(packet).jpeg().toBuffer();
    expect(jpegXmp(jpg)).toBe(packet);
    expect((await sharp(jpg).metadata()).xmp?.toString('utf8')).toBe(packet);
    expect(jpegSize(jpg)).toEqual({ width: 33, height: 17 });
    const icc = jpegIccProfile(jpg)!;
    expect(icc.toString('latin1', 36, 40)).toBe('acsp'); // ICC header signature
    expect(icc.toString('latin1', 16, 20)).toBe('RGB ');
    expect(readJpegSegments(jpg).at(-1)!.marker).toBe(0xda);
  });

  it('the marker walk rejects a truncated JPEG', async () => {
    const jpg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).jpeg().toBuffer();
    expect(() => readJpegSegments(jpg.subarray(0, jpg.length - 10))).toThrow(/EOI/);
  });
});
