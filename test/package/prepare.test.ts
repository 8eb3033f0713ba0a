/**
 * `npx nmsim …` in a fresh clone does not find the checkout's own bin in node_modules/.bin, so npm
 * exec installs the checkout (a `file:` link) into npx's cache and runs its `prepare` script. When
 * `prepare` was the clean build (rm dist && tsc), the README's first command rebuilt dist/ a second
 * time right after `npm ci` had built it: the first `npx nmsim review` took 28–36 s here instead of
 * 11–12 s (the npm debug log shows `prepare` running under `npm exec nmsim`). `prepare` is now
 * tsc's incremental build: on a dist/ that is up to date it writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

it('`npm run prepare` on a built checkout leaves every dist/ file as it was (npx does not rebuild)', () => {
  const files = ['index.js', 'cli/main.js', 'review/run-review.js'].map((f) => path.join(REPO_ROOT, 'dist', f));
  const before = files.map((f) => statSync(f, { bigint: true }));
  const r = spawnSync(NPM, ['run', 'prepare', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const after = files.map((f) => statSync(f, { bigint: true }));
  for (let i = 0; i < files.length; i++) {
    expect([files[i], after[i].ino, after[i].mtimeNs]).toEqual([files[i], before[i].ino, before[i].mtimeNs]);
  }
}, 60_000);
