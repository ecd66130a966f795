// `npm run bench [-- --quick]`: the benchmark suite; it writes docs/BENCHMARKS.md.

import { root } from './ensure-build.mjs'
import { runBundled } from './run-bundled.mjs'

process.argv.splice(2, 0, root)
await runBundled('bench/index.ts', 'bench.mjs')
