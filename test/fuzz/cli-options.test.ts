/**
 * Property suite over the CLI option space (issue 11). Seeded fast-check generates argument
 * vectors for every command — valid and invalid values, empty strings, huge numbers, NaN,
 * negatives, unicode, repeated and unknown options — and runs each through the built CLI in a
 * child process. Every run must:
 *   - exit 0, 1 or 2 — never 3 (a bug), never a signal or a timeout;
 *   - print no stack trace and no "internal error";
 *   - with --json, print parseable JSON whenever it prints anything on stdout;
 *   - when it exits 0, finish in bounded time (the sizes that are accepted are bounded).
 * About 170 cases, run a few at a time; on two idle cores this takes about a minute. A failure
 * lists every failing argument vector with the end of its stderr; NMSIM_FUZZ_SUMMARY=FILE
 * writes every vector, its exit code and time, and a summary per command, to FILE;
 * NMSIM_FUZZ_CLI=PATH runs another build of the CLI (e.g. an older commit's dist/cli/main.js).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { writeSyntheticBundle } from '../review/synthetic-bundle.js';

const SEED = 20260111;
/** an accepted run must finish within this (the largest accepted sizes take a few seconds) */
const EXIT0_MS = 30_000;
/** any run: killed (and reported) after this */
const KILL_MS = 60_000;
const CONCURRENCY = Math.max(2, Math.min(4, os.cpus().length));
const STACK = /\n\s+at .+:\d+(:\d+)?\)?\s*(\n|$)/;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-fuzz-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'numpy');
const BUNDLE = path.join(FIXTURE, 'bundle');

// ----- inputs the generated vectors point at -----------------------------------------------

function profileDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'fuzz-core',
    description: 'fuzz test core; illustrative',
    illustrative: true,
    clock: '1 GHz',
    tensorCore: { count: 4, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: 4, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: {
      operand: 'activation',
      patterns: ['2:4', '8:16'],
      metadataEncoding: 'index',
      selectorStyle: 'sorted-mux',
      effect: 'skipping',
      fallback: 'dense',
      onlinePruning: { kind: 'hardware', network: 'batcher', groupsPerCycle: 2, latencyCycles: 10 },
    },
    memory: { buffers: [{ name: 'operand-buffer', size: '64 KiB', bandwidthBytesPerCycle: 64 }], dramBandwidth: '100 GB/s', dramLatency: '300 ns' },
    tech: 'nangate45',
    ...overrides,
  };
}

function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);

const PROFILES = {
  good: write('profiles/good.yaml', stringify(profileDoc())),
  localTech: write('profiles/local/core.yaml', stringify(profileDoc({ tech: 'mynode' }))),
  pathTech: write('profiles/evil.yaml', stringify(profileDoc({ tech: '../../../../etc/passwd' }))),
  hugeK: write('profiles/huge-k.yaml', stringify(profileDoc({ tensorCore: { count: 4, lanes: 16, denseKPerCycle: 1e8, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' } }))),
  tinyBuffer: write('profiles/tiny-buffer.yaml', stringify(profileDoc({ tensorCore: { count: 4, lanes: 1, denseKPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' }, memory: { buffers: [{ name: 'b', size: '64 B', bandwidthBytesPerCycle: 8 }], dramBandwidth: '100 GB/s', dramLatency: '300 ns' } }))),
  bomb: write('profiles/bomb.yaml', laughs.join('\n') + '\n'),
  brokenYaml: write('profiles/broken.yaml', 'name: x\ntensorCore: [1, 2\n'),
  brokenJson: write('profiles/broken.json', '{"name": secret}'),
  text: write('profiles/notes.yaml', 'just some text\nover two lines\n'),
};
fs.copyFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'tech', 'nangate45.yaml'), write('profiles/local/tech/mynode.yaml', ''));
const MEASURED = {
  // the analysis JSON `nmsim analyze` writes, reduced to the part simulate reads
  good: write('measured/good.json', JSON.stringify({ tool: 'nmsim fuzz', runs: [{ run_id: 'dense', configs: [{ pattern: '8:16', criterion: 'magnitude', mitigation: 'none', model: { slots: 1, kept_fraction: 0.5, union_density: [{ batch_size: 1, consecutive: 0.5 }, { batch_size: 8, consecutive: 0.9 }], compatibility: [] } }] }] })),
  bad: write('measured/bad.json', 'not json at all'),
};
const REVIEW_BUNDLE = path.join(tmp, 'review-bundle');
/** a fresh output folder per generated vector (runs go in parallel) */
let outputs = 0;
const freshOut = (kind: string) => fc.constant(kind).map((k) => path.join(tmp, k, `o${outputs++}`));

// ----- value generators ----------------------------------------------------------------------

/** a text value the shell could pass (no NUL: spawn refuses it) */
const anyText = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
const NASTY_NUMBERS = ['0', '-1', '-0', '1.5', '', ' ', 'NaN', 'Infinity', '-Infinity', '0x10', '1e3', '1_000', '１２', '٣', '+5', '007', 'abc', '🙂', '\u202e12', '1000000000000', '9'.repeat(400), '4294967296'];

/** a value generator split into values the option accepts and values it must refuse */
interface Values {
  valid: fc.Arbitrary<string>;
  invalid: fc.Arbitrary<string>;
}

function num(valid: fc.Arbitrary<number>, edges: { ok?: number[]; bad?: number[] } = {}): Values {
  return {
    valid: edges.ok ? fc.oneof({ weight: 5, arbitrary: valid.map(String) }, { weight: 1, arbitrary: fc.constantFrom(...edges.ok).map(String) }) : valid.map(String),
    invalid: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS, ...(edges.bad ?? []).map(String)) }, { weight: 1, arbitrary: anyText }),
  };
}

function oneOf(valid: string[], invalid: string[]): Values {
  return { valid: fc.constantFrom(...valid), invalid: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...invalid) }, { weight: 1, arbitrary: anyText }) };
}

const flag: Values = { valid: fc.constant(''), invalid: fc.constantFrom('maybe', '0', 'yes') };


const TOO_MANY_PATTERNS = Array.from({ length: 33 }, (_, i) => `${i + 1}:64`).join(',');
const patternsArb = oneOf(['2:4', '8:16', '2:4,8:16', '16:32,unstructured', '4:8', 'unstructured', '2:4,4:8,8:16,16:32'], ['', 'dense', ',', '16:8', '0:4', '1:65', '64:64', '2:4,2:4', TOO_MANY_PATTERNS, '2:4;8:16', '８:１６']);

interface CommandSpec {
  name: string;
  positional: Values;
  options: Record<string, Values>;
  /** options every vector carries */
  fixed?: string[];
  /** options that must be present (given valid unless they are the one made invalid) */
  required?: string[];
  /** boolean switches among the options (given as --name, or --name=VALUE when invalid) */
  switches?: string[];
  /** drops options that cannot act together in a vector meant to be accepted */
  tidy?: (opts: Record<string, string>) => Record<string, string>;
  runs: number;
}

/**
 * One argument vector. Every vector is tidied (options that cannot act together are dropped);
 * half are then "clean", every value valid, so most are accepted; the other half have one
 * option made invalid (or left out when required) and may carry a repeated or an unknown option.
 */
function vectors(spec: CommandSpec): fc.Arbitrary<string[]> {
  const names = Object.keys(spec.options);
  const values = fc.record(Object.fromEntries(names.map((k) => [k, spec.options[k].valid])) as Record<string, fc.Arbitrary<string>>);
  const present = fc.subarray(names.filter((n) => !(spec.required ?? []).includes(n)));
  return fc
    .tuple(
      fc.boolean(),
      spec.positional.valid,
      fc.oneof({ weight: 4, arbitrary: spec.positional.valid }, { weight: 1, arbitrary: spec.positional.invalid }),
      values,
      present,
      // the option to break: a required one (a profile, a model) twice as often as all the others together
      fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...names) }, { weight: 2, arbitrary: fc.constantFrom(...(spec.required ?? names)) }),
      rarely(fc.tuple(fc.constantFrom(...names), fc.oneof(anyText, fc.constantFrom('1', '2:4'))), 0.15),
      rarely(fc.constantFrom('--colour', '--tokenz', '-x', '--json=maybe'), 0.1),
    )
    .chain(([clean, goodPositional, anyPositional, all, chosen, broken, repeat, unknown]) =>
      spec.options[broken].invalid.map((badValue) => ({ clean, goodPositional, anyPositional, all, chosen, broken, badValue, repeat, unknown })),
    )
    .map(({ clean, goodPositional, anyPositional, all, chosen, broken, badValue, repeat, unknown }) => {
      let opts: Record<string, string> = {};
      for (const n of [...(spec.required ?? []), ...chosen]) opts[n] = all[n];
      if (spec.tidy) opts = spec.tidy(opts);
      if (!clean && (spec.required ?? []).includes(broken) && badValue === '') delete opts[broken];
      else if (!clean) opts[broken] = badValue;
      const out = [spec.name, ...(spec.positional === NONE ? [] : [clean ? goodPositional : anyPositional]), ...(spec.fixed ?? [])];
      for (const [k, v] of Object.entries(opts)) {
        if ((spec.switches ?? []).includes(k)) out.push(v === '' ? `--${k}` : `--${k}=${v}`);
        else out.push(`--${k}`, v);
      }
      if (!clean && repeat) out.push(`--${repeat[0]}`, repeat[1]);
      if (!clean && unknown) out.push(unknown);
      return out;
    });
}

/** a value with the given probability, else undefined */
function rarely<T>(arb: fc.Arbitrary<T>, probability: number): fc.Arbitrary<T | undefined> {
  const scale = 100;
  return fc.oneof({ weight: Math.round(probability * scale), arbitrary: arb }, { weight: Math.round((1 - probability) * scale), arbitrary: fc.constant(undefined) });
}

/** no positional argument */
const NONE: Values = { valid: fc.constant(''), invalid: fc.constant('') };

const shippedProfiles = ['a100-like', 'h100-like', 'act-2of4', 'act-8of16', 'act-flex'];
const profileArb: Values = {
  valid: fc.constantFrom(...shippedProfiles, PROFILES.good, PROFILES.localTech),
  invalid: fc.oneof(
    // files that are not usable profiles (exit 1) …
    { weight: 8, arbitrary: fc.constantFrom(PROFILES.pathTech, PROFILES.hugeK, PROFILES.tinyBuffer, PROFILES.bomb, PROFILES.brokenYaml, PROFILES.brokenJson, PROFILES.text, path.join(REPO_ROOT, 'hardware-profiles', 'tech', 'asap7.yaml')) },
    // … and names or paths that are no profile at all (exit 1 too: a missing input)
    { weight: 4, arbitrary: fc.constantFrom('act-8of17', '', path.join(tmp, 'missing.yaml'), tmp, '/dev/null') },
    { weight: 1, arbitrary: anyText },
  ),
};
const modelArb = oneOf(['llama3.1-8b', 'llama2-7b', 'qwen2.5-7b', 'gemma3-4b', BUNDLE], ['', 'llama-3.1-8b', 'gpt-5', 'bundle', path.join(tmp, 'nope')]);
const without = (o: Record<string, string>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

const COMMANDS: CommandSpec[] = [
  {
    name: 'simulate',
    positional: NONE,
    required: ['profile', 'model'],
    switches: ['json'],
    options: {
      profile: profileArb,
      model: modelArb,
      phase: oneOf(['prefill', 'decode'], ['', 'train', 'PREFILL']),
      tokens: num(fc.integer({ min: 1, max: 4096 }), { ok: [131072], bad: [131073] }),
      batch: num(fc.integer({ min: 1, max: 64 }), { ok: [8192], bad: [8193] }),
      context: num(fc.integer({ min: 1, max: 65536 }), { ok: [16777216], bad: [16777217] }),
      patterns: patternsArb,
      measured: oneOf([MEASURED.good], [MEASURED.bad, '', path.join(tmp, 'missing.json')]),
      json: flag,
    },
    tidy: (o) => (o.phase === 'prefill' ? without(o, 'batch', 'context') : without(o, 'tokens')),
    runs: 40,
  },
  {
    name: 'area',
    positional: NONE,
    required: ['profile'],
    switches: ['detail', 'json'],
    options: {
      profile: profileArb,
      patterns: patternsArb,
      node: oneOf(['nangate45', 'asap7', '5nm'], ['', 'tsmc3', '../tech/asap7']),
      selector: oneOf(['mux', 'sorted-mux', 'hierarchical'], ['', 'crossbar']),
      encoding: oneOf(['index', 'bitmask', 'combinatorial'], ['']),
      network: oneOf(['batcher', 'bitonic', 'selection', 'threshold'], ['', 'magic']),
      detail: flag,
      json: flag,
    },
    tidy: (o) => (o.json !== undefined ? without(o, 'detail') : o),
    runs: 30,
  },
  {
    name: 'inspect',
    positional: oneOf([BUNDLE, path.join(BUNDLE, 'manifest.json'), path.join(FIXTURE, 'values-f16.npy'), path.join(FIXTURE, 'values.safetensors')], ['', path.join(tmp, 'nothing-here'), PROFILES.good]),
    switches: ['json'],
    options: { 'max-tokens': num(fc.integer({ min: 1, max: 64 }), { ok: [Number.MAX_SAFE_INTEGER] }), json: flag },
    runs: 16,
  },
  {
    name: 'analyze',
    positional: oneOf([BUNDLE, path.join(FIXTURE, 'values-f32.npy')], ['', path.join(tmp, 'nothing-here')]),
    switches: ['json'],
    options: {
      patterns: patternsArb,
      criteria: oneOf(['magnitude', 'magnitude,clact'], ['', 'mag', 'amber,amber']),
      mitigations: oneOf(['none', 'none,var', 'dpts'], ['', 'spts-ish']),
      threads: num(fc.integer({ min: 0, max: 2 }), { bad: [65] }),
      seed: num(fc.integer({ min: 0, max: 100000 }), { ok: [4294967295], bad: [4294967296] }),
      'batch-sizes': oneOf(['1,2,4', '8'], ['', '0', '4097']),
      'random-batches': num(fc.integer({ min: 1, max: 4 })),
      json: flag,
    },
    runs: 14,
  },
  {
    name: 'review',
    positional: NONE,
    fixed: ['--traces', REVIEW_BUNDLE, '--profiles', 'act-8of16', '--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'],
    required: ['out'],
    switches: ['json'],
    options: {
      out: { valid: freshOut('reports'), invalid: fc.constantFrom('', REPO_ROOT, path.join(REPO_ROOT, 'src')) },
      model: oneOf(['llama3.1-8b', 'bundle'], ['', 'llama-3.1-8b']),
      patterns: patternsArb,
      'prefill-tokens': num(fc.integer({ min: 1, max: 4096 }), { bad: [131073] }),
      'decode-batches': oneOf(['1,8', '4', '8, 1'], ['', '0', '100000', '1,x', '4097']),
      'decode-batch': num(fc.integer({ min: 1, max: 16 }), { bad: [4097] }),
      context: num(fc.integer({ min: 1, max: 8192 })),
      json: flag,
    },
    tidy: (o) => without(o, 'decode-batch'),
    runs: 8,
  },
];

if (hasShared('models/stories260K.bin') && hasShared('models/tok512.bin') && hasShared('data/tinystories_hf_validation_head.stories.txt')) {
  const model = ['--model', sharedPath('models', 'stories260K.bin'), '--tokenizer', sharedPath('models', 'tok512.bin')];
  const text = sharedPath('data', 'tinystories_hf_validation_head.stories.txt');
  const calibrated = (m: string | undefined) => m !== undefined && /spts|affine/.test(m);
  COMMANDS.push(
    {
      name: 'generate',
      positional: NONE,
      fixed: model,
      switches: ['json'],
      options: {
        steps: num(fc.integer({ min: 1, max: 24 })),
        pattern: oneOf(['dense', '8:16', '2:4', 'unstructured'], ['', '16:8']),
        criterion: oneOf(['magnitude', 'clact'], ['', 'magnitude,amber']),
        mitigation: oneOf(['none', 'var', 'dpts', 'spts'], ['', 'none,var']),
        prompt: oneOf(['Once upon a time', '', 'Tom 🙂 ünïcode'], ['x'.repeat(20_000)]),
        text: oneOf([text], ['', path.join(tmp, 'missing.txt')]),
        'calib-offset': num(fc.integer({ min: 900, max: 990 })),
        'calib-stories': num(fc.integer({ min: 1, max: 2 })),
        json: flag,
      },
      tidy: (o) => {
        let t = o.pattern === undefined || o.pattern === 'dense' ? without(o, 'criterion', 'mitigation') : o;
        t = calibrated(t.mitigation) ? { ...t, text, 'calib-stories': '1' } : without(t, 'text', 'calib-offset', 'calib-stories');
        return t;
      },
      runs: 16,
    },
    {
      name: 'capture',
      positional: NONE,
      fixed: [...model, '--text', text, '--stories', '1'],
      switches: ['json', 'no-dense'],
      options: {
        offset: num(fc.integer({ min: 0, max: 990 })),
        patterns: oneOf(['2:4', 'dense,8:16', '8:16'], ['', '16:8']),
        criteria: oneOf(['magnitude'], ['']),
        mitigations: oneOf(['none', 'var'], ['', 'spts']),
        'trace-tokens': num(fc.integer({ min: 1, max: 64 }), { bad: [65_537] }),
        out: { valid: freshOut('bundles'), invalid: fc.constantFrom('', REPO_ROOT) },
        'no-dense': flag,
        json: flag,
      },
      tidy: (o) => (o.out === undefined ? without(o, 'trace-tokens') : o),
      runs: 8,
    },
  );
}

/** every size option at 10^12, where each used to run for ever, crash or be silently accepted */
const HUGE = '1000000000000';
const SIZES: string[][] = [
  ['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--phase', 'prefill', '--tokens', HUGE],
  ['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--batch', HUGE],
  ['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--context', HUGE],
  ['analyze', BUNDLE, '--threads', HUGE],
  ['analyze', BUNDLE, '--seed', HUGE],
  ['inspect', BUNDLE, '--max-tokens', HUGE],
  ...['--prefill-tokens', '--decode-batches', '--decode-batch', '--context'].map((o) => ['review', '--traces', REVIEW_BUNDLE, '--profiles', 'act-8of16', '--no-progress', '--out', path.join(tmp, 'reports', `huge${o}`), o, HUGE]),
];
if (hasShared('models/stories260K.bin') && hasShared('models/tok512.bin')) {
  const m = ['--model', sharedPath('models', 'stories260K.bin'), '--tokenizer', sharedPath('models', 'tok512.bin')];
  const text = sharedPath('data', 'tinystories_hf_validation_head.stories.txt');
  SIZES.push(['generate', ...m, '--steps', HUGE], ['capture', ...m, '--text', text, '--stories', HUGE], ['capture', ...m, '--text', text, '--stories', '1', '--patterns', '2:4', '--trace-tokens', HUGE, '--out', path.join(tmp, 'bundles', 'huge')]);
}

const GLOBAL: string[][] = [[], ['--help'], ['--version'], ['simulat'], ['review', '--help'], ['area', '--profile'], ['inspect'], ['--json'], ['simulate', '--no-profile', '--model', 'llama3.1-8b']];

// ----- running ---------------------------------------------------------------------------------

interface Outcome {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function runOne(argv: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [process.env.NMSIM_FUZZ_CLI ?? CLI, ...argv], { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout.length < 1e6 ? (stdout += d) : undefined));
    child.stderr.on('data', (d) => (stderr.length < 1e6 ? (stderr += d) : undefined));
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ argv, code, signal, ms: performance.now() - started, stdout, stderr });
    });
  });
}

async function runAll(list: string[][]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      out[i] = await runOne(list[i]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

/** What is wrong with one run ('' when nothing). */
function problem(o: Outcome): string {
  if (o.signal !== null || o.code === null) return `killed (${o.signal}) after ${Math.round(o.ms)} ms`;
  if (![0, 1, 2].includes(o.code)) return `exit ${o.code}`;
  if (STACK.test(o.stderr) || STACK.test(o.stdout)) return 'stack trace';
  if (/internal error/i.test(o.stderr)) return 'internal error';
  if (o.code !== 0 && !o.stderr.includes('✖')) return `exit ${o.code} without a diagnostic`;
  if (o.code === 0 && o.ms > EXIT0_MS) return `exit 0 after ${Math.round(o.ms)} ms`;
  if (o.argv.includes('--json') && o.stdout.trim() !== '' && !o.argv.includes('--help')) {
    try {
      JSON.parse(o.stdout);
    } catch {
      return 'stdout is not JSON under --json';
    }
  }
  return '';
}

describe('CLI option fuzzing', () => {
  test('every generated argument vector exits 0, 1 or 2 with a diagnostic and no stack trace, and accepted runs are bounded', async () => {
    await writeSyntheticBundle(REVIEW_BUNDLE);
    const list: string[][] = [...GLOBAL, ...SIZES];
    COMMANDS.forEach((c, i) => list.push(...fc.sample(vectors(c), { seed: SEED + i, numRuns: c.runs })));
    const outcomes = await runAll(list);
    if (process.env.NMSIM_FUZZ_SUMMARY) {
      const byCommand = new Map<string, number[]>();
      for (const o of outcomes) byCommand.set(`${o.argv[0] ?? '-'} ${o.code}`, [...(byCommand.get(`${o.argv[0] ?? '-'} ${o.code}`) ?? []), Math.round(o.ms)]);
      fs.writeFileSync(process.env.NMSIM_FUZZ_SUMMARY, [...byCommand].sort().map(([k, v]) => `${k}: ${v.length} runs, max ${Math.max(...v)} ms, mean ${Math.round(v.reduce((a, b) => a + b, 0) / v.length)} ms`).join('\n') + '\n' + outcomes.map((o) => `${o.code} ${Math.round(o.ms)} ${o.argv.join(' ').slice(0, 200)}\n   ${o.stderr.split('\n')[0].slice(0, 150)}`).join('\n'));
    }
    const failures = outcomes.map((o) => ({ o, why: problem(o) })).filter((f) => f.why !== '');
    const report = failures.map(({ o, why }) => `${why}: nmsim ${o.argv.map((a) => JSON.stringify(a)).join(' ')}\n${o.stderr.slice(-400)}`);
    expect(report).toEqual([]);
    // the suite exercises both sides: accepted runs and each kind of refusal
    const codes = new Set(outcomes.map((o) => o.code));
    expect([...codes].sort()).toEqual([0, 1, 2]);
    expect(outcomes.filter((o) => o.code === 0).length).toBeGreaterThan(20);
  }, 600_000);
});
