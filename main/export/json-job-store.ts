import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write';
import { assertWritableInside } from '../common/inside-root';
import type { ExportJobRecord, ExportJobStore, ItemOutcome, StoredJob } from './job-store';

/**
 * Jobs as files in `<dir>/<job id>/`: `job.json` (parameters and plan, written once,
 * atomically) and `outcomes.jsonl`, an append-only log fsynced per line. A kill mid-append
 * leaves at most a torn last line, which reading ignores.
 */
export class JsonFileJobStore implements ExportJobStore {
  /** `root`: the folder no write may leave (default: the one holding `dir`, the export's out folder) */
  constructor(
    private readonly dir: string,
    private readonly root = dirname(dir),
  ) {}

  private jobDir(id: string): string {
    if (!/^[a-f0-9]{8,64}$/.test(id)) throw new Error(`bad job id '${id}'`);
    return join(this.dir, id);
  }

  find(jobId: string): StoredJob | undefined {
    const dir = this.jobDir(jobId);
    if (!existsSync(join(dir, 'job.json'))) return undefined;
    const record = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as ExportJobRecord;
    const outcomes = new Map<number, ItemOutcome>();
    let finishedAt: string | undefined;
    const logPath = join(dir, 'outcomes.jsonl');
    if (existsSync(logPath)) {
      for (const line of readFileSync(logPath, 'utf8').split('\n')) {
        if (!line) continue;
        let entry: (ItemOutcome & { finishedAt?: undefined }) | { finishedAt: string };
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // torn last line from a kill
        }
        if ('finishedAt' in entry && entry.finishedAt) finishedAt = entry.finishedAt;
        else outcomes.set((entry as ItemOutcome).index, entry as ItemOutcome);
      }
    }
    return { record, outcomes, finishedAt };
  }

  create(record: ExportJobRecord): void {
    writeFileAtomic(join(this.jobDir(record.id), 'job.json'), JSON.stringify(record), { insideRoot: this.root });
  }

  private append(jobId: string, entry: unknown): void {
    // a torn line from an earlier kill must not swallow this one: start on a fresh line
    const path = join(this.jobDir(jobId), 'outcomes.jsonl');
    assertWritableInside(this.root, path);
    const fd = openSync(path, 'a');
    try {
      writeSync(fd, '\n' + JSON.stringify(entry) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  recordOutcome(jobId: string, outcome: ItemOutcome): void {
    this.append(jobId, outcome);
  }

  markFinished(jobId: string, at: string): void {
    this.append(jobId, { finishedAt: at });
  }

  close(): void {}
}
