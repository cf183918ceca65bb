import { UserError } from '../../common/errors';
import type { CatalogDb } from '../database';
import type { Library } from '../library';
import type { Generation, GenerationSource } from '../types';
import { GENERATION_STATUSES } from '../vocabulary';
import type { GenerationStatus } from '../vocabulary';
import { storeImage } from './assets';
import { GENERATION_SELECT, toGeneration } from './rows';
import type { GenerationRow } from './rows';

/** the process that runs a `running` generation, and until when it vouches for it */
export interface GenerationOwner {
  host: string;
  pid: number;
  /** ISO time; the owner renews it while the shot runs */
  leaseUntil: string;
}

export interface GenerationInput {
  source: GenerationSource;
  model: string;
  params?: Record<string, unknown>;
  seed: number;
  status?: GenerationStatus;
  owner?: GenerationOwner;
}

/** a `running` generation and its owner (null for rows written before owners were recorded) */
export interface RunningGeneration {
  id: number;
  startedAt: string | null;
  owner: GenerationOwner | null;
}

export interface GenerationPatch {
  status?: GenerationStatus;
  error?: string | null;
  /** hash of an asset already in the library */
  output?: string | null;
  metrics?: Record<string, unknown> | null;
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

function checkStatus(status: string): void {
  if (!(GENERATION_STATUSES as readonly string[]).includes(status)) {
    throw new UserError('bad-generation-status', `unknown generation status '${status}'`, `Use one of ${GENERATION_STATUSES.join(', ')}.`);
  }
}

export function insertGeneration(db: CatalogDb, input: GenerationInput): Generation {
  const { renderId, comboId } = input.source;
  if ((renderId === undefined) === (comboId === undefined)) {
    throw new UserError('bad-generation-source', 'a generation starts from exactly one render or one combo');
  }
  if (!Number.isSafeInteger(input.seed)) throw new UserError('bad-seed', `seed must be an integer, got ${input.seed}`);
  const status = input.status ?? 'queued';
  checkStatus(status);
  const id = db.write(() => {
    if (renderId !== undefined && !db.sql('SELECT 1 FROM renders WHERE id = ?').get(renderId)) throw new UserError('unknown-render', `no render #${renderId} in this library`);
    if (comboId !== undefined && !db.sql('SELECT 1 FROM combos WHERE id = ?').get(comboId)) throw new UserError('unknown-combo', `no combo #${comboId} in this library`);
    return Number(
      db
        .sql(
          `INSERT INTO generations (render_id, combo_id, model, params, seed, status, started_at, owner_host, owner_pid, lease_until)
           VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? = 'running' THEN ${NOW} END, ?, ?, ?)`,
        )
        .run(renderId ?? null, comboId ?? null, input.model, JSON.stringify(input.params ?? {}), input.seed, status, status, input.owner?.host ?? null, input.owner?.pid ?? null, input.owner?.leaseUntil ?? null)
        .lastInsertRowid,
    );
  });
  return getGeneration(db, id);
}

export function getGeneration(db: CatalogDb, id: number): Generation {
  const row = db.sql<[number], GenerationRow>(`${GENERATION_SELECT} WHERE x.id = ?`).get(id);
  if (!row) throw new UserError('unknown-generation', `no generation #${id} in this library`);
  return toGeneration(row);
}

export function listGenerations(db: CatalogDb, filter: { renderId?: number; comboId?: number; status?: GenerationStatus } = {}): Generation[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.renderId !== undefined) {
    where.push('x.render_id = ?');
    args.push(filter.renderId);
  }
  if (filter.comboId !== undefined) {
    where.push('x.combo_id = ?');
    args.push(filter.comboId);
  }
  if (filter.status !== undefined) {
    where.push('x.status = ?');
    args.push(filter.status);
  }
  const sql = `${GENERATION_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY x.id`;
  return db.sql<unknown[], GenerationRow>(sql).all(...args).map(toGeneration);
}

/** the generations now `running`, with their owners */
export function runningGenerations(db: CatalogDb): RunningGeneration[] {
  const rows = db
    .sql<[], { id: number; started_at: string | null; owner_host: string | null; owner_pid: number | null; lease_until: string | null }>(
      "SELECT id, started_at, owner_host, owner_pid, lease_until FROM generations WHERE status = 'running' ORDER BY id",
    )
    .all();
  return rows.map((r) => ({
    id: r.id,
    startedAt: r.started_at,
    owner: r.owner_host !== null && r.owner_pid !== null && r.lease_until !== null ? { host: r.owner_host, pid: r.owner_pid, leaseUntil: r.lease_until } : null,
  }));
}

/** the owner of a running generation vouches for it until `leaseUntil`; false when it is no longer running */
export function renewGenerationLease(db: CatalogDb, id: number, leaseUntil: string): boolean {
  return db.write(() => db.sql("UPDATE generations SET lease_until = ? WHERE id = ? AND status = 'running'").run(leaseUntil, id).changes > 0);
}

/**
 * Records progress of a generation. Moving to `running` stamps started_at, to a final state
 * finished_at; `done` needs an output image.
 */
export function updateGeneration(db: CatalogDb, id: number, patch: GenerationPatch): Generation {
  db.write(() => {
    const current = getGeneration(db, id);
    if (patch.output !== undefined) {
      const asset = patch.output === null ? undefined : db.sql<[string], { id: number }>('SELECT id FROM assets WHERE hash = ?').get(patch.output);
      if (patch.output !== null && !asset) throw new UserError('asset-unknown', `no asset ${patch.output} in this library`, 'Store the output image first (storeGenerationOutput).');
      db.sql('UPDATE generations SET output_asset_id = ? WHERE id = ?').run(asset?.id ?? null, id);
    }
    if (patch.error !== undefined) db.sql('UPDATE generations SET error = ? WHERE id = ?').run(patch.error, id);
    if (patch.metrics !== undefined) db.sql('UPDATE generations SET metrics = ? WHERE id = ?').run(patch.metrics === null ? null : JSON.stringify(patch.metrics), id);
    if (patch.status !== undefined && patch.status !== current.status) {
      checkStatus(patch.status);
      const finished = patch.status === 'done' || patch.status === 'failed' || patch.status === 'cancelled';
      db.sql(
        `UPDATE generations SET status = ?,
           started_at = CASE WHEN ? = 'running' THEN ${NOW} ELSE started_at END,
           finished_at = CASE WHEN ? THEN ${NOW} ELSE NULL END
         WHERE id = ?`,
      ).run(patch.status, patch.status, finished ? 1 : 0, id);
    }
    db.sql(`UPDATE generations SET updated_at = ${NOW} WHERE id = ?`).run(id);
  });
  return getGeneration(db, id);
}

/** stores the output image and marks the generation done, with its metrics */
export async function storeGenerationOutput(lib: Library, id: number, image: Uint8Array, metrics?: Record<string, unknown>): Promise<Generation> {
  getGeneration(lib, id);
  const asset = await storeImage(lib, image, `output of generation #${id}`);
  return updateGeneration(lib, id, { output: asset.hash, status: 'done', ...(metrics ? { metrics } : {}) });
}
