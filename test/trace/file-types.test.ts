/**
 * nmsim reads regular files only. A FIFO, a device, a socket or a folder where a manifest,
 * tensor file or mask should be is an input error naming the file and what it is — never a
 * hang (a FIFO blocks open() and read() forever) or an internal error. Run through the CLI with
 * a timeout, so a regression hangs a child process, not the test runner.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeSafetensorsHeader } from '../../src/trace/safetensors.js';
import { runCli } from '../helpers/cli.js';
import { manifestWith, tempDir } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let n = 0;
const fresh = () => {
  const d = path.join(dir, `case-${n++}`);
  fs.mkdirSync(d);
  return d;
};
const mkfifo = (p: string) => expect(spawnSync('mkfifo', [p]).status).toBe(0);
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

/** A valid tensor file: x F32 [2, 4]; mask U8 [2, 1]. */
function tensors(file: string): void {
  const header = encodeSafetensorsHeader([
    { key: 'x', dtype: 'F32', shape: [2, 4], byteLength: 32 },
    { key: 'x.mask', dtype: 'U8', shape: [2, 1], byteLength: 2 },
  ]);
  fs.writeFileSync(file, Buffer.concat([header, Buffer.alloc(34)]));
}

function manifest(folder: string, tensorFile = 'run.safetensors', maskFile = 'run.safetensors'): void {
  const site = { name: 'layers.0.mlp.down_proj.input', consumers: ['down'], tensor: { file: tensorFile, key: 'x', shape: [2, 4] }, masks: [{ consumer: 'down', tensor: { file: maskFile, key: 'x.mask', shape: [2, 1] } }] };
  fs.writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifestWith([{ id: 'd', config: { pattern: '2:4' }, metrics: [], tokens: 2, sites: [site] }])));
}

/** Runs inspect with a 20 s limit; a hang shows up as code -1. */
function inspect(target: string) {
  const r = runCli(['inspect', target], { timeoutMs: 20_000 });
  expect({ code: r.code, internal: r.stderr.includes('internal error') }).toEqual({ code: 1, internal: false });
  return r.stderr;
}

const describeFifo = hasMkfifo ? describe : describe.skip;

describeFifo('FIFOs', () => {
  test('a FIFO as manifest.json is refused, not waited on', () => {
    const d = fresh();
    tensors(path.join(d, 'run.safetensors'));
    mkfifo(path.join(d, 'manifest.json'));
    const err = inspect(d);
    expect(err).toContain('trace/not-a-file');
    expect(err).toContain('manifest.json');
    expect(err).toContain('a FIFO (named pipe)');
  });

  test('a FIFO as a site tensor file is refused at the key path that names it', () => {
    const d = fresh();
    mkfifo(path.join(d, 'run.safetensors'));
    manifest(d);
    const err = inspect(d);
    expect(err).toMatch(/✖ trace\/not-a-file {2}.*manifest\.json › runs\[0\]\.sites\[0\]\.tensor\.file/);
    expect(err).toContain('a FIFO (named pipe)');
  });

  test('a FIFO as a mask file is refused', () => {
    const d = fresh();
    tensors(path.join(d, 'run.safetensors'));
    mkfifo(path.join(d, 'mask.safetensors'));
    manifest(d, 'run.safetensors', 'mask.safetensors');
    expect(inspect(d)).toMatch(/trace\/not-a-file {2}.*runs\[0\]\.sites\[0\]\.masks\[0\]\.tensor\.file/);
  });

  test('a FIFO given directly as a bare .safetensors file is refused', () => {
    const f = path.join(fresh(), 'bare.safetensors');
    mkfifo(f);
    expect(inspect(f)).toContain('a FIFO (named pipe)');
  });

  test('a symlink inside the bundle pointing to a FIFO inside the bundle is refused', () => {
    const d = fresh();
    mkfifo(path.join(d, 'pipe'));
    fs.symlinkSync('pipe', path.join(d, 'run.safetensors'));
    manifest(d);
    expect(inspect(d)).toContain('a FIFO (named pipe)');
  });
});

describe('devices and folders', () => {
  test('/dev/null given as the bundle is a character device, exit 1', () => {
    const err = inspect('/dev/null');
    expect(err).toContain('trace/not-a-file');
    expect(err).toContain('/dev/null is a character device');
  });

  test('manifest.json linked to /dev/zero is refused instead of read forever', () => {
    const d = fresh();
    tensors(path.join(d, 'run.safetensors'));
    fs.symlinkSync('/dev/zero', path.join(d, 'manifest.json'));
    expect(inspect(d)).toContain('a character device');
  });

  test('a folder named run.safetensors that the manifest references is refused as a folder', () => {
    const d = fresh();
    fs.mkdirSync(path.join(d, 'run.safetensors'));
    manifest(d);
    const err = inspect(d);
    expect(err).toContain('trace/not-a-file');
    expect(err).toContain('a folder');
  });

  test('a folder named manifest.json is refused as a folder', () => {
    const d = fresh();
    fs.mkdirSync(path.join(d, 'manifest.json'));
    expect(inspect(d)).toContain('a folder');
  });
});
