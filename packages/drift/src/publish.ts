import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { putObject } from '@churn/aws';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { DriftSummary } from './report.js';
import { BASE_CSS, escapeHtml } from './html.js';

export const MANIFEST_FILE = 'reports.json';
export const INDEX_FILE = 'index.html';

const summarySchema = z.object({
  // Reports published before dataset contracts carry no dataset name.
  dataset: z.string().optional(),
  runId: z.string(),
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  currentRows: z.number(),
  referenceRows: z.number(),
  datasetDrift: z.boolean(),
  driftedShare: z.number(),
  driftedFeatures: z.array(z.string()),
  predictionDrift: z.boolean().nullable(),
});

const entrySchema = summarySchema.extend({ file: z.string().regex(/^drift-[\w.-]+\.html$/) });
const manifestSchema = z.object({ reports: z.array(entrySchema) });

export type ManifestEntry = z.infer<typeof entrySchema>;

export interface PublishTarget {
  reportsDir: string;
  s3?: S3Client;
  bucket?: string;
  /** Key prefix in the bucket (default none: the bucket mirrors the folder). */
  prefix?: string;
}

export interface Published {
  /** The report's path on disk. */
  path: string;
  /** Its key in the bucket, when uploaded. */
  key?: string;
  file: string;
  indexPath: string;
}

/** drift-2026-11-25T21-00-00.000Z.html: the ISO time with ':' replaced, so file names and URLs stay plain. */
export function reportFileName(generatedAt: Date): string {
  return `drift-${generatedAt.toISOString().replace(/:/g, '-')}.html`;
}

/** Reads reports.json; a missing file is an empty list, a corrupt one an error naming the file. */
export async function readManifest(reportsDir: string): Promise<ManifestEntry[]> {
  const path = join(reportsDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not a reports manifest: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data.reports;
}

/** The list of all reports, newest first, each with its verdict. */
export function renderIndex(entries: readonly ManifestEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr class="${e.datasetDrift ? 'drifted' : ''}"><td><a href="${escapeHtml(e.file)}">${escapeHtml(e.generatedAt)}</a></td><td>${e.currentRows === 0 ? '<span class="badge">no data</span>' : e.datasetDrift ? '<span class="badge drift">drift</span>' : '<span class="badge ok">no drift</span>'}</td><td class="num">${Math.round(e.driftedShare * 100)}%</td><td>${escapeHtml(e.driftedFeatures.join(', ') || '–')}</td><td>${e.predictionDrift === null ? '–' : e.predictionDrift ? 'drifted' : 'ok'}</td><td>${escapeHtml(e.dataset ?? '–')}</td><td><code>${escapeHtml(e.runId)}</code></td><td>${escapeHtml(e.from)} → ${escapeHtml(e.to)}</td><td class="num">${e.currentRows}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Drift reports</title><style>${BASE_CSS}</style></head>
<body><main><h1>Drift reports</h1><p>${entries.length} report${entries.length === 1 ? '' : 's'}, newest first.</p>
<table id="reports"><thead><tr><th>generated</th><th>verdict</th><th>drifted share</th><th>drifted features</th><th>prediction</th><th>dataset</th><th>model run id</th><th>window</th><th>rows</th></tr></thead><tbody>${rows}</tbody></table>
</main></body></html>
`;
}

async function writeAtomically(path: string, body: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, path);
}

/**
 * Writes the report to <reportsDir>/drift-<time>.html, adds it to reports.json, regenerates
 * index.html (newest first) and, given a client and bucket, uploads all three.
 */
export async function publishReport(target: PublishTarget, report: { html: string; summary: DriftSummary }): Promise<Published> {
  const summary = summarySchema.parse(report.summary);
  await mkdir(target.reportsDir, { recursive: true });
  const file = reportFileName(new Date(summary.generatedAt));
  const path = join(target.reportsDir, file);
  await writeAtomically(path, report.html);
  const entries = (await readManifest(target.reportsDir)).filter((e) => e.file !== file);
  entries.push({ ...summary, file });
  entries.sort((a, b) => b.generatedAt.localeCompare(a.generatedAt));
  const manifest = JSON.stringify({ reports: entries }, null, 2);
  const index = renderIndex(entries);
  await writeAtomically(join(target.reportsDir, MANIFEST_FILE), manifest);
  const indexPath = join(target.reportsDir, INDEX_FILE);
  await writeAtomically(indexPath, index);
  if (!target.s3 || !target.bucket) return { path, file, indexPath };
  const prefix = target.prefix ?? '';
  const key = `${prefix}${file}`;
  await putObject(target.s3, target.bucket, key, report.html, 'text/html; charset=utf-8');
  await putObject(target.s3, target.bucket, `${prefix}${MANIFEST_FILE}`, manifest, 'application/json');
  await putObject(target.s3, target.bucket, `${prefix}${INDEX_FILE}`, index, 'text/html; charset=utf-8');
  return { path, key, file, indexPath };
}
