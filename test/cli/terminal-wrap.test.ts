import { PROSE_MAX_COLUMNS, proseColumns, wrapProse } from '../../src/cli/terminal-wrap.js';

describe('wrapping the terminal summary\'s prose', () => {
  it('wraps only on a terminal, at its width less one, and never wider than PROSE_MAX_COLUMNS', () => {
    expect(PROSE_MAX_COLUMNS).toBe(100);
    expect(proseColumns({ isTTY: false, columns: 80 })).toBeUndefined();
    expect(proseColumns({})).toBeUndefined();
    expect(proseColumns({ isTTY: true })).toBeUndefined();
    expect(proseColumns({ isTTY: true, columns: 80 })).toBe(79);
    expect(proseColumns({ isTTY: true, columns: 250 })).toBe(100);
    expect(proseColumns({ isTTY: true, columns: 12 })).toBeUndefined();
  });

  it('breaks a long line at spaces, keeps its indent on every piece, and leaves piped output as it is', () => {
    expect(wrapProse('aaa bbb ccc ddd', 7)).toBe('aaa bbb\nccc ddd');
    expect(wrapProse('aaa bbb ccc ddd', 8)).toBe('aaa bbb\nccc ddd');
    expect(wrapProse('aaa bbb ccc ddd', 11)).toBe('aaa bbb ccc\nddd');
    expect(wrapProse('  one two three', 9)).toBe('  one two\n  three');
    expect(wrapProse('x supercalifragilistic y', 10)).toBe('x\nsupercalifragilistic\ny');
    expect(wrapProse('short\n\naaa bbb ccc ddd\n', 7)).toBe('short\n\naaa bbb\nccc ddd\n');
    expect(wrapProse('aaa bbb ccc ddd', undefined)).toBe('aaa bbb ccc ddd');
  });

  it('keeps a lone symbol with the words either side of it', () => {
    expect(wrapProse('decode B = 8 1.01× vs 1.00×', 6)).toBe('decode\nB = 8\n1.01×\nvs\n1.00×');
    expect(wrapProse('on act-16of32 · hierarchical · bitmask now', 20)).toBe('on\nact-16of32 · hierarchical · bitmask\nnow');
    expect(wrapProse('= a b', 3)).toBe('= a\nb');
  });

  it('never re-breaks a table row (a line whose text holds a run of two spaces)', () => {
    const row = '  8:16         magnitude+dpts    9.694 [9.344, 10.049] act-8of16 · hierarchical · combinatorial   11.4%';
    expect(wrapProse(row, 40)).toBe(row);
  });

  it('on a long generated paragraph: every line fits or is one word, and rejoining gives the text back', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const words = Array.from({ length: 600 }, () => 'w'.repeat(1 + Math.floor(rnd() * 14)) + (rnd() < 0.02 ? 'x'.repeat(90) : ''));
    const text = `    ${words.join(' ')}`;
    for (const columns of [20, 57, 79, 100]) {
      const lines = wrapProse(text, columns).split('\n');
      expect(lines.length).toBeGreaterThan(text.length / columns);
      for (const l of lines) {
        expect(l.startsWith('    ') && l[4] !== ' ').toBe(true);
        if (l.length > columns) expect(l.slice(4)).not.toContain(' ');
      }
      // greedy: the next piece's first word would not have fitted on this line
      for (let i = 0; i + 1 < lines.length; i++) expect(lines[i].length + 1 + lines[i + 1].slice(4).split(' ')[0].length).toBeGreaterThan(columns);
      expect(`    ${lines.map((l) => l.slice(4)).join(' ')}`).toBe(text);
    }
  });
});
