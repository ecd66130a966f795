// The cluster id: made once per data dir and kept in it, so that everything this VIM's cluster owns on a
// shared Docker engine (containers, workload images, lab VM names) is told apart from another cluster's.
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkClusterId } from '../../shared/cluster-id'

export const CLUSTER_ID_FILE = 'cluster-id'

/** 8 hex characters: 4 billion values, short enough to read in a label or a VM name. */
export function newClusterId(): string {
  return randomBytes(4).toString('hex')
}

/**
 * The data dir's cluster id, made on first use. A damaged file is an error, never silently replaced: a new id
 * would orphan the containers and images the old one labelled.
 */
export function loadOrCreateClusterId(dataDir: string): string {
  const file = join(dataDir, CLUSTER_ID_FILE)
  let stored: string
  try {
    stored = readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const id = newClusterId()
    // 'wx': two VIMs starting on one fresh data dir cannot both write one.
    try {
      writeFileSync(file, `${id}\n`, { mode: 0o600, flag: 'wx' })
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateClusterId(dataDir)
      throw writeError
    }
    return id
  }
  const problem = checkClusterId(stored)
  if (problem)
    throw new Error(
      `${file} is damaged: ${problem}. Restore it (the containers of this cluster carry the label acs.cluster=<id>), ` +
        'or delete it to start a new cluster (the old containers are then left alone, to be removed by hand)',
    )
  return stored
}

/** The lab's default VM name prefix: `lab-` and 4 characters of the cluster id, e.g. `lab-3fa2` → `lab-3fa2-1`. */
export function defaultLabPrefix(clusterId: string): string {
  return `lab-${clusterId.slice(0, 4)}`
}
