// One timed nmsim analysis run (a child of bench/run.js so its peak RSS and CPU time are its own).
// usage: node bench/nmsim-child.js FILE|BUNDLE PATTERNS [THREADS|-] [CRITERION MITIGATION] → prints JSON {elements, patterns, per_tensor}
// elements: the trace's elements (each site once, whatever its consumers); per_tensor: one entry per
// (site, consumer, pattern) — amber's per consumer, the others' equal on a site's consumers.
import { openBundle } from '../dist/trace/bundle.js';
import { analyze } from '../dist/analysis/analyze.js';
import { parsePatternList } from '../dist/sparsity/pattern.js';

const [file, patterns = '2:4,4:8,8:16,16:32', threads, criterion = 'magnitude', mitigation = 'none'] = process.argv.slice(2);
const bundle = await openBundle(file);
const t0 = performance.now();
const plan = { patterns: parsePatternList(patterns), criteria: [criterion], mitigations: [mitigation] };
const result = await analyze(bundle, plan, undefined, threads === undefined || threads === '-' ? {} : { workers: Number(threads) });
const wallS = (performance.now() - t0) / 1000;
await bundle.close();
const configs = result.runs[0].configs;
process.stdout.write(
  JSON.stringify({
    wall_s: wallS,
    elements: [...new Map(configs[0].sites.map((s) => [s.site, s.tokens * s.k])).values()].reduce((a, b) => a + b, 0),
    patterns: configs.length,
    per_tensor: configs.flatMap((c) => c.sites.map((s) => ({ tensor: s.site, consumer: s.consumer, pattern: c.pattern, rel_err_l2: s.relErrL2, kept_fraction: s.keptFraction }))),
  }) + '\n',
);
