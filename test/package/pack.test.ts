/**
 * The package is a usable library: `npm pack` ships dist/, the profiles and tech files, the
 * shipped trace bundle and the README — nothing of test/, src/ or bench/ — and a project that
 * installs the tarball (offline: its dependencies are this repo's node_modules, linked) can
 * import runReview, simulate, areaReport and analyze from 'nmsim', and run the `nmsim` binary on
 * the shipped profiles and traces. Needs the built dist/ (`npm test` builds it first). ~15 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let tmp: string;
let project: string;
let packed: string[];

beforeAll(async () => {
  expect(existsSync(path.join(REPO_ROOT, 'dist', 'index.js'))).toBe(true);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-pack-'));
  // --ignore-scripts: dist/ is already built; `prepare` would rebuild it in place
  const out = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const info = JSON.parse(out)[0] as { filename: string; files: { path: string }[] };
  packed = info.files.map((f) => f.path);
  project = path.join(tmp, 'consumer');
  await fs.mkdir(path.join(project, 'node_modules'), { recursive: true });
  await fs.writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  // offline: every dependency is linked from this repo's node_modules (no registry, no cache);
  // --ignore-scripts, so npm never runs a linked package's own scripts
  const deps = Object.keys(JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).dependencies);
  for (const d of deps) {
    await fs.mkdir(path.dirname(path.join(project, 'node_modules', d)), { recursive: true });
    await fs.symlink(path.join(REPO_ROOT, 'node_modules', d), path.join(project, 'node_modules', d), 'dir');
  }
  const install = spawnSync(NPM, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', path.join(tmp, info.filename)], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect({ code: install.status, stderr: install.status === 0 ? '' : install.stderr }).toEqual({ code: 0, stderr: '' });
}, 120_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function node(args: string[], cwd = project): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('npm pack', () => {
  it('ships the built library, the CLI, profiles, tech files, the shipped bundle and the README — no sources, tests or benches', () => {
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'hardware-profiles/act-8of16.yaml', 'hardware-profiles/tech/nangate45.yaml', 'traces/stories260k/manifest.json']) {
      expect({ f, shipped: packed.includes(f) }).toEqual({ f, shipped: true });
    }
    expect(packed.filter((f) => /^(src|test|bench|\.ci|node_modules|reports)\//.test(f) || f.endsWith('.test.js'))).toEqual([]);
  });

  it('every dist/ file comes from a source file of src/ (no stale build output of a moved file)', async () => {
    const stale: string[] = [];
    for (const f of packed.filter((p) => p.startsWith('dist/'))) {
      const stem = f.slice('dist/'.length).replace(/(\.d\.ts|\.js\.map|\.js)$/, '');
      if (!existsSync(path.join(REPO_ROOT, 'src', `${stem}.ts`))) stale.push(f);
    }
    expect(stale).toEqual([]);
  });
});

describe('an installed nmsim', () => {
  it('exports runReview, simulate, areaReport and analyze from "nmsim", with types', async () => {
    const r = node(['--input-type=module', '-e', "import * as n from 'nmsim'; console.log(JSON.stringify(['runReview','simulate','areaReport','analyze'].map((k) => typeof n[k])))"]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['function', 'function', 'function', 'function']);
    const pkg = JSON.parse(await fs.readFile(path.join(project, 'node_modules', 'nmsim', 'package.json'), 'utf8'));
    expect(existsSync(path.join(project, 'node_modules', 'nmsim', pkg.exports['.'].types))).toBe(true);
  });

  it('type-checks a TypeScript consumer (NodeNext) against the exported types', async () => {
    const src = [
      "import { runReview, simulate, areaReport, analyze, nm, type ReviewOptions, type SimulateInput, type AreaReport } from 'nmsim';",
      "const options: ReviewOptions = { patterns: [nm(8, 16)], decodeBatches: [1, 8] };",
      'export const entryPoints: [typeof runReview, typeof simulate, typeof areaReport, typeof analyze] = [runReview, simulate, areaReport, analyze];',
      "export type Inputs = [ReviewOptions, SimulateInput['phase'], AreaReport['core']];",
      'export { options };',
    ].join('\n');
    await fs.writeFile(path.join(project, 'consumer.ts'), src + '\n');
    const tsconfig = { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] };
    await fs.writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const r = node([path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: '' });
  });

  it('computes an area report through the public API on a shipped profile', () => {
    const script = [
      "import { loadProfile, loadTech, areaReport, resolveProfileRef } from 'nmsim';",
      "const p = await loadProfile(resolveProfileRef('act-8of16'));",
      'const r = areaReport(p.profile, await loadTech(p.profile.tech, p.techDirs));',
      'console.log(JSON.stringify({ profile: r.profile, overhead: r.core.overheadVsDense > 0 }));',
    ].join('\n');
    const r = node(['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ profile: 'act-8of16', overhead: true });
  });

  it('runs `nmsim review` on the shipped traces and profiles from the installed package', () => {
    const bin = path.join(project, 'node_modules', 'nmsim', 'dist', 'cli', 'main.js');
    const r = node([bin, 'review', '--profiles', 'act-8of16', '--patterns', '8:16', '--criteria', 'magnitude', '--mitigations', 'none', '--out', 'review', '--json', '--no-progress']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // design axes (issue 16): one chosen variant of act-8of16 per provisioning, 18 variants in all
    expect(j.design_points).toBe(2);
    expect(j.variants).toHaveLength(18);
    expect(j.recommendation).toMatch(/8:16 \(act-8of16 · [a-z· -]+\)/);
  });
});
