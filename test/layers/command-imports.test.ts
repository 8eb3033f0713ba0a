/**
 * `nmsim review` loads the review's modules only: the command table (src/cli/commands/index.ts)
 * imports each command when its name is the first word, and the review command does not go
 * through src/index.ts (which loads every command's library: capture's kernels, validate's
 * corpus). A warm rerun also leaves the analysis kernels unloaded (run-review.ts imports them when
 * it analyses). Checked on the source's static imports — what node loads before any code runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Relative static value imports of a file (`import type` and dynamic `import()` left out), resolved to .ts files. */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'/g)) {
    if (m[2]) continue;
    const spec = m[4] ?? m[5];
    out.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** Every file node loads, statically, when it loads `start`. */
function staticClosure(start: string): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const t of staticImports(queue.shift()!)) {
      if (!seen.has(t) && fs.existsSync(t)) {
        seen.add(t);
        queue.push(t);
      }
    }
  }
  return seen;
}

const rel = (files: Iterable<string>) => [...files].map((f) => path.relative(SRC, f).split(path.sep).join('/')).sort();

describe('the modules `nmsim review` loads', () => {
  it('the command table imports no command module before it knows the command', () => {
    const table = path.join(SRC, 'cli', 'commands', 'index.ts');
    expect(rel(staticImports(table))).toEqual([]);
    // every command is still reachable through it (a dynamic import each)
    const text = fs.readFileSync(table, 'utf8');
    const commands = fs.readdirSync(path.join(SRC, 'cli', 'commands')).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && fs.readFileSync(path.join(SRC, 'cli', 'commands', f), 'utf8').includes('export const command'));
    expect(commands.length).toBe(9);
    for (const c of commands) expect(text).toContain(`import('./${c.replace(/\.ts$/, '.js')}')`);
  });

  it("the review command's static imports leave out the library index, capture, validation and the analysis kernels", () => {
    const closure = rel(staticClosure(path.join(SRC, 'cli', 'main.ts')));
    expect(closure).toContain('cli/commands/index.ts');
    expect(closure).not.toContain('cli/commands/review.ts');
    const review = rel(staticClosure(path.join(SRC, 'cli', 'commands', 'review.ts')));
    // what it must load (the checker finds files at all)
    expect(review).toEqual(expect.arrayContaining(['review/run-review.ts', 'report/write-report.ts', 'perf/gemm-pipeline.ts']));
    const unwanted = review.filter((f) => f === 'index.ts' || f.startsWith('capture/') || f.startsWith('validation/') || f === 'analysis/analyze.ts' || f === 'analysis/shard.ts' || f === 'cli/commands/review-shard.ts');
    expect(unwanted).toEqual([]);
  });

  it('the checker sees a static import of the library index as one (a review importing it would fail the test above)', () => {
    const index = rel(staticClosure(path.join(SRC, 'index.ts')));
    expect(index).toEqual(expect.arrayContaining(['capture/perplexity.ts', 'validation/corpus.ts', 'analysis/analyze.ts']));
  });
});
