import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/capture/checkpoint.js';
import { loadTokenizer } from '../../src/capture/tokenizer.js';
import { loadStories } from '../../src/capture/stories.js';
import { isNmsimError } from '../../src/diagnostics.js';

const missing = path.join(os.tmpdir(), 'nmsim-no-such-dir', 'missing.bin');

async function refusal(p: Promise<unknown>) {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!isNmsimError(e)) throw new Error(`expected an NmsimError, got ${String(e)}`);
  return { kind: e.kind, ...e.diagnostics[0] };
}

describe('capture input files', () => {
  test.each([
    ['checkpoint', () => loadCheckpoint(missing), 'checkpoint/unreadable', 'model file'],
    ['tokenizer', () => loadTokenizer(missing, 512), 'tokenizer/unreadable', 'tokenizer file'],
    ['story text', () => loadStories(missing), 'capture/text-unreadable', 'text file'],
  ])('an unreadable %s is bad input naming the file and the errno', async (_what, load, code, noun) => {
    const d = await refusal(load());
    expect(d).toMatchObject({ kind: 'input', code, file: missing, message: `cannot read the ${noun}: ENOENT.` });
    expect(d.hint).toMatch(/^pass --/);
  });
});
