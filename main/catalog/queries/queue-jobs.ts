import type { CatalogDb } from '../database';

/** a job the library keeps for the queue: enough to queue it again after a restart */
export interface KeptJob {
  id: string;
  kind: string;
  params: unknown;
  /** running when the studio stopped: it goes back first */
  state: 'queued' | 'running';
  /** epoch milliseconds */
  createdAt: number;
}

export interface KeptQueue {
  /** in queue order */
  jobs: KeptJob[];
  paused: boolean;
}

interface Row {
  id: string;
  kind: string;
  params: string;
  state: 'queued' | 'running';
  created_at: number;
}

/** the kept queue: the interrupted job first, then the queued ones in their order */
export function loadQueue(db: CatalogDb): KeptQueue {
  const rows = db
    .sql<[], Row>(`SELECT id, kind, params, state, created_at FROM queue_jobs ORDER BY state = 'running' DESC, position`)
    .all();
  const paused = db.sql<[], { paused: number }>('SELECT paused FROM queue_settings WHERE id = 1').get()?.paused === 1;
  return { jobs: rows.map((r) => ({ id: r.id, kind: r.kind, params: JSON.parse(r.params) as unknown, state: r.state, createdAt: r.created_at })), paused };
}

/** replaces the kept queue with this one, in one transaction (a queue is a few dozen rows) */
export function saveQueue(db: CatalogDb, queue: KeptQueue): void {
  db.write(() => {
    db.sql('DELETE FROM queue_jobs').run();
    const insert = db.sql<[string, string, string, number, string, number]>('INSERT INTO queue_jobs (id, kind, params, position, state, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    queue.jobs.forEach((j, position) => insert.run(j.id, j.kind, JSON.stringify(j.params), position, j.state, j.createdAt));
    db.sql<[number]>('INSERT INTO queue_settings (id, paused) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET paused = excluded.paused').run(queue.paused ? 1 : 0);
  });
}

/** the garment, colorway and view of a render and its image's hash, for a queue row; undefined when the render is gone */
export function renderSubject(db: CatalogDb, renderId: number): { sku: string; colorway: string; view: string; thumb: string } | undefined {
  return db
    .sql<[number], { sku: string; colorway: string; view: string; thumb: string }>(
      `SELECT g.sku AS sku, c.name AS colorway, v.slug AS view, a.hash AS thumb
         FROM renders r JOIN colorways c ON c.id = r.colorway_id JOIN garments g ON g.id = c.garment_id
         JOIN views v ON v.id = r.view_id JOIN assets a ON a.id = r.asset_id
        WHERE r.id = ?`,
    )
    .get(renderId);
}
