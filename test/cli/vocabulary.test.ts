/**
 * Issue 12, one CLI vocabulary: the same option means the same thing in every command, with the
 * same default, and one exit-code rule — a missing or bad input file is exit 1, a malformed
 * option value exit 2.
 */
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import * as path from 'node:path';

const FIXTURE_BUNDLE = path.join(REPO_ROOT, 'test', 'fixtures', 'numpy', 'bundle');

describe('one CLI vocabulary', () => {
  test('area takes --patterns like simulate, analyze, review and capture', () => {
    const r = runCli(['area', '--profile', 'act-flex', '--patterns', '2:4,8:16', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).per_pattern.map((c: { label: string }) => c.label)).toEqual(['2:4', '8:16']);
  });

  test('area still takes the old --pattern, with a warning that names --patterns', () => {
    const r = runCli(['area', '--profile', 'act-flex', '--pattern', '2:4,8:16', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).per_pattern.map((c: { label: string }) => c.label)).toEqual(['2:4', '8:16']);
    expect(r.stderr).toContain('--patterns');
    expect(r.stderr).toMatch(/deprecated/);
  });

  test('simulate and area take --profiles as well as --profile; review takes --profile as well as --profiles', () => {
    expect(runCli(['area', '--profiles', 'act-8of16', '--json']).code).toBe(0);
    const sim = runCli(['simulate', '--profiles', 'act-8of16', '--model', 'llama3.1-8b', '--patterns', '8:16', '--json']);
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.stdout).profile.name).toBe('act-8of16');
    const two = runCli(['simulate', '--profiles', 'act-8of16,act-2of4', '--model', 'llama3.1-8b', '--json']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('nmsim review');
  });

  test('a decode step without --context is modelled at the same context (4096 tokens) in simulate as in review', () => {
    const sim = runCli(['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--patterns', '8:16', '--json']);
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.stdout).phase.context_tokens).toBe(4096);
    for (const command of ['simulate', 'review']) {
      const help = runCli([command, '--help']);
      expect({ command, context: /--context[^\n]*\n?[^\n]*\[default: 4096\]/.test(help.stdout) }).toEqual({ command, context: true });
    }
  });

  test('a missing profile exits 1, like a missing trace, and a near miss gets a did-you-mean', () => {
    for (const args of [
      ['simulate', '--profile', 'act-8of61', '--model', 'llama3.1-8b'],
      ['area', '--profile', 'act-8of61'],
      ['review', '--profiles', 'act-8of61', '--traces', FIXTURE_BUNDLE, '--out', path.join(REPO_ROOT, 'reports', 'never-written')],
    ]) {
      const r = runCli(args);
      expect({ command: args[0], code: r.code }).toEqual({ command: args[0], code: 1 });
      expect(r.stderr).toContain('profile/not-found');
      expect(r.stderr).toContain('act-8of16');
    }
    const trace = runCli(['inspect', path.join(REPO_ROOT, 'traces', 'no-such-bundle')]);
    expect(trace.code).toBe(1);
  });

  test('a missing bundle given as --model is a missing input (exit 1); an unknown catalog id is a bad option value (exit 2)', () => {
    const missing = runCli(['simulate', '--profile', 'act-8of16', '--model', path.join(REPO_ROOT, 'traces', 'no-such-bundle')]);
    expect(missing.code).toBe(1);
    const unknown = runCli(['simulate', '--profile', 'act-8of16', '--model', 'gpt-5']);
    expect(unknown.code).toBe(2);
  });

  test('a mistyped option name gets a did-you-mean (exit 2)', () => {
    const r = runCli(['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--contxt', '2048']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--context');
  });
});
