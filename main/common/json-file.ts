import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic-write';

/** reads a small settings file; anything missing, unreadable or not matching `schema` gives undefined */
export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (text.length > 1024 * 1024) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** writes through a temporary file and a rename, so a crash never leaves half a file */
export function writeJsonFile(file: string, data: unknown): void {
  writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
}
