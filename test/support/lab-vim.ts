// A VIM with a local lab, as a user runs it (`npm run serve -- --lab N`), and what tests ask of it through
// the control API: a call, a wait for a cluster state, the event log. Clean-up touches only this cluster.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { failureDigest, summarizeLoad } from '../../bench/chaos/load-summary'
import type { RequestRecord } from '../../bench/chaos/open-loop'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import { waitFor } from '../../src/shared/testing/poll'
import { dockerAvailable, removeClusterImages, removeContainersOf } from './docker'
import { clusterIdOf, type HeadlessProcess, startHeadless, testEnv } from './headless-process'

export const labRuntime = dockerAvailable ? 'docker' : 'process'

export interface LabVim {
  vim: HeadlessProcess
  cluster: string
  /** Stops the VIM and removes this cluster's containers and images. */
  stop(): Promise<void>
}

/**
 * `npm run serve -- --lab VMS --lab-prefix lab` on free ports (and `args`, e.g. --data-plane haproxy), with
 * the user's settings.json saved first.
 */
export async function startLabVim(
  vms: number,
  settings: unknown,
  token: string,
  args: readonly string[] = [],
): Promise<LabVim> {
  const env = testEnv({ ACS_TOKEN: token })
  writeFileSync(join(env.ACS_DATA_DIR, 'settings.json'), JSON.stringify(settings))
  const cluster = clusterIdOf(env.ACS_DATA_DIR)
  const vim = await startHeadless(
    [
      ...['--lab', String(vms), '--lab-prefix', 'lab', '--runtime', labRuntime],
      ...['--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
      ...args,
    ],
    env,
  )
  return {
    vim,
    cluster,
    stop: async () => {
      await vim.stop()
      if (dockerAvailable) {
        await removeContainersOf(undefined, cluster)
        await removeClusterImages(cluster)
      }
    },
  }
}

/** A control-API call with the VIM's token; throws with the status and the body when refused. */
export async function vimApi<T>(vim: HeadlessProcess, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${vim.baseUrl}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${vim.token}`, 'Content-Type': 'application/json', ...init.headers },
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
  return body as T
}

/** Waits for a cluster state, read through the API as a user would. */
export function clusterWhere(
  vim: HeadlessProcess,
  what: string,
  check: (s: ClusterSnapshot) => boolean,
  ms = 60_000,
): Promise<ClusterSnapshot> {
  return waitFor(
    what,
    async () => {
      const s = await vimApi<ClusterSnapshot>(vim, '/cluster')
      return check(s) ? s : undefined
    },
    ms,
  )
}

/** The event log from 5 s before `since` (epoch ms), oldest first, each line stamped with ms since then. */
export async function eventLog(vim: HeadlessProcess, since: number): Promise<string> {
  const events = await vimApi<ClusterEvent[]>(vim, '/events?limit=300')
  return events
    .filter((e) => e.at >= since - 5000)
    .reverse()
    .map((e) => `${e.at - since} ms ${e.kind} ${e.message}`)
    .join('\n')
}

/** Lets a load run on for `ms` after a change, so requests sent around it are counted too. */
export const keepLoading = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A VM's containers, or only those in `state`. */
export const containersOn = (s: ClusterSnapshot, vm: string, state?: string) =>
  s.vms.find((v) => v.name === vm)?.containers.filter((c) => state === undefined || c.state === state)
    .length ?? 0

/**
 * No request of a load at `rate` failed, and it ran at least 5 s. The message says what failed, from
 * whom and when (ms since `since`), then the cluster's log.
 */
export function expectNoFailure(records: readonly RequestRecord[], rate: number, since: number, log: string) {
  expect(records.length).toBeGreaterThan(rate * 5)
  const digest = failureDigest(records, since).join('\n')
  expect(summarizeLoad(records).failedByKind, `${digest}\n${log}`).toEqual({})
}
