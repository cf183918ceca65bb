import { z } from 'zod';
import { slugify } from '../vocabulary';

/** optional `garment.json` anywhere in the tree: details file names cannot carry */
export interface GarmentSidecar {
  sku: string;
  name?: string;
  category?: string;
  tags?: string[];
  notes?: string;
}

export const SIDECAR_NAME = 'garment.json';

/** a details file is a few lines; anything bigger is not one */
export const MAX_SIDECAR_BYTES = 1024 * 1024;

const sidecarSchema = z.object({
  sku: z.string().trim().min(1, 'it has no "sku"').max(200),
  name: z.string().trim().min(1).max(500).optional(),
  // a category the library could not name would stop the import half-way; refuse it here
  category: z.string().trim().max(200).refine((s) => slugify(s) !== '', 'must hold letters or digits').optional(),
  tags: z.array(z.string().max(200), '"tags" must be a list of strings').max(500).optional(),
  notes: z.string().max(100_000).optional(),
});

/** why a details file cannot be used, in words for the import report */
export class SidecarProblem extends Error {
  override name = 'SidecarProblem';
}

/**
 * Reads the text of a `garment.json`. Unknown keys are ignored; a value of the wrong type,
 * or one too long, is a SidecarProblem naming the key.
 */
export function parseSidecar(text: string): GarmentSidecar {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SidecarProblem(`not JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SidecarProblem('not a JSON object');
  if (!('sku' in json)) throw new SidecarProblem('it has no "sku"');
  const parsed = sidecarSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.map(String).join('.');
    throw new SidecarProblem(issue.message.startsWith('"') || issue.message.startsWith('it ') ? issue.message : `"${key}": ${issue.message}`);
  }
  return parsed.data;
}
