import { stringify } from 'csv-stringify/sync';
import { csvText } from '../../src/report/csv.js';

describe('the review\'s CSV text', () => {
  it('quotes exactly the cells holding a comma, a double quote or a newline, doubling their quotes, one line per row', () => {
    // written out by hand (RFC 4180 quoting; a lone carriage return is left bare, as csv-stringify with
    // record_delimiter '\n' leaves it)
    expect(csvText([['profile', 'pattern'], ['act-8of16', '8:16'], ['a,b', 'say "hi"'], ['two\nlines', ''], ['cr\rhere', 'µm² −'], ['', '']])).toBe(
      'profile,pattern\nact-8of16,8:16\n"a,b","say ""hi"""\n"two\nlines",\ncr\rhere,µm² −\n,\n',
    );
    expect(csvText([])).toBe('');
    expect(csvText([[]])).toBe('\n');
    expect(csvText([['"']])).toBe('""""\n');
  });

  it('gives csv-stringify\'s bytes (the library the reports were written with) for every awkward cell', () => {
    const cells = ['', ' ', 'plain', 'a,b', ',', '"', '""', 'a"b', '\n', 'x\r\ny', '\r', 'a\rb', '=1+2', '-0.5', 'é ü ×', '\t tab', 'end,', '"start'];
    const rows = [cells, [...cells].reverse(), cells.map((c) => `${c}${c}`), ['only']];
    expect(csvText(rows)).toBe(stringify(rows, { record_delimiter: '\n' }));
  });
});
