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

/**
 * The lab's VM name prefix: --lab-prefix, else the setting lab.namePrefix, else `lab-` and 4 characters of
 * the cluster id (`lab-3fa2` → VMs `lab-3fa2-1`, …). Not plain `lab`: front proxies, metrics and people
 * tell VMs apart by name, and two data dirs on one machine would both have a `lab-1`. Four characters stay
 * easy to read and to say, and make a clash between two data dirs a 1-in-65536 chance.
 */
export function labNamePrefix(
  fromCli: string | undefined,
  fromSettings: string | undefined,
  clusterId: string,
): string {
  return fromCli ?? fromSettings ?? `lab-${clusterId.slice(0, 4)}`
}
