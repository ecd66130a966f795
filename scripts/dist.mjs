// `npm run dist [-- electron-builder options]`: the installable packages of electron-builder.json, into
// release/: AppImage and .deb on Linux, .dmg on macOS, an NSIS installer on Windows (the platform it runs
// on unless options say otherwise, e.g. `-- --linux deb`). Electron's binary is fetched once from GitHub;
// where that cannot happen it says so in one line.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureAgentBuild } from './build-agent.mjs'
import { ensureBuild, root } from './ensure-build.mjs'

try {
  ensureBuild()
  await ensureAgentBuild()
} catch (error) {
  process.stderr.write(`dist: ${error.message}\n`)
  process.exit(1)
}

const cli = join(root, 'node_modules', 'electron-builder', 'cli.js')
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { cwd: root, encoding: 'utf8' })
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
const electron = JSON.parse(
  readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
).version
const offline = /getaddrinfo|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(output)
if (result.status !== 0 && offline) {
  // electron-builder's progress lines, then one line instead of its stack trace.
  process.stderr.write(
    output
      .split('\n')
      .filter((line) => line.startsWith('  •'))
      .join('\n'),
  )
  process.stderr.write(
    `\ndist: the Electron ${electron} binary could not be downloaded (no route to GitHub from here); build where it can be fetched once, or pass -- --config.electronDist=DIR with an unpacked Electron ${electron}\n`,
  )
} else process.stderr.write(output)
process.exit(result.status ?? 1)
