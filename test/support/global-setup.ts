// Integration tests run the built app, as a user would: build it once, when its sources changed.
// @ts-expect-error: a plain .mjs script without type declarations
import { ensureBuild } from '../../scripts/ensure-build.mjs'

export default function setup(): void {
  ensureBuild()
}
