// Builds the app (electron-vite) when its sources changed since the last build, so that
// `npm start` and `npm run serve` work from a fresh clone without a separate build step.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stampFile = join(root, 'out', '.build-stamp')
const inputs = ['src', 'electron.vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.base.json']

function* files(path) {
  if (!existsSync(path)) return
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) yield* files(join(path, entry))
  } else if (!/\.test\.tsx?$/.test(path)) {
    yield path
  }
}

/** A hash over the contents of `paths` (files and folders, test files left out), relative to the root. */
export function hashSources(paths) {
  const hash = createHash('sha256')
  for (const input of paths) {
    for (const file of files(join(root, input)))
      hash.update(relative(root, file)).update('\0').update(readFileSync(file))
  }
  return hash.digest('hex')
}

/** Returns true when it had to build. Build output goes to stderr; stdout stays for the UI line. */
export function ensureBuild() {
  const hash = hashSources(inputs)
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return false
  process.stderr.write('Building the app (first run or sources changed)…\n')
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 2, 2],
    },
  )
  if (result.status !== 0) throw new Error(`electron-vite build failed (exit ${result.status})`)
  writeFileSync(stampFile, hash)
  return true
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureBuild()
