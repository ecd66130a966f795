// Two VIMs with labs on one Docker engine, different data dirs and the SAME lab VM names: each keeps
// exactly its own containers through the other's start, scale-up and stop, and a test-style clean-up of
// one cluster leaves a running VIM's containers alone. Containers are told apart by cluster label only.
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../support/agent-process'
import { containersOf, removeClusterImages, removeContainersOf, shouldRunDocker } from '../support/docker'
import { clusterIdOf, type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'

const TOKEN = 'two-clusters-token'

interface Vim {
  process: HeadlessProcess
  cluster: string
  dataDir: string
}

async function startVim(): Promise<Vim> {
  const env = testEnv({ ACS_TOKEN: TOKEN })
  const cluster = clusterIdOf(env.ACS_DATA_DIR)
  // One prefix for both: the VM names collide on purpose, so only the cluster label keeps them apart.
  const args = ['--lab', '1', '--lab-prefix', 'shared', '--runtime', 'docker']
  const process = await startHeadless(
    [...args, '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
    env,
  )
  return { process, cluster, dataDir: env.ACS_DATA_DIR }
}

/** Running container ids of one cluster, sorted. */
async function runningOf(cluster: string): Promise<string[]> {
  return (await containersOf(undefined, cluster))
    .filter((c) => c.State === 'running')
    .map((c) => c.Id)
    .sort()
}

const atLeast = (cluster: string, n: number) =>
  waitFor(
    `${n} running container(s) of cluster ${cluster}`,
    async () => {
      const ids = await runningOf(cluster)
      return ids.length >= n ? ids : undefined
    },
    40_000,
  )

describe.runIf(shouldRunDocker())('two clusters on one Docker engine', () => {
  const vims: Vim[] = []

  afterAll(async () => {
    for (const vim of vims) {
      await vim.process.stop().catch(() => {})
      await removeContainersOf(undefined, vim.cluster)
      await removeClusterImages(vim.cluster)
      rmSync(vim.dataDir, { recursive: true, force: true })
    }
  })

  it('each keeps exactly its own containers through start, scale-up and stop of the other', {
    timeout: 180_000,
  }, async () => {
    const a = await startVim()
    vims.push(a)
    const mine = await atLeast(a.cluster, 1)

    const b = await startVim()
    vims.push(b)
    expect(b.cluster).not.toBe(a.cluster)
    await atLeast(b.cluster, 1)
    expect(await runningOf(a.cluster)).toEqual(mine)

    // Scale B up: its agent for VM shared-1 starts more containers, and must not count A's shared-1 ones.
    const response = await fetch(`${b.process.baseUrl}/api/v1/policy`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ scaling: { policy: { minReplicas: 3 } } }),
    })
    expect(response.status).toBe(200)
    await atLeast(b.cluster, 3)
    expect(await runningOf(a.cluster)).toEqual(mine)

    // Stop B: its agents remove their containers, and only theirs.
    await b.process.stop()
    await waitFor(
      "no container of the stopped VIM's cluster",
      async () => ((await containersOf(undefined, b.cluster)).length === 0 ? true : undefined),
      30_000,
    )
    expect(await runningOf(a.cluster)).toEqual(mine)
  })

  it("a test's clean-up of its own cluster leaves a running VIM's containers alone", async () => {
    const a = vims[0]!
    const before = await runningOf(a.cluster)
    expect(before.length).toBeGreaterThanOrEqual(1)
    // What test clean-ups do: by VM name within their own cluster, and the whole of their cluster.
    await removeContainersOf('shared-1')
    await removeContainersOf(undefined)
    expect(await runningOf(a.cluster)).toEqual(before)
    // And the running VIM still sees its VM ready.
    const response = await fetch(`${a.process.baseUrl}/api/v1/cluster`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    const snapshot = (await response.json()) as { vms: { name: string; status: string }[] }
    expect(snapshot.vms.find((vm) => vm.name === 'shared-1')?.status).toBe('ready')
  })
})
