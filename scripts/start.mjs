// `npm start`: the desktop app, or headless mode with a browser UI where Electron cannot start.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { root } from './ensure-build.mjs'

function findElectron() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'No display (DISPLAY and WAYLAND_DISPLAY are unset)'
  }
  try {
    // The electron package fetches its binary on first use; offline, that fails and we say so.
    return { binary: createRequire(join(root, 'package.json'))('electron') }
  } catch (error) {
    return `The Electron binary is missing and could not be fetched (${String(error.message).split('\n')[0]})`
  }
}

const found = findElectron()
if (typeof found === 'string') {
  process.stdout.write(`${found}: starting headless mode; open the UI line below in a browser.\n`)
  await import('./serve.mjs')
} else {
  const { ensureBuild } = await import('./ensure-build.mjs')
  const { ensureAgentBuild } = await import('./build-agent.mjs')
  ensureBuild()
  await ensureAgentBuild()
  const child = spawn(found.binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
}
