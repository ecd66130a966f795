// `npm run bench [-- --quick] [-- --only SECTION,…]`: the benchmark suite; it writes docs/BENCHMARKS.md (with --only,
// just those sections, keeping the others).

import { root } from './ensure-build.mjs'
import { runBundled } from './run-bundled.mjs'

process.argv.splice(2, 0, root)
await runBundled('bench/index.ts', 'bench.mjs')
