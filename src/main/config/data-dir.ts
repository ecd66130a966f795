// Where the VIM keeps its state: settings, the API token, the hub's certificate.
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Auto Cloud Scaler')
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Auto Cloud Scaler')
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'auto-cloud-scaler')
}

/** Creates the directory (private to the user) and returns its absolute path. */
export function prepareDataDir(dir: string): string {
  const absolute = resolve(dir)
  mkdirSync(absolute, { recursive: true, mode: 0o700 })
  return absolute
}
