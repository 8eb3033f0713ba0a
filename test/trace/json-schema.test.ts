import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';
import { MANIFEST_SCHEMA_FILE, manifestJsonSchema, manifestJsonSchemaText } from '../../src/trace/json-schema.js';

describe('published JSON Schema of manifest.json', () => {
  test('the committed traces/manifest.schema.json equals the one generated from the zod schema (run `npm run schema`)', () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, MANIFEST_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(manifestJsonSchemaText());
  });

  test('the schema requires the top-level fields and closes every object', () => {
    const s = manifestJsonSchema() as { required: string[]; additionalProperties: boolean; properties: Record<string, any> };
    expect(s.required).toEqual(['format', 'version', 'model', 'source', 'runs']);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.runs.minItems).toBe(1);
    const site = s.properties.runs.items.properties.sites.items;
    expect(site.required).toEqual(['name', 'consumers', 'tensor']);
    expect(site.properties.consumers.items.enum).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
  });
});

describe('traces/README.md', () => {
  test('its example manifest is valid under the schema', async () => {
    const { ManifestSchema } = await import('../../src/trace/manifest.js');
    const text = fs.readFileSync(path.join(REPO_ROOT, 'traces', 'README.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(text)![1];
    const r = ManifestSchema.safeParse(JSON.parse(example));
    expect(r.error?.issues ?? []).toEqual([]);
  });

  test('it keeps the "Shipped bundles" and "Exporters" sections for other issues to fill', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'traces', 'README.md'), 'utf8');
    expect(text).toMatch(/^## Shipped bundles$/m);
    expect(text).toMatch(/^## Exporters$/m);
  });
});
