/**
 * The published JSON Schema of manifest.json (traces/manifest.schema.json), generated from the
 * zod schema so the two can never drift: `npm run schema` rewrites the file, and a test checks
 * the committed file equals this output.
 */
import { z } from 'zod';
import { writeFileAtomic } from '../io/atomic.js';
import { METRIC_RANGES, ManifestSchema, MetricSchema, TRACE_FORMAT_VERSION, metricRangePattern } from './manifest.js';

export const MANIFEST_SCHEMA_FILE = 'traces/manifest.schema.json';

/**
 * The metric ranges (a zod refinement, which JSON Schema cannot see) as an if/then/else chain
 * on the metric name: the first matching row of METRIC_RANGES bounds the value, as in the zod
 * check.
 */
function metricRangesJsonSchema(): Record<string, unknown> {
  let chain: Record<string, unknown> | undefined;
  for (const r of [...METRIC_RANGES].reverse()) {
    const value: Record<string, number> = { minimum: r.min };
    if (r.max !== undefined) value.maximum = r.max;
    chain = {
      if: { properties: { metric: { type: 'string', pattern: metricRangePattern(r) } }, required: ['metric'] },
      then: { properties: { value } },
      ...(chain ? { else: chain } : {}),
    };
  }
  return chain!;
}

export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ManifestSchema, {
    target: 'draft-2020-12',
    override: (ctx) => {
      if (ctx.zodSchema === MetricSchema) ctx.jsonSchema.allOf = [metricRangesJsonSchema() as typeof ctx.jsonSchema];
    },
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: `https://nmsim.invalid/traces/manifest.v${TRACE_FORMAT_VERSION}.schema.json`,
    title: `nmsim trace bundle manifest, format version ${TRACE_FORMAT_VERSION}`,
    description: 'manifest.json of a trace bundle folder; the prose specification is traces/README.md. Generated from src/trace/manifest.ts by `npm run schema`; do not edit.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

export function manifestJsonSchemaText(): string {
  return JSON.stringify(manifestJsonSchema(), null, 2) + '\n';
}

export async function writeManifestSchema(file = MANIFEST_SCHEMA_FILE): Promise<void> {
  await writeFileAtomic(file, manifestJsonSchemaText());
}
