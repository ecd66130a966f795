// Integration tests run the built app and the bundled agent, as a user would: build them once, when
// their sources changed.
// @ts-expect-error: plain .mjs scripts without type declarations
import { ensureAgentBuild } from '../../scripts/build-agent.mjs'
// @ts-expect-error: plain .mjs scripts without type declarations
import { ensureBuild } from '../../scripts/ensure-build.mjs'

export default async function setup(): Promise<void> {
  ensureBuild()
  await ensureAgentBuild()
}
