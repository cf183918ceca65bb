import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { migrate } from '../../../main/catalog/migrations/index';
import { SqliteJobStore } from '../../../main/export/sqlite-job-store';
import type { ExportJobRecord } from '../../../main/export/job-store';
import { tempDir } from './fixtures';

function freshDb(target?: number) {
  const file = join(tempDir(), 'library.r2r.sqlite');
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  migrate(db, file, target);
  return db;
}

const record: ExportJobRecord = {
  id: 'abcdef0123456789',
  createdAt: '2026-01-01T00:00:00.000Z',
  params: { library: '/lib', outDir: '/out', preset: 'amazon', presetSha256: 'x', format: 'jpeg', source: 'raytrace', selection: { category: 'coat' }, generate: 'none' },
  plan: [0, 1, 2].map((i) => ({ index: i, key: `S/c/v${i}/raster`, sku: 'S', colorway: 'c', view: `v${i}`, kind: 'raster', category: 'coat', sourcePath: `/r/${i}.png`, file: `S.PT0${i}.jpg` })),
};

describe('migration 4: export jobs', () => {
  it('adds export_jobs and export_items with their rules and cascades', () => {
    const db = freshDb(4);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.prepare("INSERT INTO export_jobs (id, params, created_at) VALUES ('j', '{}', 'now')").run();
    expect(() => db.prepare("INSERT INTO export_jobs (id, params, created_at) VALUES ('k', '{bad', 'now')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO export_items (job_id, idx, file, plan, status) VALUES ('j', 0, 'a.jpg', '{}', 'lost')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO export_items (job_id, idx, file, plan) VALUES ('nope', 0, 'a.jpg', '{}')").run()).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO export_items (job_id, idx, file, plan) VALUES ('j', 0, 'a.jpg', '{}')").run();
    db.prepare("DELETE FROM export_jobs WHERE id = 'j'").run();
    expect(db.prepare('SELECT count(*) FROM export_items').pluck().get()).toBe(0);
  });
});

describe('job store in the library', () => {
  it('keeps the plan and the latest outcome of each item across connections', () => {
    const db = freshDb();
    const store = new SqliteJobStore(db);
    expect(store.find(record.id)).toBeUndefined();
    store.create(record);
    store.recordOutcome(record.id, { index: 1, status: 'failed', error: 'bad png' });
    store.recordOutcome(record.id, { index: 1, status: 'done', file: 'S.PT01.jpg', bytes: 10, width: 2, height: 2, sha256: 'f', fill: 0.9 });
    store.recordOutcome(record.id, { index: 2, status: 'failed', error: 'bad png' });
    expect(() => store.recordOutcome(record.id, { index: 9, status: 'failed', error: 'x' })).toThrow(/no item 9/);
    const file = db.name;
    db.close();

    const again = new SqliteJobStore(new Database(file));
    const job = again.find(record.id)!;
    expect(job.record).toEqual(record);
    expect([...job.outcomes.keys()].sort()).toEqual([1, 2]);
    expect(job.outcomes.get(1)).toMatchObject({ status: 'done', file: 'S.PT01.jpg' });
    expect(job.outcomes.get(2)).toMatchObject({ status: 'failed', error: 'bad png' });
    expect(job.finishedAt).toBeUndefined();
    again.markFinished(record.id, '2026-01-02T00:00:00.000Z');
    expect(again.find(record.id)!.finishedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('refuses a second job with the same id (the engine resumes it instead)', () => {
    const store = new SqliteJobStore(freshDb());
    store.create(record);
    expect(() => store.create(record)).toThrow(/UNIQUE|PRIMARY KEY/);
  });
});
