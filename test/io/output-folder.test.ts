import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { claimOutputFolder, writeOutputFolder } from '../../src/io/output-folder.js';
import { OUTPUT_MARKER, parseMarker, type OutputKind } from '../../src/io/output-kind.js';
import { inspectExisting } from '../../src/io/output-target.js';
import { lockPath, parseTempName, tempPath } from '../../src/io/temp-names.js';
import { REVIEW_REPORT_OUTPUT, writeReviewReport } from '../../src/report/write-report.js';
import { TRACE_BUNDLE_OUTPUT } from '../../src/trace/writer.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { fixtureReviewData } from '../report/fixture.js';

const KIND: OutputKind = { id: 'test-output', label: 'test output' };
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-io-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string> = {}): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    fs.writeFileSync(path.join(d, f), text);
  }
  return d;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isNmsimError(e) ? `${e.diagnostics[0].code}: ${e.diagnostics[0].found ?? ''}` : `not an NmsimError: ${String(e)}`;
  }
}

const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('temporary names', () => {
  it('are recognised for their own target only, in the current and the 0.1.0 naming', () => {
    const target = path.join(tmp, 'r');
    const t = path.basename(tempPath(target, 'tmp'));
    expect(parseTempName(target, t)).toEqual({ name: t, role: 'tmp', pid: process.pid, legacy: false });
    expect(parseTempName(target, '.r.tmp-123-0a1b2c3d.old')).toEqual({ name: '.r.tmp-123-0a1b2c3d.old', role: 'old', pid: 123, legacy: true });
    expect(parseTempName(path.join(tmp, 'rr'), t)).toBeUndefined();
    expect(parseTempName(target, '.r.tmp-123-xyz')).toBeUndefined();
    expect(parseTempName(target, 'r.nmsim-tmp-1-0a1b2c3d')).toBeUndefined();
  });

  it('stay within 255 bytes for a 250-byte folder name, and still name their target', () => {
    const target = path.join(tmp, 'é'.repeat(125)); // 250 bytes of UTF-8
    for (const p of [tempPath(target, 'tmp'), tempPath(target, 'old'), lockPath(target)]) {
      expect(Buffer.byteLength(path.basename(p))).toBeLessThanOrEqual(255);
    }
    const t = path.basename(tempPath(target, 'old'));
    expect(parseTempName(target, t)?.role).toBe('old');
    expect(parseTempName(path.join(tmp, 'é'.repeat(124) + 'e'), t)).toBeUndefined();
  });
});

describe('writeOutputFolder', () => {
  it('writes a marker listing exactly the files written (subfolders too), then replaces only those', async () => {
    const out = path.join(tmp, 'w', 'out');
    await writeOutputFolder(out, KIND, async (d) => {
      fs.mkdirSync(path.join(d, 'sub'));
      fs.writeFileSync(path.join(d, 'sub', 'x.bin'), 'x');
      fs.writeFileSync(path.join(d, 'a.txt'), 'a');
    });
    const marker = parseMarker(fs.readFileSync(path.join(out, OUTPUT_MARKER), 'utf8'));
    expect(typeof marker === 'object' && [marker.kind, marker.files]).toEqual(['test-output', ['a.txt', 'sub/x.bin']]);
    await writeOutputFolder(out, KIND, async (d) => fs.writeFileSync(path.join(d, 'b.txt'), 'b'));
    expect(fs.readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'b.txt']);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
  });

  it('refuses at swap time a folder that gained a user file while the output was computed; the file stays', async () => {
    const out = path.join(tmp, 'race', 'out');
    await writeOutputFolder(out, KIND, async (d) => fs.writeFileSync(path.join(d, 'a.txt'), 'a'));
    const claim = await claimOutputFolder(out, KIND);
    fs.writeFileSync(path.join(out, 'late-notes.md'), 'mine');
    const code = await codeOf(claim.write(async (d) => fs.writeFileSync(path.join(d, 'a.txt'), 'new')));
    await claim.release();
    expect(code).toBe('output/foreign-files: late-notes.md');
    expect(fs.readFileSync(path.join(out, 'late-notes.md'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('a');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
  });

  it('joins a claim already held on the same folder (a library writer inside a command) and then unlocks', async () => {
    const out = path.join(tmp, 'joined', 'out');
    const outer = await claimOutputFolder(out, KIND, { inputs: [REPO_ROOT + '/traces'] });
    await writeOutputFolder(path.join(out, '.', ''), KIND, async (d) => fs.writeFileSync(path.join(d, 'a.txt'), 'a'));
    expect(fs.existsSync(lockPath(out))).toBe(true);
    await outer.release();
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
  });

  it('removes the folders a claim created when it ends without writing', async () => {
    const top = path.join(tmp, 'never-written');
    const claim = await claimOutputFolder(path.join(top, 'a', 'b', 'out'), KIND);
    expect(fs.existsSync(path.join(top, 'a', 'b'))).toBe(true);
    await claim.release();
    expect(fs.existsSync(top)).toBe(false);
  });

  it('stops at a lock held by a live process, naming its pid; takes over an unreadable old lock', async () => {
    const out = path.join(dir('locks'), 'out');
    fs.writeFileSync(lockPath(out), JSON.stringify({ pid: process.ppid, token: 't', command: 'nmsim review' }));
    expect(await codeOf(claimOutputFolder(out, KIND))).toBe('output/busy: nmsim review');
    fs.writeFileSync(lockPath(out), 'garbage');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPath(out), old, old);
    const warnings: Diagnostic[] = [];
    const claim = await claimOutputFolder(out, KIND, { onWarning: (d) => warnings.push(d) });
    await claim.release();
    expect(warnings.map((w) => w.code)).toEqual(['output/stale-lock']);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });

  it('never takes over a lock written on another host (a shared disk), even with a pid that is dead here', async () => {
    const out = path.join(dir('other-host'), 'out');
    fs.writeFileSync(lockPath(out), JSON.stringify({ pid: deadPid(), token: 't', host: 'not-this-host.example', command: 'nmsim capture' }));
    const code = await codeOf(claimOutputFolder(out, KIND));
    expect(code).toBe('output/busy: nmsim capture');
    expect(fs.existsSync(lockPath(out))).toBe(true);
  });

  it('cleans a lock a dead run was taking over when it died', async () => {
    const out = path.join(dir('aside'), 'out');
    const aside = `${lockPath(out)}.stale-${deadPid()}-0123456789abcdef`;
    fs.writeFileSync(aside, '{}');
    const warnings: Diagnostic[] = [];
    await writeOutputFolder(out, KIND, async (d) => fs.writeFileSync(path.join(d, 'a'), ''), { onWarning: (d) => warnings.push(d) });
    expect(warnings.map((w) => w.code)).toEqual(['output/removed-temporary']);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
  });
});

describe('what may be replaced', () => {
  const inspect = (d: string, kind: OutputKind = KIND) => codeOf(inspectExisting({ given: d, real: d }, kind));

  it('not a folder of another kind, one with an unreadable marker, a link or an empty subfolder inside', async () => {
    const marker = (kind: string) => JSON.stringify({ format: 'nmsim-output', version: 1, kind, tool_version: '0.1.0', files: ['a.txt'] });
    expect(await inspect(dir('k1', { [OUTPUT_MARKER]: marker('analysis'), 'a.txt': '' }))).toBe('output/other-kind: ');
    expect(await inspect(dir('k2', { [OUTPUT_MARKER]: '{"format":"nmsim-output","version":1,"kind":"test-output","files":["../x"]}' }))).toMatch(/^output\/not-nmsim-output/);
    const withLink = dir('k3', { [OUTPUT_MARKER]: marker('test-output'), 'a.txt': '' });
    fs.symlinkSync('/etc', path.join(withLink, 'etc'));
    fs.mkdirSync(path.join(withLink, 'empty'));
    expect(await inspect(withLink)).toBe('output/foreign-files: empty/, etc (a link)');
    expect(await codeOf(inspectExisting({ given: 'x', real: dir('k4', { [OUTPUT_MARKER]: marker('test-output'), 'a.txt': '' }) }, KIND))).toBe('resolved');
  });

  it('lists at most ten foreign files, then how many more', async () => {
    const files = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, '']));
    expect(await inspect(dir('many', files))).toBe('output/not-nmsim-output: f00.txt, f01.txt, f02.txt, f03.txt, f04.txt, f05.txt, f06.txt, f07.txt, f08.txt, f09.txt and 3 more');
  });

  it('accepts a report folder from before the marker only when run.json is a review run.json listing every file', async () => {
    const out = path.join(tmp, 'legacy-report');
    await writeReviewReport(out, fixtureReviewData(), { toolVersion: '0.1.0', command: 'test', timingsMs: {} });
    fs.rmSync(path.join(out, OUTPUT_MARKER));
    const seen = await inspectExisting({ given: out, real: out }, REVIEW_REPORT_OUTPUT);
    expect(seen.state === 'folder' && seen.owned.length).toBe(14);
    fs.writeFileSync(path.join(out, 'notes.md'), 'mine');
    expect(await inspect(out, REVIEW_REPORT_OUTPUT)).toBe('output/foreign-files: notes.md');
    fs.rmSync(path.join(out, 'notes.md'));
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    run.outputs = run.outputs.filter((o: { file: string }) => o.file !== 'design-review.md');
    fs.writeFileSync(path.join(out, 'run.json'), JSON.stringify(run));
    expect(await inspect(out, REVIEW_REPORT_OUTPUT)).toBe('output/foreign-files: design-review.md');
    fs.writeFileSync(path.join(out, 'run.json'), '{"format":"nmsim-review-run","tool":"nmsim"}');
    expect(await inspect(out, REVIEW_REPORT_OUTPUT)).toMatch(/^output\/not-nmsim-output: accuracy-vs-area.png/);
  });

  it('accepts the shipped bundle (captured by nmsim capture, no marker) as a trace bundle, but not an exporter bundle', async () => {
    const shipped = path.join(REPO_ROOT, 'traces', 'stories260k');
    const seen = await inspectExisting({ given: shipped, real: shipped }, TRACE_BUNDLE_OUTPUT);
    expect(seen.state === 'folder' && seen.owned.length).toBe(fs.readdirSync(shipped).length);
    const exported = dir('exported', {
      'manifest.json': JSON.stringify({ format: 'nmsim-trace', source: { tool: 'nmsim torch_export.py 1' }, runs: [{ sites: [{ tensor: { file: 'a.safetensors', key: 'x' } }] }] }),
      'a.safetensors': '',
    });
    expect(await inspect(exported, TRACE_BUNDLE_OUTPUT)).toMatch(/^output\/not-nmsim-output/);
  });
});

describe('stale temporaries beside an existing output', () => {
  it('removes a dead run\'s set-aside copy of nmsim\'s own output, keeps (and names) one holding a user file', async () => {
    const parent = dir('stale-old');
    const out = path.join(parent, 'out');
    await writeOutputFolder(out, KIND, async (d) => fs.writeFileSync(path.join(d, 'a.txt'), 'a'));
    const pid = deadPid();
    const own = path.join(parent, `.out.nmsim-old-${pid}-00000001`);
    fs.cpSync(out, own, { recursive: true });
    fs.rmSync(path.join(own, 'a.txt')); // its removal was cut short: the marker (deleted last) is still there
    const foreign = path.join(parent, `.out.tmp-${pid}-00000002.old`);
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'thesis.tex'), 'precious');
    const warnings: Diagnostic[] = [];
    await writeOutputFolder(out, KIND, async (d) => fs.writeFileSync(path.join(d, 'a.txt'), 'b'), { onWarning: (d) => warnings.push(d) });
    expect(warnings.map((w) => w.code).sort()).toEqual(['output/kept-old', 'output/removed-temporary']);
    expect(fs.readdirSync(parent).sort()).toEqual([path.basename(foreign), 'out']);
    expect(fs.readFileSync(path.join(foreign, 'thesis.tex'), 'utf8')).toBe('precious');
  });
});
