/**
 * The analysis as JSON — what `nmsim analyze --json` prints and `analyze --out` writes as
 * analysis.json, and what `nmsim simulate --measured` reads back (perf/measured-file.ts): the
 * AnalysisResult with snake_case keys, and the tool that wrote it.
 */
import type { AnalysisResult } from '../analysis/types.js';
import { toSnakeCase } from './snake-case.js';

export function analysisJson(result: AnalysisResult, toolVersion: string): Record<string, unknown> {
  return { tool: `nmsim ${toolVersion}`, ...(toSnakeCase(result) as object) };
}
