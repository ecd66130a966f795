// `npm run serve`: the VIM core in plain Node, serving the UI to a browser.

import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBuild, root } from './ensure-build.mjs'

try {
  ensureBuild()
} catch (error) {
  process.stderr.write(`acs: ${error.message}\n`)
  process.exit(1)
}
const { runHeadless } = await import(pathToFileURL(join(root, 'out/main/headless.js')).href)
await runHeadless(process.argv.slice(2))
