import { resolveConfig, type DdimConfig } from './scheduler-config';

export interface SdPipelineConfig {
  config: DdimConfig;
  /** one line per setting that was changed, for the run report */
  adjustments: string[];
}

/**
 * The scheduler configuration as diffusers' Stable Diffusion pipelines run it: their
 * constructors (StableDiffusionPipeline, StableDiffusionImg2ImgPipeline, which FashionR2R's
 * FashionR2RPipeline subclasses in utils/diffuser_utils.py) rewrite `steps_offset` to 1 and
 * `clip_sample` to false whatever the config says, so SD 1.x runs t = 981, 961, ..., 1 and
 * never clips x0. Everything else (set_alpha_to_one, timestep_spacing, betas) is the config's.
 */
export function stableDiffusionPipelineConfig(config: Partial<DdimConfig>): SdPipelineConfig {
  const given = resolveConfig(config);
  const adjustments: string[] = [];
  if (given.stepsOffset !== 1) adjustments.push(`scheduler steps_offset ${given.stepsOffset} -> 1 (as diffusers' Stable Diffusion pipelines force it)`);
  if (given.clipSample) adjustments.push('scheduler clip_sample true -> false (as diffusers\' Stable Diffusion pipelines force it)');
  return { config: { ...given, stepsOffset: 1, clipSample: false }, adjustments };
}
