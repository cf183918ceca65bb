/** what a generated shot was made with (from the library's generation record) */
export interface GenerationParameters {
  prompt: string;
  /** the negative prompt; for FashionR2R the negative domain embedding's token */
  negativePrompt: string;
  steps: number;
  sampler: string;
  cfgScale: number;
  seed: number;
  width: number;
  height: number;
  model: string;
  modelHash?: string;
  denoisingStrength: number;
  /** the R2R DDIM inversion's order ('official' or 'ddim'), written as `Inversion` */
  inversion?: string;
  /** further settings written after the standard ones, e.g. { 'TAC ratio': 0.9 } */
  extra?: Record<string, string | number>;
}

// infotext quoting of stable-diffusion-webui (modules/infotext_utils.py quote())
function quote(v: string | number): string {
  const s = String(v);
  if (!s.includes(',') && !s.includes('\n') && !s.includes(':')) return s;
  return JSON.stringify(s);
}

/**
 * The `parameters` text of AUTOMATIC1111's webui, which ComfyUI, InvokeAI, civitai and
 * image browsers read: prompt line, `Negative prompt:` line, then `Key: value` pairs.
 */
export function formatA1111Parameters(p: GenerationParameters): string {
  const pairs: [string, string | number | undefined][] = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
    ['CFG scale', p.cfgScale],
    ['Seed', p.seed],
    ['Size', `${p.width}x${p.height}`],
    ['Model hash', p.modelHash],
    ['Model', p.model],
    ['Denoising strength', p.denoisingStrength],
    ['Inversion', p.inversion],
    ...Object.entries(p.extra ?? {}),
  ];
  const line = pairs
    .filter((kv): kv is [string, string | number] => kv[1] !== undefined && kv[1] !== '')
    .map(([k, v]) => `${k}: ${quote(v)}`)
    .join(', ');
  const negative = p.negativePrompt ? `\nNegative prompt: ${p.negativePrompt}` : '';
  return `${p.prompt}${negative}\n${line}`;
}
