import { join } from 'node:path';
import { z } from 'zod';
import { configDir } from '../common/config-dir';
import { readJsonFile, writeJsonFile } from '../common/json-file';

const path = z.string().min(1).max(4096);
const fileSchema = z.object({
  version: z.literal(1),
  /** the last pick in any library: a library without its own pick starts from it */
  global: path.nullable(),
  /** each library's own pick, by the library's folder */
  libraries: z.record(path, path.nullable()),
});
type SamSettingsFile = z.infer<typeof fileSchema>;

/** the Segment Anything settings of this user, shared by the desktop app and `r2r serve` */
export function samSettingsFile(): string {
  return join(configDir(), 'segment-anything.json');
}

/** the SAM model folder picked per library and overall, as the model picker keeps its picks */
export class SamSettings {
  constructor(private readonly file = samSettingsFile()) {}

  private load(): SamSettingsFile {
    return readJsonFile(this.file, fileSchema) ?? { version: 1, global: null, libraries: {} };
  }

  /** the library's own pick (null included: the library chose none), else the last pick anywhere */
  folder(library: string | undefined): string | null {
    const data = this.load();
    if (library && library in data.libraries) return data.libraries[library]!;
    return data.global;
  }

  choose(library: string | undefined, folder: string | null): void {
    const data = this.load();
    data.global = folder;
    if (library) data.libraries[library] = folder;
    writeJsonFile(this.file, data);
  }
}
