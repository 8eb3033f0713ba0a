/**
 * The documented bounds are the enforced ones: README.md's option table shows every entry of
 * OPTION_BOUNDS, hardware-profiles/README.md's table every entry of PROFILE_LIMITS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatBound, MAX_LIST_PATTERNS, MAX_PROMPT_BYTES, OPTION_BOUNDS } from '../../src/cli/options.js';
import { PROFILE_LIMITS, PROFILE_LIST_LIMITS, rangeText } from '../../src/profile/limits.js';
import { REPO_ROOT } from '../helpers/cli.js';

const rows = (file: string) =>
  fs
    .readFileSync(path.join(REPO_ROOT, file), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| '));

describe('documented bounds', () => {
  test('README.md has a row with the range of every bounded option', () => {
    const table = rows('README.md');
    for (const [name, b] of Object.entries(OPTION_BOUNDS)) {
      const row = table.find((l) => l.includes(`\`--${name}\``));
      expect({ name, row }).toEqual({ name, row: expect.stringContaining(`${formatBound(b.min)}–${formatBound(b.max)}`) });
    }
    expect(table.find((l) => l.includes('`--prompt`'))).toContain(`${formatBound(MAX_PROMPT_BYTES)} bytes`);
    expect(table.find((l) => l.startsWith('| pattern lists'))).toContain(`1–${MAX_LIST_PATTERNS} patterns`);
  });

  test('hardware-profiles/README.md has a row with the range of every bounded profile field and list', () => {
    const table = rows('hardware-profiles/README.md');
    for (const [key, l] of [...Object.entries(PROFILE_LIMITS), ...Object.entries(PROFILE_LIST_LIMITS)]) {
      const shown = key.replace('[]', '[i]');
      const row = table.find((r) => r.startsWith(`| \`${shown}\` |`));
      expect({ key, row }).toEqual({ key, row: expect.stringContaining(rangeText(l)) });
      if ('integer' in l && l.integer) expect(row).toContain('whole');
    }
  });
});
