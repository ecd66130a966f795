// `npm run chaos [-- --quick] [-- --scenario NAME]`: faults under load against a real lab; a full run
// writes docs/RELIABILITY.md.

import { ensureAgentBuild } from './build-agent.mjs'
import { ensureBuild, root } from './ensure-build.mjs'
import { runBundled } from './run-bundled.mjs'

try {
  // Every scenario runs `npm run serve`'s built app and the bundled agent; build them once, up front.
  ensureBuild()
  await ensureAgentBuild()
} catch (error) {
  process.stderr.write(`chaos: ${error.message}\n`)
  process.exit(1)
}
process.argv.splice(2, 0, root)
await runBundled('bench/chaos/index.ts', 'chaos.mjs')
