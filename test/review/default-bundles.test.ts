import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBundlePaths } from '../../src/review/inputs.js';

describe('the default bundle search under traces/', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-default-bundles-'));
    const bundle = (name: string) => {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'manifest.json'), '{}');
    };
    bundle('mine');
    bundle('b-other');
    bundle('.mine.tmp-4242-0123abcd'); // a killed capture's temporary, manifest already written
    bundle('.mine.nmsim-tmp-4242-0123abcd');
    bundle('.hidden');
    fs.mkdirSync(path.join(dir, 'no-manifest'));
    fs.symlinkSync(path.join(dir, 'mine'), path.join(dir, 'linked'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes every visible folder with a manifest.json (a symlink to one included) and never a dot-folder', () => {
    expect(defaultBundlePaths(dir).map((p) => path.basename(p))).toEqual(['b-other', 'linked', 'mine']);
  });
});
