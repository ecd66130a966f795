// `npm run agent -- ARGS`: runs the VMM agent from the repository, building its bundle when needed.
import { pathToFileURL } from 'node:url'
import { ensureAgentBuild } from './build-agent.mjs'

try {
  await import(pathToFileURL(await ensureAgentBuild()).href)
} catch (error) {
  process.stderr.write(`vmm-agent: ${error.message}\n`)
  process.exit(1)
}
