import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { ModelChoiceRecord, ModelEntryRecord, ModelKind } from '../../preload/api/model-types';
import { UserError } from '../common/errors';
import { readJsonFile, writeJsonFile } from '../common/json-file';
import { readEmbeddingFile } from '../inference/models/embeddings';
import { inspectModelFolder } from '../inference/models/inspect';
import { configDir } from './recent-libraries';

const MAX_ENTRIES = 200;
const path = z.string().min(1).max(4096);
const choice = z.object({ model: path.nullable(), embedding: path.nullable() });
const entry = z.object({
  kind: z.enum(['model', 'embedding']),
  path,
  name: z.string().max(4096),
  bytes: z.number().nonnegative(),
  summary: z.string().max(1000),
  adaptation: z.string().max(1000),
  addedAt: z.number().int().nonnegative(),
});
const fileSchema = z.object({
  version: z.literal(1),
  entries: z.array(entry).max(MAX_ENTRIES),
  /** the last pick in any library: a library without its own pick starts from it */
  global: choice,
  /** each library's own pick, by the library's folder */
  libraries: z.record(path, choice),
});
type ModelListFile = z.infer<typeof fileSchema>;

const EMPTY: ModelListFile = { version: 1, entries: [], global: { model: null, embedding: null }, libraries: {} };

/** the one model list of this user: the desktop app and `r2r serve` share it */
export function modelListFile(): string {
  return join(configDir(), 'models.json');
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += folderBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

/**
 * A model folder checked as `r2r models inspect` checks it: every component must serve as
 * itself, and R2R's texture control needs unfused self-attention in the UNet.
 */
function describeModel(dir: string): Pick<ModelEntryRecord, 'bytes' | 'summary' | 'adaptation'> {
  const info = inspectModelFolder(dir);
  const problems = info.components.flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`));
  if (problems.length) throw new UserError('bad-model', `${dir} is not a usable Stable Diffusion ONNX folder: ${problems.join('; ')}`, 'Check it with `r2r models inspect`; export SD 1.x with `optimum-cli export onnx`.');
  const unet = info.components.find((c) => c.name === 'unet')!;
  if (unet.fusedAttention) {
    throw new UserError('fused-attention', `${dir}: the UNet's attention is fused (${unet.fusedAttentionNodes} MultiHeadAttention nodes), so texture-preserving attention control cannot reach it`, 'Use an unfused export (optimum-cli export onnx without --optimize).');
  }
  const precisions = [...new Set(info.components.map((c) => c.precision).filter((p) => p !== 'none'))];
  const hidden = info.components.find((c) => c.tokenEmbedding)?.tokenEmbedding?.hidden;
  const adapted = Object.keys(unet.adapted).length > 0;
  return {
    bytes: folderBytes(dir),
    summary: `SD ONNX, ${precisions.join('/') || 'no weights'}${hidden ? `, text width ${hidden}` : ''}, ${info.components.length} components`,
    adaptation: adapted ? 'adapted copy: TAC inputs present' : `adapted once on first use (${unet.attn1ByLevel?.reduce((n, l) => n + l.layers.length, 0) ?? 0} self-attention layers)`,
  };
}

function describeEmbedding(file: string): Pick<ModelEntryRecord, 'bytes' | 'summary' | 'adaptation'> {
  const e = readEmbeddingFile(file);
  const tokens = e.embeddings.map((x) => `${x.token}: ${x.count} vector${x.count === 1 ? '' : 's'} × ${x.hidden}`);
  return { bytes: statSync(file).size, summary: `${tokens.join(', ')} (${e.format})`, adaptation: '' };
}

/** the model list, its picks per library and the last pick overall, in one settings file */
export class ModelList {
  constructor(private readonly file = modelListFile()) {}

  private load(): ModelListFile {
    return readJsonFile(this.file, fileSchema) ?? structuredClone(EMPTY);
  }

  list(): ModelEntryRecord[] {
    return this.load().entries.map((e) => ({ ...e, ...(existsSync(e.path) ? {} : { missing: true }) }));
  }

  /** checks the folder or file and adds it (again: refreshed); a path that fails the checks is not added */
  add(kind: ModelKind, where: string): ModelEntryRecord {
    if (!isAbsolute(where)) throw new UserError('bad-path', `'${where}' is not an absolute path`, 'Give the full path of the folder or file.');
    const abs = resolve(where);
    const isDir = existsSync(abs) && statSync(abs).isDirectory();
    if (!existsSync(abs)) throw new UserError('not-found', `${abs} does not exist`);
    if (kind === 'model' && !isDir) throw new UserError('not-a-folder', `${abs} is a file: a model is a folder (model_index.json, unet/, vae_decoder/, ...)`);
    if (kind === 'embedding' && isDir) throw new UserError('not-a-file', `${abs} is a folder: a negative embedding is one .safetensors, .pt or .bin file`);
    const facts = kind === 'model' ? describeModel(abs) : describeEmbedding(abs);
    const record: ModelEntryRecord = { kind, path: abs, name: basename(abs), addedAt: Date.now(), ...facts };
    const data = this.load();
    data.entries = [record, ...data.entries.filter((e) => !(e.kind === kind && e.path === abs))].slice(0, MAX_ENTRIES);
    writeJsonFile(this.file, data);
    return record;
  }

  /** takes it off the list (the files stay); picks of it are dropped */
  remove(kind: ModelKind, where: string): boolean {
    const data = this.load();
    const before = data.entries.length;
    data.entries = data.entries.filter((e) => !(e.kind === kind && e.path === where));
    for (const c of [data.global, ...Object.values(data.libraries)]) if (c[kind] === where) c[kind] = null;
    writeJsonFile(this.file, data);
    return data.entries.length < before;
  }

  /** the library's own pick; what it has not picked comes from the last pick anywhere */
  choice(library: string | undefined): ModelChoiceRecord {
    const data = this.load();
    const own = library ? data.libraries[library] : undefined;
    return { model: own?.model ?? data.global.model, embedding: own?.embedding ?? data.global.embedding };
  }

  /** picks a listed entry (or none) for the library and as the last pick overall */
  choose(library: string | undefined, kind: ModelKind, where: string | null): ModelChoiceRecord {
    const data = this.load();
    if (where !== null && !data.entries.some((e) => e.kind === kind && e.path === where)) {
      throw new UserError('unknown-model', `${where} is not on the model list`, 'Add it first.');
    }
    data.global[kind] = where;
    if (library) data.libraries[library] = { ...(data.libraries[library] ?? { model: null, embedding: null }), [kind]: where };
    writeJsonFile(this.file, data);
    return this.choice(library);
  }
}
