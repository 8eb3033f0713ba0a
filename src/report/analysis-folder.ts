/**
 * The folder `nmsim analyze --out` writes: every CSV table of report/analysis-tables.ts and
 * analysis.json, through io/output-folder.ts (created, or replaced only when it is an earlier
 * analysis folder holding nothing but nmsim's files).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { csvTables, tableColumns } from './analysis-tables.js';
import type { AnalysisResult } from '../analysis/types.js';
import type { OutputClaim } from '../io/output-folder.js';
import type { OutputKind } from '../io/output-kind.js';

export const ANALYSIS_JSON = 'analysis.json';

/** The CSV names csvTables returns (a test keeps the two equal); used to recognise old folders. */
export const ANALYSIS_CSV_FILES = [
  'summary.csv',
  'sites.csv',
  'layers.csv',
  'consumers.csv',
  'compressed-size.csv',
  'compatibility.csv',
  'union-density.csv',
  'histograms.csv',
  'top-channels.csv',
  'nonfinite.csv',
] as const;

/**
 * An analysis folder written before the output marker existed: analysis.json says nmsim wrote
 * it, and the files it owns are analysis.json and the analysis CSVs.
 */
async function legacyAnalysisFiles(dir: string, files: readonly string[]): Promise<readonly string[] | undefined> {
  if (!files.includes(ANALYSIS_JSON)) return undefined;
  try {
    const j = JSON.parse(await fs.readFile(path.join(dir, ANALYSIS_JSON), 'utf8'));
    if (typeof j?.tool !== 'string' || !j.tool.startsWith('nmsim ') || !Array.isArray(j.runs)) return undefined;
    const names = new Set<string>([ANALYSIS_JSON, ...ANALYSIS_CSV_FILES]);
    return files.filter((f) => names.has(f));
  } catch {
    return undefined;
  }
}

export const ANALYSIS_OUTPUT: OutputKind = { id: 'analysis', label: 'analysis folder', legacyFiles: legacyAnalysisFiles };

/** Writes the CSVs and analysis.json into the claimed folder; returns how many CSVs. */
export async function writeAnalysisFolder(claim: OutputClaim, result: AnalysisResult, json: unknown): Promise<number> {
  const tables = csvTables(result);
  await claim.write(async (dir) => {
    for (const [name, rows] of Object.entries(tables)) {
      const columns = tableColumns(name, rows);
      await fs.writeFile(path.join(dir, name), stringify(rows, { header: true, columns }));
    }
    await fs.writeFile(path.join(dir, ANALYSIS_JSON), JSON.stringify(json, null, 2) + '\n');
  });
  return Object.keys(tables).length;
}
