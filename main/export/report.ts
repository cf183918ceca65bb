import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../common/atomic-write';
import type { ItemOutcome, PlanItem } from './job-store';
import { REPORT_FILES } from './plan';

export interface ExportReport {
  jobId: string;
  preset: string;
  format: string;
  canvas: { width: number; height: number };
  library: string;
  outDir: string;
  createdAt: string;
  finishedAt: string;
  total: number;
  done: number;
  failed: number;
  items: { item: PlanItem; outcome: ItemOutcome }[];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const THUMB_SIDE = 200;

async function thumbnail(path: string): Promise<string | undefined> {
  try {
    const buf = await sharp(path).resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside' }).jpeg({ quality: 70 }).toBuffer();
    return `data:image/jpeg;base64,${buf.toString('base64')}`;
  } catch {
    return undefined;
  }
}

/** the contact sheet: one self-contained HTML file (thumbnails inlined), failures first */
export function contactSheetHtml(report: ExportReport, thumbs: Map<number, string>): string {
  const ordered = [...report.items].sort((a, b) => Number(b.outcome.status === 'failed') - Number(a.outcome.status === 'failed') || a.item.index - b.item.index);
  const cells = ordered.map(({ item, outcome }) => {
    const thumb = thumbs.get(item.index);
    const img = thumb ? `<img src="${thumb}" alt="${escapeHtml(item.file)}" loading="lazy">` : '<div class="none">no image</div>';
    const detail =
      outcome.status === 'done'
        ? `${outcome.width}x${outcome.height} · ${(outcome.bytes / 1024).toFixed(0)} KB · fill ${(outcome.fill * 100).toFixed(1)}%`
        : `<span class="error">${escapeHtml(outcome.error)}</span>`;
    const o = item.outfit;
    const outfit = o && o.status !== 'skipped' ? `<br>outfit “${escapeHtml(o.combo)}” ${escapeHtml(o.view)} · ${o.status} (generation #${o.generationId}) · ${o.sampleEvaluations ?? 0} sample-evaluations` : '';
    return `<figure class="${outcome.status}">${img}<figcaption><b>${escapeHtml(item.file || '(not written)')}</b><br>${escapeHtml(item.key)}<br>${detail}${outfit}</figcaption></figure>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Export ${escapeHtml(report.jobId)} · ${escapeHtml(report.preset)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(${THUMB_SIDE + 20}px,1fr));gap:12px}
figure{margin:0;padding:8px;border:1px solid #ddd;border-radius:4px;background:#fafafa}
figure.failed{border-color:#c00;background:#fff4f4}
img{display:block;margin:0 auto 6px;max-width:${THUMB_SIDE}px;max-height:${THUMB_SIDE}px;border:1px solid #eee}
.none{height:${THUMB_SIDE}px;display:flex;align-items:center;justify-content:center;color:#999}
figcaption{word-break:break-all}.error{color:#c00}
</style></head><body>
<h1>Export report</h1>
<p>Preset <b>${escapeHtml(report.preset)}</b> (${report.canvas.width}x${report.canvas.height}, ${escapeHtml(report.format)}) ·
${report.done} of ${report.total} exported · <span class="${report.failed ? 'error' : ''}">${report.failed} failed</span> ·
finished ${escapeHtml(report.finishedAt)}<br>Library ${escapeHtml(report.library)} → ${escapeHtml(report.outDir)}</p>
<div class="grid">
${cells.join('\n')}
</div></body></html>
`;
}

/** writes export-report.json and export-report.html into the out folder, atomically */
export async function writeReports(report: ExportReport, outDir: string, concurrency = 2): Promise<void> {
  writeFileAtomic(join(outDir, REPORT_FILES.json), JSON.stringify(report, null, 2), { insideRoot: outDir });
  const thumbs = new Map<number, string>();
  const done = report.items.filter((i) => i.outcome.status === 'done');
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < done.length) {
        const { item } = done[next++]!;
        const t = await thumbnail(join(outDir, item.file));
        if (t) thumbs.set(item.index, t);
      }
    }),
  );
  writeFileAtomic(join(outDir, REPORT_FILES.html), contactSheetHtml(report, thumbs), { insideRoot: outDir });
}
