/**
 * The architecture of DESIGN.md §3, checked on the source: data flows one way (no cycle between
 * the folders of src/), only cli/ talks to the terminal (yargs, cli-progress, process.stdout,
 * process.stderr, process.exit), and cli/ is a client of the library — every name it imports
 * from a modelling folder is part of the public API (src/index.ts), so no modelling step hides
 * in a command handler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The folder of src/ a file is in ("perf"), or its own name for a file directly in src/ ("diagnostics.ts"). */
function unitOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0];
}

interface Import {
  from: string;
  /** resolved .ts file for a relative import, else the package name */
  target: string;
  names: string[];
  relative: boolean;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4];
    const clause = m[2] ?? '';
    const relative = spec.startsWith('.');
    const target = relative ? path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts') : spec;
    const braces = /\{([^}]*)\}/.exec(clause);
    const names = braces
      ? braces[1]
          .split(',')
          .map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0])
          .filter((s) => s !== '')
      : [];
    out.push({ from: file, target, names, relative });
  }
  return out;
}

const files = sourceFiles();
const imports = files.flatMap(importsOf);

/** Folder-level edges, src/index.ts (the public API, which imports everything) aside. */
function folderEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    if (!i.relative || path.relative(SRC, i.from) === 'index.ts') continue;
    const a = unitOf(i.from);
    const b = unitOf(i.target);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  return edges;
}

/** Every cycle's folders, as "a → b → a" strings (Tarjan's strongly connected components). */
function folderCycles(edges: Map<string, Set<string>>): string[] {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort().join(' ↔ '));
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

describe('the import graph of src/', () => {
  it('has no cycle between folders', () => {
    expect(folderCycles(folderEdges())).toEqual([]);
  });

  it('finds a cycle when there is one (the checker itself)', () => {
    const edges = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
    expect(folderCycles(edges)).toEqual(['a ↔ b ↔ c']);
  });

  it('lets only cli/ import yargs or cli-progress', () => {
    const offenders = imports.filter((i) => !i.relative && /^(yargs|cli-progress)(\/|$)/.test(i.target) && unitOf(i.from) !== 'cli');
    expect(offenders.map((i) => path.relative(REPO_ROOT, i.from))).toEqual([]);
  });

  it('lets only cli/ write to the terminal or end the process', () => {
    const offenders = files
      .filter((f) => unitOf(f) !== 'cli')
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, n) => ({ line, n }))
          .filter(({ line }) => /process\.(stdout|stderr|exit\b|exitCode)/.test(line) && !/^\s*(\*|\/\/)/.test(line))
          .map(({ n }) => `${path.relative(REPO_ROOT, f)}:${n + 1}`),
      );
    expect(offenders).toEqual([]);
  });

  it('lets cli/ import from the modelling folders only names of the public API (src/index.ts)', () => {
    const index = fs.readFileSync(path.join(SRC, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/export \*/);
    const publicNames = new Set(
      [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
        m[1]
          .split(',')
          .map((s) => s.trim().replace(/^type\s+/, ''))
          .filter((s) => s !== '')
          .map((s) => s.split(/\s+as\s+/)[0]),
      ),
    );
    // cli/ may use io/ (output folders), report/ (renderers) and the small root modules freely
    const free = new Set(['cli', 'io', 'report', 'diagnostics.ts', 'user-text.ts', 'version.ts']);
    const offenders = imports
      .filter((i) => i.relative && unitOf(i.from) === 'cli' && !free.has(unitOf(i.target)))
      .flatMap((i) => i.names.filter((n) => !publicNames.has(n)).map((n) => `${path.relative(SRC, i.from)}: ${n} from ${path.relative(SRC, i.target)}`));
    expect(offenders).toEqual([]);
  });

  it('lets only loaders, capture, report writers, io/ and cli/ touch the file system', () => {
    // folders whose modules are loaders or writers by nature
    const fileSystemFolders = new Set(['cli', 'io', 'trace', 'profile', 'capture']);
    // the loaders and writers inside the modelling folders, each documented as one
    const loaders = new Set(['perf/measured-file.ts', 'workload/load-model.ts', 'review/inputs.ts', 'report/write-report.ts', 'report/analysis-folder.ts', 'report/shard-folder.ts', 'review/cache.ts', 'report/png-cache.ts', 'validation/corpus.ts']);
    const offenders = imports
      .filter((i) => !i.relative && /^(node:)?fs(\/promises)?$/.test(i.target))
      .map((i) => path.relative(SRC, i.from).split(path.sep).join('/'))
      .filter((f) => !fileSystemFolders.has(f.split('/')[0]) && !loaders.has(f));
    expect([...new Set(offenders)]).toEqual([]);
  });
});

