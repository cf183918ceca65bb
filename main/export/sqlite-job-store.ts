import type { Database } from 'better-sqlite3';
import type { ExportJobRecord, ExportJobStore, ItemOutcome, PlanItem, StoredJob } from './job-store';

interface JobRow {
  id: string;
  params: string;
  created_at: string;
  finished_at: string | null;
}

interface ItemRow {
  idx: number;
  plan: string;
  outcome: string | null;
}

/**
 * Export jobs in the library's SQLite database (tables from the catalog migration
 * `export jobs`): one row per job, one per plan item with its latest outcome. Each call is
 * one transaction, so a killed export finds every outcome it recorded.
 */
export class SqliteJobStore implements ExportJobStore {
  constructor(private readonly db: Database) {}

  find(jobId: string): StoredJob | undefined {
    const job = this.db.prepare<[string], JobRow>('SELECT id, params, created_at, finished_at FROM export_jobs WHERE id = ?').get(jobId);
    if (!job) return undefined;
    const rows = this.db.prepare<[string], ItemRow>('SELECT idx, plan, outcome FROM export_items WHERE job_id = ? ORDER BY idx').all(jobId);
    const outcomes = new Map<number, ItemOutcome>();
    for (const r of rows) if (r.outcome) outcomes.set(r.idx, JSON.parse(r.outcome) as ItemOutcome);
    return {
      record: { id: job.id, createdAt: job.created_at, params: JSON.parse(job.params), plan: rows.map((r) => JSON.parse(r.plan) as PlanItem) },
      outcomes,
      finishedAt: job.finished_at ?? undefined,
    };
  }

  create(record: ExportJobRecord): void {
    const insertJob = this.db.prepare('INSERT INTO export_jobs (id, params, created_at) VALUES (?, ?, ?)');
    const insertItem = this.db.prepare("INSERT INTO export_items (job_id, idx, file, plan, status) VALUES (?, ?, ?, ?, 'pending')");
    this.db.transaction(() => {
      insertJob.run(record.id, JSON.stringify(record.params), record.createdAt);
      for (const item of record.plan) insertItem.run(record.id, item.index, item.file, JSON.stringify(item));
    }).immediate();
  }

  recordOutcome(jobId: string, outcome: ItemOutcome): void {
    const r = this.db
      .prepare("UPDATE export_items SET status = ?, outcome = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE job_id = ? AND idx = ?")
      .run(outcome.status, JSON.stringify(outcome), jobId, outcome.index);
    if (r.changes !== 1) throw new Error(`export job ${jobId} has no item ${outcome.index}`);
  }

  markFinished(jobId: string, at: string): void {
    this.db.prepare('UPDATE export_jobs SET finished_at = ? WHERE id = ?').run(at, jobId);
  }

  close(): void {}
}
