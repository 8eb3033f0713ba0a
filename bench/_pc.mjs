import { runReview } from '../dist/review/run-review.js';
const o = await runReview({ profiles: ['/tmp/tw2/profiles'], cacheDir: '/tmp/tw2/.nmsim-cache' });
console.log(JSON.stringify(o.profileCache), o.timingsMs.models_ms.toFixed(0), o.data.points.length);
