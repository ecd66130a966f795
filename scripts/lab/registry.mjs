// The machine-wide registry of labs (one JSON file per lab that is up, or half up) and the lock that
// serialises changes to it and to the users all labs share.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { makeDir, readJson, writeJson } from './files.mjs'
import { LAB_ROOT, LOCK_DIR, REGISTRY_DIR } from './layout.mjs'
import { LabError } from './log.mjs'
import { recordedProcess, recordProcess } from './processes.mjs'

/** Runs `fn` holding the lock; a lock whose owner is gone is taken over. */
export async function withLock(fn) {
  mkdirSync(LAB_ROOT, { recursive: true, mode: 0o755 })
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      recordProcess(join(LOCK_DIR, 'owner'), process.pid)
      break
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      const ownerFile = join(LOCK_DIR, 'owner')
      // Without an owner file yet, the lock is fresh unless it is old: its maker died in between.
      const stale = existsSync(ownerFile)
        ? recordedProcess(ownerFile) === undefined
        : Date.now() - (statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5_000
      if (stale) {
        rmSync(LOCK_DIR, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new LabError(`another scripts/lab holds ${LOCK_DIR} for over 60 s`)
      await sleep(100)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

const registryFile = (name) => join(REGISTRY_DIR, `${name}.json`)

export const isRegistered = (name) => existsSync(registryFile(name))

/** The registry entry of lab `name`: { name, stateDir, subnet, createdAt }, or undefined. */
export const registeredLab = (name) => readJson(registryFile(name))

export function registeredLabs() {
  if (!existsSync(REGISTRY_DIR)) return []
  return readdirSync(REGISTRY_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson(join(REGISTRY_DIR, file)))
    .filter(Boolean)
}

export function registerLab({ name, stateDir, subnet }) {
  makeDir(REGISTRY_DIR)
  writeJson(registryFile(name), { name, stateDir, subnet, createdAt: new Date().toISOString() }, 0o644)
}

export function unregisterLab(name) {
  rmSync(registryFile(name), { force: true })
}
