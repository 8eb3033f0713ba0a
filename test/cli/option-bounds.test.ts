/**
 * Issue 11: every size option has a bound, every option that cannot act in the chosen mode is
 * refused, and repeated or empty options are usage errors (exit 2) that name the option — never
 * a run that does not end, never an internal error (exit 3).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, REPO_ROOT, type CliResult } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

/** a bad option must be refused before any work: well inside this */
const FAST_MS = 20_000;
const run = (args: string[]) => runCli(args, { timeoutMs: FAST_MS });

function expectUsage(r: CliResult, ...mentions: string[]): void {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 2 });
  for (const m of mentions) expect(r.stderr).toContain(m);
  expect(r.stderr).not.toMatch(/\n\s+at .*:\d+/);
  expect(r.stderr).not.toContain('internal error');
}

const SIM = ['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b'];
const FIXTURE_BUNDLE = path.join(REPO_ROOT, 'test', 'fixtures', 'numpy', 'bundle');

describe('nmsim simulate option bounds', () => {
  test('--tokens 1000000000000 is refused at once, naming --tokens and its bound of 131,072', () => {
    const r = run([...SIM, '--phase', 'prefill', '--tokens', '1000000000000']);
    expectUsage(r, '--tokens', '131,072');
  });

  test('--batch 1000000 is refused, naming --batch and its bound of 8,192', () => {
    expectUsage(run([...SIM, '--phase', 'decode', '--batch', '1000000']), '--batch', '8,192');
  });

  test('--context beyond 16,777,216 tokens is refused', () => {
    expectUsage(run([...SIM, '--context', '100000000']), '--context', '16,777,216');
  });

  test('numbers are decimal digits: 0x10, 1e3, 1_000, NaN, Infinity and -5 are refused with the option named', () => {
    for (const v of ['0x10', '1e3', '1_000', 'NaN', 'Infinity', '-5']) {
      const r = run([...SIM, '--phase', 'prefill', '--tokens', v]);
      expectUsage(r, '--tokens');
    }
  });

  test('an option given without its value is refused instead of falling back to the default', () => {
    expectUsage(run([...SIM, '--phase', 'prefill', '--tokens']), '--tokens');
  });

  test("--patterns '' names no pattern and is refused (it used to compare dense with itself)", () => {
    expectUsage(run([...SIM, '--patterns', '']), '--patterns');
  });

  test('--phase prefill --batch 8 is refused naming both options (--batch only acts in decode)', () => {
    expectUsage(run([...SIM, '--phase', 'prefill', '--batch', '8']), '--batch', '--phase');
  });

  test('--tokens in decode (the default phase) is refused naming both options', () => {
    expectUsage(run([...SIM, '--tokens', '256']), '--tokens', '--phase');
  });

  test('a repeated option is refused naming it (it used to be joined into "a,b")', () => {
    expectUsage(run(['simulate', '--profile', 'act-8of16', '--profile', 'act-4of8', '--model', 'llama3.1-8b']), '--profile');
  });

  test('--no-profile is not a profile named "false"', () => {
    expectUsage(run(['simulate', '--no-profile', '--model', 'llama3.1-8b']), '--profile');
  });
});

describe('nmsim area, inspect and analyze option checks', () => {
  test('--node given twice is a usage error, not an internal error', () => {
    expectUsage(run(['area', '--profile', 'act-8of16', '--node', 'asap7', '--node', '5nm']), '--node');
  });

  test('--selector given twice is refused instead of silently picking one', () => {
    expectUsage(run(['area', '--profile', 'act-8of16', '--selector', 'mux', '--selector', 'sorted-mux']), '--selector');
  });

  test('inspect --max-tokens 0x10 is refused (yargs read it as 16)', () => {
    expectUsage(run(['inspect', FIXTURE_BUNDLE, '--max-tokens', '0x10']), '--max-tokens');
  });

  test('analyze --threads 1000000 is refused, naming --threads and its bound of 64', () => {
    expectUsage(run(['analyze', FIXTURE_BUNDLE, '--threads', '1000000']), '--threads', '64');
  });
});

describe('nmsim review option checks', () => {
  const R = ['review', '--traces', FIXTURE_BUNDLE, '--profiles', 'act-8of16', '--criteria', 'magnitude', '--mitigations', 'none', '--no-progress', '--out', path.join(os.tmpdir(), 'nmsim-never-written')];

  test('--decode-batches 100000 names --decode-batches and its bound of 4,096 (it used to name --batch-sizes)', () => {
    const r = run([...R, '--decode-batches', '100000']);
    expectUsage(r, '--decode-batches', '4,096');
    expect(r.stderr).not.toContain('--batch-sizes');
  });

  test('--decode-batch with --decode-batches is refused naming both (one silently overrode the other)', () => {
    expectUsage(run([...R, '--decode-batch', '4', '--decode-batches', '1,8']), '--decode-batch', '--decode-batches');
  });

  test('--prefill-tokens 1000000000 and --context 1000000000000 are refused with their bounds', () => {
    expectUsage(run([...R, '--prefill-tokens', '1000000000']), '--prefill-tokens', '131,072');
    expectUsage(run([...R, '--context', '1000000000000']), '--context', '16,777,216');
  });

  test('a repeated --criteria is a usage error, not an internal error', () => {
    expectUsage(run([...R, '--criteria', '']), '--criteria');
  });

  test("--patterns dense leaves nothing to review and is refused before any bundle is read", () => {
    expectUsage(run([...R, '--patterns', 'dense']), '--patterns');
  });

  test('an unknown --model suggests the nearest catalog id', () => {
    const r = run([...R, '--model', 'llama-3.1-8b']);
    expectUsage(r, '--model');
    expect(r.stderr).toMatch(/did you mean "llama3\.1-8b"/i);
  });
});

describeWithShared('nmsim capture and generate option checks', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  const M = ['--model', sharedPath('models', 'stories260K.bin'), '--tokenizer', sharedPath('models', 'tok512.bin')];
  const C = ['capture', ...M, '--text', sharedPath('data', 'tinystories_hf_validation_head.stories.txt'), '--stories', '1'];

  test('capture --trace-tokens 1000000000 is a usage error naming the bound, not an internal error', () => {
    expectUsage(run([...C, '--patterns', '2:4', '--trace-tokens', '1000000000', '--out', path.join(os.tmpdir(), 'nmsim-never')]), '--trace-tokens', '65,536');
  });

  test("capture --patterns '' is refused (it used to run only the dense model)", () => {
    expectUsage(run([...C, '--patterns', '']), '--patterns');
  });

  test('capture --calib-offset without spts or affine is refused naming both options', () => {
    expectUsage(run([...C, '--patterns', '2:4', '--calib-offset', '3']), '--calib-offset', '--mitigations');
  });

  test('capture --trace-tokens without --out is refused: nothing would keep the recording', () => {
    expectUsage(run([...C, '--patterns', '2:4', '--trace-tokens', '64']), '--trace-tokens', '--out');
  });

  test('generate --criterion foo names --criterion (it used to name --criteria)', () => {
    const r = run(['generate', ...M, '--criterion', 'foo']);
    expectUsage(r, '--criterion');
    expect(r.stderr).not.toContain('--criteria');
  });

  test('generate --text without spts or affine is refused naming both options', () => {
    expectUsage(run(['generate', ...M, '--steps', '3', '--text', sharedPath('data', 'tinystories_hf_validation_head.stories.txt')]), '--text', '--mitigation');
  });

  test('generate --prompt over 16,384 bytes is refused (the tokenizer is quadratic in it)', () => {
    expectUsage(run(['generate', ...M, '--steps', '3', '--prompt', 'Once upon a time '.repeat(1200)]), '--prompt', '16,384');
  });
});

afterAll(() => {
  fs.rmSync(path.join(os.tmpdir(), 'nmsim-never-written'), { recursive: true, force: true });
});

describe('option values in diagnostics', () => {
  test('a long or control-character option value is quoted as a short escaped excerpt', () => {
    const long = `2:4${'x'.repeat(3000)}`;
    const r = run(['area', '--profile', 'act-8of16', '--pattern', long]);
    expectUsage(r, '--pattern');
    expect(r.stderr.length).toBeLessThan(1000);
    const esc = run(['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--patterns', '2:4\u001b[31mRED']);
    expectUsage(esc, '--patterns');
    expect(esc.stderr).not.toContain('\u001b');
  });
});
