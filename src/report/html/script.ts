/**
 * The HTML report's only script, inlined (no network, no library): sortable tables (click a
 * header; numeric columns sort by the number in the cell, "—" last), a filter box per table,
 * and the details of a chart point shown in a box on hover or keyboard focus (the details are already in the SVG
 * as <title> and data-* attributes; this only shows them). Plain ES2017, no build step; the
 * report is still readable with scripts off (the tables are in document order, titles remain).
 */
export const HTML_SCRIPT = String.raw`(function () {
  'use strict';
  function cellNumber(text) {
    var m = /[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?/i.exec(text);
    return m ? Number(m[0].replace(/,/g, '')) : NaN;
  }
  function sortTable(table, col, th) {
    var numeric = th.getAttribute('data-type') === 'number';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    var heads = table.querySelectorAll('thead th');
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, index) {
      var text = row.cells[col] ? row.cells[col].textContent : '';
      return { row: row, index: index, text: text, num: numeric ? cellNumber(text) : NaN };
    });
    var sign = dir === 'ascending' ? 1 : -1;
    keyed.sort(function (a, b) {
      var c;
      if (numeric) {
        var an = isNaN(a.num), bn = isNaN(b.num);
        if (an || bn) c = an === bn ? 0 : an ? 1 : -1; // cells without a number last, either way
        else c = sign * (a.num - b.num);
      } else c = sign * (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
      return c || a.index - b.index;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
  }
  function filterTable(table, input, count) {
    var q = input.value.trim().toLowerCase();
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = q === '' || rows[i].textContent.toLowerCase().indexOf(q) >= 0;
      rows[i].hidden = !hit;
      if (hit) shown++;
    }
    count.textContent = q === '' ? '' : shown + ' of ' + rows.length + ' rows';
  }
  var tables = document.querySelectorAll('table.data');
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.querySelectorAll('thead th');
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      th.title = 'sort by this column';
      th.addEventListener('click', function () { sortTable(table, col, th); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortTable(table, col, th); } });
    });
    var wrap = table.closest('.table-block');
    var input = wrap.querySelector('input.table-filter');
    var count = wrap.querySelector('.filter-count');
    if (input) input.addEventListener('input', function () { filterTable(table, input, count); });
  });
  var box = document.getElementById('point-details');
  function show(point, x, y) {
    var title = point.querySelector('title');
    box.textContent = title ? title.textContent : point.getAttribute('data-config') || '';
    box.hidden = false;
    box.style.left = Math.min(x + 14, window.innerWidth + window.scrollX - box.offsetWidth - 8) + 'px';
    box.style.top = y + 14 + 'px';
  }
  Array.prototype.forEach.call(document.querySelectorAll('figure svg .point'), function (point) {
    point.addEventListener('mouseenter', function (e) { show(point, e.pageX, e.pageY); });
    point.addEventListener('mousemove', function (e) { show(point, e.pageX, e.pageY); });
    point.addEventListener('mouseleave', function () { box.hidden = true; });
    point.addEventListener('focus', function () {
      var r = point.getBoundingClientRect();
      show(point, r.right + window.scrollX, r.bottom + window.scrollY);
    });
    point.addEventListener('blur', function () { box.hidden = true; });
  });
})();
`;

export const HTML_STYLE = `body{font-family:"DejaVu Sans",Verdana,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
table{border-collapse:collapse;margin:.3em 0 1em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
table.data th{cursor:pointer;user-select:none}table.data th[aria-sort=ascending]::after{content:" \\25B2"}table.data th[aria-sort=descending]::after{content:" \\25BC"}
.table-tools{font-size:12px;color:#555;margin-top:1em}.table-tools input{font-size:12px;padding:2px 4px;width:16em}.filter-count{margin-left:.6em}
.table-scroll{overflow-x:auto}
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figure svg .point{cursor:pointer}
#point-details{position:absolute;z-index:10;max-width:34em;white-space:pre-line;background:#fffff4;border:1px solid #999;padding:6px 8px;font-size:12px;box-shadow:2px 2px 6px rgba(0,0,0,.2);pointer-events:none}
nav.toc{border:1px solid #ddd;background:#fafafa;padding:.4em 1em;font-size:14px}nav.toc ol{margin:.2em 0;padding-left:1.4em}
details.sources summary{cursor:pointer}ol.sources{font-size:13px}a.source-ref{text-decoration:none}
code{font-size:12px}`;
