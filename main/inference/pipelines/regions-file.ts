import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { REGION_ROLES, type RegionRole } from '../../../preload/api/region-types';
import { checkRegionSpec, REGION_FIELDS, type RegionRequest } from './regions';

const HINT = 'The regions file is a JSON array like [{"mask": "face.png", "strength": 0.5, "tac": 0, "prompt": "photo of a person"}, {"mask": "bg.png", "strength": 0}]; mask paths are relative to the file.';

/**
 * Reads a `--regions` file: a JSON array of regions, each naming its mask PNG (relative to the
 * file) and any of strength, tac, prompt, negative, guidance and name; unset fields take the
 * shot's settings. A bad entry is refused with its number and field.
 */
export async function readRegionsFile(path: string): Promise<RegionRequest[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError('file-not-found', `regions file ${path} could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, HINT);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError('bad-regions', `regions file ${path} is not valid JSON (${(err as Error).message})`, HINT);
  }
  return parseRegions(json, dirname(resolve(path)), `regions file ${path}`);
}

/** checks a regions list (from a file or a job) and resolves its mask paths against `baseDir` */
export function parseRegions(json: unknown, baseDir: string, what = 'regions'): RegionRequest[] {
  if (!Array.isArray(json)) throw new UserError('bad-regions', `${what} must hold a JSON array of regions, got ${json === null ? 'null' : typeof json}`, HINT);
  if (json.length === 0) throw new UserError('bad-regions', `${what} lists no region`, HINT);
  return json.map((entry: unknown, i) => {
    const bad = (why: string) => new UserError('bad-regions', `${what}: region ${i + 1} ${why}`, HINT);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad('must be an object with a "mask" field');
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !(REGION_FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw bad(`has unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${REGION_FIELDS.join(', ')})`);
    if (typeof e.mask !== 'string' || e.mask === '') throw bad('needs "mask": the path of a PNG, white = the region');
    if (e.name !== undefined && typeof e.name !== 'string') throw bad('has a "name" that is not text');
    if (e.tac !== undefined && e.tacRatio !== undefined) throw bad('gives both "tac" and "tacRatio"; give one');
    if (e.label !== undefined && !(REGION_ROLES as readonly string[]).includes(e.label as string)) throw bad(`has "label" ${JSON.stringify(e.label)}; labels are ${REGION_ROLES.join(', ')} (the mask is then a label mask)`);
    if (e.fill !== undefined && !(typeof e.fill === 'string' && /^#[0-9a-fA-F]{6}$/.test(e.fill))) throw bad(`has "fill" ${JSON.stringify(e.fill)}; give a colour like "#7f7f7f"`);
    const region: RegionRequest = {
      ...(e.name !== undefined ? { name: e.name as string } : {}),
      mask: isAbsolute(e.mask) ? e.mask : resolve(baseDir, e.mask),
      ...(e.label !== undefined ? { label: e.label as RegionRole } : {}),
      ...(e.fill !== undefined ? { fill: e.fill as string } : {}),
      ...(e.strength !== undefined ? { strength: e.strength as number } : {}),
      ...(e.tac !== undefined || e.tacRatio !== undefined ? { tacRatio: (e.tac ?? e.tacRatio) as number } : {}),
      ...(e.prompt !== undefined ? { prompt: e.prompt as string } : {}),
      ...(e.negative !== undefined ? { negative: e.negative as string } : {}),
      ...(e.guidance !== undefined ? { guidance: e.guidance as number } : {}),
    };
    try {
      checkRegionSpec(region, i);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(err.code, `${what}: ${err.message}`, HINT);
      throw err;
    }
    return region;
  });
}
