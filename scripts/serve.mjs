// `npm run serve`: the VIM core in plain Node, serving the UI to a browser.

import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureAgentBuild } from './build-agent.mjs'
import { ensureBuild, root } from './ensure-build.mjs'

try {
  ensureBuild()
  // The local lab runs the bundled agent.
  await ensureAgentBuild()
} catch (error) {
  process.stderr.write(`acs: ${error.message}\n`)
  process.exit(1)
}
const { runHeadless } = await import(pathToFileURL(join(root, 'out/main/headless.js')).href)
await runHeadless(process.argv.slice(2))
