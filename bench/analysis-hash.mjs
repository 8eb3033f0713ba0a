#!/usr/bin/env node
/**
 * sha256 of the full analyze() JSON of a bundle under a plan: the check that a kernel change keeps
 * every number (issue 17: "results unchanged"). Run it before and after a change and compare.
 *
 *   node bench/analysis-hash.mjs BUNDLE [CRITERIA=magnitude,amber,clact] [MITIGATIONS=none,dpts,var,spts]
 *        [PATTERNS=2:4,4:8,8:16,16:32,3:8,unstructured] [WORKERS=0] [DIST=dist]
 * prints one line: sha256, bundle, plan, seconds. WORKERS 0 runs in-process.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [bundlePath, criteria = 'magnitude,amber,clact', mitigations = 'none,dpts,var,spts', patterns = '2:4,4:8,8:16,16:32,3:8,unstructured', workers = '0', dist = 'dist'] = process.argv.slice(2);
const load = (m) => import(pathToFileURL(path.resolve(root, dist, m)).href);
const { openBundle } = await load('trace/bundle.js');
const { analyze } = await load('analysis/analyze.js');
const { parsePatternList } = await load('sparsity/pattern.js');
const t0 = performance.now();
const bundle = await openBundle(bundlePath);
const plan = { patterns: parsePatternList(patterns), criteria: criteria.split(','), mitigations: mitigations.split(',') };
const result = await analyze(bundle, plan, undefined, { workers: Number(workers) });
await bundle.close();
const hash = createHash('sha256').update(JSON.stringify(result)).digest('hex');
process.stdout.write(`${hash}  ${bundlePath} ${criteria} × ${mitigations} × ${patterns} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
