/**
 * What nmsim guarantees about its outputs, through the built CLI: every command that writes a
 * folder (analyze, capture, review) creates it, or replaces it only when it is nmsim's own output
 * of the same kind; never the input; never a user's file. Interrupted runs are recovered by the
 * next one, concurrent runs to one --out end cleanly, a closed pipe is not a crash, and file-system
 * errors are input errors naming the path. Faults are injected into the child with
 * test/fixtures/io/fault.mjs (a SIGKILL mid-swap, a Ctrl-C mid-write, ENOSPC, slow writes).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { writeSyntheticBundle } from '../review/synthetic-bundle.js';
import { ANALYSIS_CSV_FILES } from '../../src/report/analysis-folder.js';

const FAULT = path.join(REPO_ROOT, 'test', 'fixtures', 'io', 'fault.mjs');
const withFault = (fault: string) => ({ env: { NMSIM_FAULT: fault, NODE_OPTIONS: `--import ${FAULT}` } });
const REVIEW_FAST = ['--profiles', 'act-8of16', '--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'];
const ANALYZE_FAST = ['--random-batches', '2'];
const ANALYZE_816 = [...ANALYZE_FAST, '--patterns', '8:16'];
const NO_STACK = /internal error|bug in nmsim|\n\s+at |node:internal/;

let tmp: string;
let bundle: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-outputs-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fresh(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** file → content of every file under dir (dot files included), for "untouched" checks */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const abs = path.join(e.parentPath ?? e.path, e.name);
      out[path.relative(dir, abs)] = fs.readFileSync(abs, 'base64');
    }
  }
  return out;
}

/** the pid of a process that has exited (for "left by a dead run" fixtures) */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** analyze the synthetic bundle at 8:16 (or the --patterns in `extra`) into `out` */
const analyzeTo = (out: string, extra: string[] = [], opts = {}) =>
  runCli(['analyze', bundle, ...ANALYZE_FAST, ...(extra.includes('--patterns') ? [] : ['--patterns', '8:16']), '--out', out, ...extra], opts);

describe('every command that writes refuses an --out folder holding a file it did not write', () => {
  const capture = ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'].every((f) => hasShared(f));
  const commands: [string, (out: string) => CliResult][] = [
    ['analyze', (out) => analyzeTo(out)],
    ['review', (out) => runCli(['review', '--traces', bundle, ...REVIEW_FAST, '--out', out])],
    ...(capture
      ? ([[
          'capture',
          (out: string) =>
            runCli(['capture', '--model', sharedPath('models/stories260K.bin'), '--tokenizer', sharedPath('models/tok512.bin'), '--text', sharedPath('data/tinystories_hf_validation_head.stories.txt'), '--stories', '1', '--patterns', '2:4', '--trace-tokens', '8', '--out', out]),
        ]] as [string, (out: string) => CliResult][])
      : []),
  ];
  test.each(commands)('%s: exit 1, the file named, the folder untouched', (_name, run) => {
    const out = fresh(`foreign-${_name}`);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'my notes');
    fs.mkdirSync(path.join(out, 'drafts'));
    fs.writeFileSync(path.join(out, 'drafts', 'a.md'), 'draft');
    const before = snapshot(out);
    const r = run(out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('notes.txt');
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(`.${path.basename(out)}`))).toEqual([]);
  });
});

describe('nmsim analyze --out', () => {
  test('creates a new folder with a marker that lists exactly the files it wrote, and replaces it on the next run', () => {
    const out = path.join(fresh('analyze-new'), 'a');
    expect(analyzeTo(out).code).toBe(0);
    const marker = JSON.parse(fs.readFileSync(path.join(out, '.nmsim-output.json'), 'utf8'));
    expect(marker.kind).toBe('analysis');
    expect(marker.files).toEqual(fs.readdirSync(out).filter((f) => f !== '.nmsim-output.json').sort());
    expect(marker.files).toEqual(['analysis.json', ...ANALYSIS_CSV_FILES].sort());
    const again = analyzeTo(out, ['--patterns', '2:4']);
    expect(again.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'analysis.json'), 'utf8')).runs[0].configs[0].pattern).toBe('2:4');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['a']);
  });

  test('replaces an analysis folder written before the marker existed (analysis.json by nmsim, analysis CSVs only)', () => {
    const out = path.join(fresh('analyze-legacy'), 'a');
    expect(analyzeTo(out).code).toBe(0);
    fs.rmSync(path.join(out, '.nmsim-output.json'));
    const r = analyzeTo(out, ['--patterns', '2:4']);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, '.nmsim-output.json'))).toBe(true);
  });

  test('never replaces its own input: B, B/., ./B and a symlink to B are refused (exit 1) and B is intact', () => {
    const before = snapshot(bundle);
    const link = path.join(tmp, 'bundle-link');
    if (!fs.existsSync(link)) fs.symlinkSync(bundle, link);
    for (const [trace, out, cwd] of [
      [bundle, bundle, REPO_ROOT],
      [bundle, `${bundle}/.`, REPO_ROOT],
      ['./bundle', 'bundle', tmp],
      [bundle, link, REPO_ROOT],
      [link, bundle, REPO_ROOT],
    ]) {
      const r = runCli(['analyze', trace, ...ANALYZE_816, '--out', out], { cwd });
      expect([out, r.code]).toEqual([out, 1]);
      expect(r.stderr).toContain('output/is-input');
      expect(r.stderr).not.toMatch(NO_STACK);
    }
    expect(snapshot(bundle)).toEqual(before);
  });

  test('refuses an --out inside the input bundle, and one that contains it', () => {
    const holder = fresh('holder');
    const inner = path.join(holder, 'b');
    fs.cpSync(bundle, inner, { recursive: true });
    const inside = analyzeTo(path.join(bundle, 'analysis'));
    expect(inside.code).toBe(1);
    expect(inside.stderr).toContain('output/inside-input');
    expect(fs.existsSync(path.join(bundle, 'analysis'))).toBe(false);
    const contains = runCli(['analyze', inner, ...ANALYZE_816, '--out', holder]);
    expect(contains.code).toBe(1);
    expect(contains.stderr).toContain('output/contains-input');
    expect(fs.readdirSync(holder)).toEqual(['b']);
  });

  test('refuses an --out that is a file (exit 1), leaving the file as it was', () => {
    const file = path.join(fresh('file-out'), 'results.csv');
    fs.writeFileSync(file, 'a,b\n1,2\n');
    const r = analyzeTo(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('output/not-a-folder');
    expect(fs.readFileSync(file, 'utf8')).toBe('a,b\n1,2\n');
  });

  test('refuses a FIFO; follows a link to a folder (writing where it points, the link kept) and refuses a dangling one', () => {
    const d = fresh('links');
    spawnSync('mkfifo', [path.join(d, 'fifo')]);
    const fifo = analyzeTo(path.join(d, 'fifo'));
    expect(fifo.code).toBe(1);
    expect(fifo.stderr).toContain('is a FIFO');
    fs.symlinkSync(path.join(d, 'real'), path.join(d, 'latest'));
    const dangling = analyzeTo(path.join(d, 'latest'));
    expect(dangling.code).toBe(1);
    expect(dangling.stderr).toContain('output/not-a-folder');
    fs.mkdirSync(path.join(d, 'real'));
    expect(analyzeTo(path.join(d, 'latest')).code).toBe(0);
    expect(analyzeTo(path.join(d, 'latest'), ['--patterns', '2:4']).code).toBe(0);
    expect(fs.lstatSync(path.join(d, 'latest')).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(path.join(d, 'real'))).toContain('analysis.json');
    expect(fs.readdirSync(d).sort()).toEqual(['fifo', 'latest', 'real']);
  });

  test('refuses the working folder, its parents and /, and an empty --out is a usage error', () => {
    const work = fresh('cwd');
    fs.writeFileSync(path.join(work, 'keep.txt'), 'k');
    for (const out of ['.', './', '..', '/']) {
      const r = runCli(['analyze', bundle, ...ANALYZE_816, '--out', out], { cwd: work });
      expect([out, r.code]).toEqual([out, 1]);
      expect(r.stderr).toContain('output/protected');
    }
    expect(fs.readdirSync(work)).toEqual(['keep.txt']);
    const home = fresh('home');
    const r = runCli(['analyze', bundle, ...ANALYZE_816, '--out', home], { env: { HOME: home } });
    expect(r.stderr).toContain('your home folder');
    const empty = runCli(['analyze', bundle, ...ANALYZE_816, '--out', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('output/empty-path');
  });
});

const SHARED_CAPTURE = ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'];
(SHARED_CAPTURE.every((f) => hasShared(f)) ? describe : describe.skip)('nmsim capture --out', () => {
  test('replaces a bundle nmsim captured before the marker existed (a copy of the shipped one), never the exporter\'s', () => {
    const out = path.join(fresh('capture-legacy'), 'stories260k');
    fs.cpSync(path.join(REPO_ROOT, 'traces', 'stories260k'), out, { recursive: true });
    const capture = (o: string) =>
      runCli(['capture', '--model', sharedPath(SHARED_CAPTURE[0]), '--tokenizer', sharedPath(SHARED_CAPTURE[1]), '--text', sharedPath(SHARED_CAPTURE[2]), '--stories', '1', '--patterns', '2:4', '--trace-tokens', '8', '--out', o]);
    const r = capture(out);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, '.nmsim-output.json'), 'utf8')).files).toEqual(['2of4-magnitude-none.safetensors', 'dense.safetensors', 'manifest.json', 'weights.safetensors']);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    manifest.source.tool = 'nmsim torch_export.py 0.1.0';
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
    fs.rmSync(path.join(out, '.nmsim-output.json'));
    const exporter = capture(out);
    expect(exporter.code).toBe(1);
    expect(exporter.stderr).toContain('output/not-nmsim-output');
  });
});

describe('nmsim review --out', () => {
  test('a one-line run.json does not make a folder replaceable: refused, every file named', () => {
    const out = fresh('fake-report');
    fs.writeFileSync(path.join(out, 'run.json'), '{"format":"nmsim-review-run"}');
    fs.writeFileSync(path.join(out, 'thesis.tex'), 'precious');
    const r = runCli(['review', '--traces', bundle, ...REVIEW_FAST, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('thesis.tex');
    expect(fs.readFileSync(path.join(out, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  test('does not replace an earlier report once a user file was put inside it (that file named and kept)', () => {
    const out = path.join(fresh('report'), 'r');
    expect(runCli(['review', '--traces', bundle, ...REVIEW_FAST, '--out', out]).code).toBe(0); // (replacing it: review-cli.test.ts)
    fs.writeFileSync(path.join(out, 'my-comments.md'), 'do not lose');
    const r = runCli(['review', '--traces', bundle, ...REVIEW_FAST, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('output/foreign-files');
    expect(r.stderr).toContain('my-comments.md');
    expect(fs.readFileSync(path.join(out, 'my-comments.md'), 'utf8')).toBe('do not lose');
    expect(fs.existsSync(path.join(out, 'design-review.md'))).toBe(true);
  });

  test('checks --out before reading any input (the refusal, not the missing bundle, is reported)', () => {
    const out = fresh('early');
    fs.writeFileSync(path.join(out, 'x.txt'), 'x');
    const r = runCli(['review', '--traces', path.join(tmp, 'no-such-bundle'), ...REVIEW_FAST, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x.txt');
    expect(r.stderr).not.toContain('trace/missing-file');
  });
});

describe('interrupted and concurrent runs', () => {
  test('a kill between the two renames leaves the old output aside; the next run restores it and says so', () => {
    const parent = fresh('killed');
    const out = path.join(parent, 'a');
    expect(analyzeTo(out).code).toBe(0);
    const before = snapshot(out);
    const killed = analyzeTo(out, [], withFault('kill-before-publish'));
    expect(killed.code).toBe(-1); // SIGKILL: no exit status
    expect(fs.existsSync(out)).toBe(false);
    const stranded = fs.readdirSync(parent).filter((f) => f.startsWith('.a.'));
    expect(stranded.length).toBeGreaterThan(0);
    // the next run to the same --out puts the old output back first; this one then fails on its
    // missing input, so what is left is exactly the restored folder
    const next = runCli(['analyze', path.join(parent, 'missing-bundle'), ...ANALYZE_816, '--out', out]);
    expect(next.code).toBe(1);
    expect(next.stderr).toContain('trace/missing-file');
    expect(next.stderr).toContain('output/restored');
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(parent).sort()).toEqual(['a']);
  });

  test('an output 0.1.0 left set aside (.a.tmp-PID-HEX.old, target gone) is restored by the next run', () => {
    const parent = fresh('legacy-old');
    const out = path.join(parent, 'a');
    expect(analyzeTo(out).code).toBe(0);
    fs.rmSync(path.join(out, '.nmsim-output.json'));
    const before = snapshot(out);
    fs.renameSync(out, path.join(parent, `.a.tmp-${deadPid()}-0123abcd.old`));
    const r = runCli(['analyze', path.join(parent, 'missing-bundle'), ...ANALYZE_816, '--out', out]);
    expect(r.stderr).toContain('output/restored');
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['a']);
  });

  test('temporaries of dead runs (new and old naming) are removed by the next run with a note; a live run\'s are left alone', () => {
    const parent = fresh('stale');
    const out = path.join(parent, 'a');
    const dead = deadPid();
    const staleNew = path.join(parent, `.a.nmsim-tmp-${dead}-0123abcd`);
    const staleOld = path.join(parent, `.a.tmp-${dead}-89abcdef`);
    const live = path.join(parent, `.a.nmsim-tmp-${process.pid}-00000000`);
    for (const d of [staleNew, staleOld, live]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'summary.csv'), 'partial');
    }
    const r = analyzeTo(out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('output/removed-temporary');
    expect(r.stderr).toContain(path.basename(staleNew));
    expect(r.stderr).toContain(path.basename(staleOld));
    expect(fs.readdirSync(parent).sort()).toEqual([path.basename(live), 'a'].sort());
  });

  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ])('a %s (Ctrl-C, kill) while the folder is written removes the temporary, keeps the previous output and exits %d', (signal, exitCode) => {
    const parent = fresh(`signal-${signal}`);
    const out = path.join(parent, 'a');
    expect(analyzeTo(out).code).toBe(0);
    const before = snapshot(out);
    const r = analyzeTo(out, ['--patterns', '2:4'], withFault(`signal-during-write:${signal}`));
    expect(r.code).toBe(exitCode);
    expect(r.stderr).toContain('interrupted');
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['a']);
  });

  test('two concurrent runs to one --out: the first wins, the second exits 1 naming it, no temporaries left', async () => {
    const parent = fresh('concurrent');
    const out = path.join(parent, 'a');
    const child = spawn(process.execPath, [CLI, 'analyze', bundle, ...ANALYZE_816, '--out', out], {
      env: { ...process.env, NMSIM_FAULT: 'slow-write:300', NODE_OPTIONS: `--import ${FAULT}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstErr = '';
    child.stderr.on('data', (d) => (firstErr += d));
    const firstDone = new Promise<number | null>((resolve) => child.on('close', resolve));
    // wait until the first run is writing (its temporary folder exists)
    const deadline = Date.now() + 30_000;
    let exited = false;
    void firstDone.then(() => (exited = true));
    while (!exited && !fs.readdirSync(parent).some((f) => /^\.a\..*tmp-/.test(f)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const second = analyzeTo(out);
    expect(await firstDone).toBe(0);
    expect(firstErr).toBe('');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('output/busy');
    expect(second.stderr).toContain(`pid ${child.pid}`);
    expect(fs.readdirSync(parent)).toEqual(['a']);
    expect(JSON.parse(fs.readFileSync(path.join(out, '.nmsim-output.json'), 'utf8')).files).toContain('analysis.json');
  });

  test('a lock left by a dead run is taken over, with a note', () => {
    const parent = fresh('stale-lock');
    fs.writeFileSync(path.join(parent, '.a.nmsim-lock'), JSON.stringify({ pid: deadPid(), token: 'x', command: 'nmsim analyze', started: '2020-01-01T00:00:00Z' }));
    const r = analyzeTo(path.join(parent, 'a'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('output/stale-lock');
    expect(fs.readdirSync(parent)).toEqual(['a']);
  });
});

describe('closed pipes and file-system errors', () => {
  test('--json into a closed pipe exits 0 quietly (no EPIPE stack), for | true and | head -c 100', () => {
    for (const reader of ['true', 'head -c 100 >/dev/null']) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" analyze "${bundle}" --patterns 2:4,8:16 --json 2>"${tmp}/epipe.err" | ${reader}; echo "\${PIPESTATUS[0]}"`], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      expect([reader, r.stdout.trim()]).toEqual([reader, '0']);
      expect(fs.readFileSync(path.join(tmp, 'epipe.err'), 'utf8')).toBe('');
    }
  });

  test('--json into a full disk (/dev/full) is io/enospc on stderr, exit 1', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" analyze "${bundle}" --patterns 2:4 --json > /dev/full`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('io/enospc');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  test('an --out under a file is io/enotdir (exit 1) naming that file', () => {
    const file = path.join(fresh('enotdir'), 'plain-file');
    fs.writeFileSync(file, 'x');
    const r = analyzeTo(path.join(file, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('io/enotdir');
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  test('an --out the system refuses (/sys, /proc) is exit 1 with the path, not a bug report', () => {
    for (const out of ['/sys/nmsim-test-out', '/proc/nmsim-test-out']) {
      const r = analyzeTo(out);
      expect([out, r.code]).toEqual([out, 1]);
      expect(r.stderr).toMatch(/io\/e[a-z]+/);
      expect(r.stderr).toContain(out);
      expect(r.stderr).not.toMatch(NO_STACK);
    }
  });

  test('a full disk (injected ENOSPC) is io/enospc, exit 1; the previous output stays and no temporary is left', () => {
    const parent = fresh('enospc');
    const out = path.join(parent, 'a');
    expect(analyzeTo(out).code).toBe(0);
    const before = snapshot(out);
    const r = analyzeTo(out, ['--patterns', '2:4'], withFault('errno:ENOSPC'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('io/enospc');
    expect(r.stderr).toMatch(/disk is full/);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['a']);
  });

  test.each([
    ['EROFS', /read-only/],
    ['EACCES', /permission/],
    ['EISDIR', /is a folder/],
  ])('an injected %s while writing is io/<errno>, exit 1, naming the path and the cause', (code, cause) => {
    const out = path.join(fresh(`errno-${code}`), 'a');
    const r = analyzeTo(out, [], withFault(`errno:${code}`));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`io/${code.toLowerCase()}`);
    expect(r.stderr).toMatch(cause);
    expect(r.stderr).toMatch(/\.a\.nmsim-tmp-\d+-[0-9a-f]{8}/);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });
});
