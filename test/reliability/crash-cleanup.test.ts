// Crash clean-up with a real headless VIM and a Docker lab of 2: a SIGKILLed agent comes back on its own
// and adopts its container; an agent SIGKILLed just before Ctrl-C leaves no container behind; a container
// a crashed run left for a VM the lab does not have is removed at the next start, with an event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import { ownerLabels } from '../../vmm-agent/runtime/container-labels'
import { waitFor } from '../support/agent-process'
import {
  containersOf,
  docker,
  removeClusterImages,
  removeContainersOf,
  shouldRunDocker,
} from '../support/docker'
import { clusterIdOf, type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { vimApi as api, containersOn } from '../support/lab-vim'

const TOKEN = 'crash-cleanup-token'
const run = shouldRunDocker()

/** The pid of a VM's agent, from its own status page. */
async function agentPid(vim: HeadlessProcess, vm: string): Promise<number> {
  const snapshot = await api<ClusterSnapshot>(vim, '/cluster')
  const address = snapshot.vms.find((v) => v.name === vm)?.address
  const status = (await (await fetch(`http://${address}/_agent/status`)).json()) as { pid: number }
  return status.pid
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.runIf(run)('crash clean-up of a Docker lab of 2', () => {
  const env = testEnv({ ACS_TOKEN: TOKEN })
  const cluster = clusterIdOf(env.ACS_DATA_DIR)
  const prefix = `crash-${cluster.slice(1, 5)}`
  const [vm1, vm2] = [`${prefix}-1`, `${prefix}-2`]
  const args = ['--lab', '2', '--lab-prefix', prefix, '--runtime', 'docker']
  const ports = ['--ui-port', '0', '--proxy-port', '0', '--hub-port', '0']
  let vim: HeadlessProcess

  /** Both agents connected; with `oneEach`, also one ready container on each (as at start). */
  const bothReady = (oneEach: boolean) =>
    waitFor(
      oneEach ? 'both lab VMs ready with one container each' : 'both lab agents connected',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        const up = (vm: string) => s.vms.find((v) => v.name === vm)?.status === 'ready'
        const serving = (vm: string) => !oneEach || containersOn(s, vm, 'ready') === 1
        return [vm1, vm2].every((vm) => up(vm) && serving(vm)) ? s : undefined
      },
      90_000,
    )

  /**
   * SIGKILLs one lab agent, then sends `signal` to the VIM's whole process group (as Ctrl-C does to the
   * foreground group): no container of the cluster and no agent may be left.
   */
  async function killAgentThenStop(victim: string, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
    const agents = [await agentPid(vim, vm1), await agentPid(vim, vm2)]
    process.kill(agents[victim === vm1 ? 0 : 1] as number, 'SIGKILL')
    const exited = new Promise((resolve) => vim.child.once('exit', resolve))
    process.kill(-(vim.child.pid as number), signal)
    await exited
    await waitFor(
      'no container of the cluster and no agent left',
      async () => {
        const left = await containersOf(undefined, cluster)
        return left.length === 0 && !agents.some(alive) ? true : undefined
      },
      60_000,
    )
    expect(vim.output()).toMatch(new RegExp(`${signal}: shutting down`))
  }

  beforeAll(async () => {
    vim = await startHeadless([...args, ...ports], env)
  })
  afterAll(async () => {
    await vim?.stop()
    await removeContainersOf(undefined, cluster)
    await removeClusterImages(cluster)
  })

  it('restarts a SIGKILLed agent on its own, at low load, and it adopts its container', async () => {
    await bothReady(true)
    const before = (await containersOf(vm2, cluster)).map((c) => c.Id)
    expect(before).toHaveLength(1)
    const pid = await agentPid(vim, vm2)
    process.kill(pid, 'SIGKILL')

    // No request, no scaling need: the lab alone brings it back.
    await waitFor(
      `${vm2} back under a new agent`,
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        if (s.vms.find((v) => v.name === vm2)?.status !== 'ready' || containersOn(s, vm2, 'ready') !== 1)
          return undefined
        return (await agentPid(vim, vm2)) !== pid ? true : undefined
      },
      60_000,
    )
    const events = await api<ClusterEvent[]>(vim, `/events?vmId=${vm2}`)
    expect(events.map((e) => e.message)).toContain(
      `${vm2}'s agent exited (signal SIGKILL); restarting it in 1 s`,
    )
    // Adopted, not duplicated: the same one container. Meanwhile the VIM placed its replica on the other
    // VM and may take this one back to 0; the restarted agent never adds one beside the adopted one.
    expect((await containersOf(vm2, cluster)).map((c) => c.Id)).toEqual(before)
    const settled = Date.now() + 3000
    while (Date.now() < settled) {
      expect((await containersOf(vm2, cluster)).length).toBeLessThanOrEqual(1)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }, 120_000)

  it('leaves no container of the cluster after an agent SIGKILL followed at once by Ctrl-C', async () => {
    await bothReady(false)
    expect((await containersOf(vm1, cluster)).length).toBeGreaterThan(0)
    await killAgentThenStop(vm1, 'SIGINT')
  }, 180_000)

  it('removes at the next start a container a crashed run left for a VM the lab does not have', async () => {
    const images = await docker.listImages({ filters: { label: [`acs.cluster=${cluster}`] } })
    const image = images.flatMap((i) => i.RepoTags ?? []).find((tag) => tag.startsWith('acs-workload-'))
    expect(image).toBeDefined()
    const stray = `${prefix}-9`
    const leftover = await docker.createContainer({
      Image: image as string,
      name: `acs-${stray}-left`,
      Labels: ownerLabels({ cluster, vmName: stray }),
      HostConfig: { NanoCpus: 100_000_000, Memory: 64 * 2 ** 20 },
    })
    await leftover.start()

    // `npm start` this time: with no display it runs the same core headless.
    vim = await startHeadless([...args, ...ports], env, 'start')
    await bothReady(true)
    const removed = await waitFor(
      'the leftover removed, with an event',
      async () => {
        const events = await api<ClusterEvent[]>(vim, '/events?kinds=provider')
        return events.find((e) => /left by a previous run/.test(e.message))
      },
      30_000,
    )
    expect(removed.message).toBe(`lab: removed 1 container left by a previous run: acs-${stray}-left`)
    expect(await containersOf(stray, cluster)).toEqual([])
    // The lab's own VMs kept theirs.
    expect((await containersOf(vm1, cluster)).length).toBe(1)
    expect((await containersOf(vm2, cluster)).length).toBe(1)
  }, 120_000)

  it('leaves no container either when `npm start` gets SIGTERM just after an agent SIGKILL', async () => {
    await killAgentThenStop(vm2, 'SIGTERM')
  }, 120_000)
})
