// Which containers a cluster has, from both sides: Docker (by the cluster's label) and the VIM's API. From
// the two, `countContainers` (pure) says how many replicas are lost, duplicated or orphaned.
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import { connectDocker } from '../../vmm-agent/runtime/docker-connection'
import { LABEL_CLUSTER, LABEL_VM } from '../../vmm-agent/runtime/docker-runtime'

export interface DockerContainer {
  id: string
  vm: string
  /** Docker's state: running, paused, exited, created, restarting, … */
  state: string
}

export interface ContainerCount {
  /** Replicas that serve: ready in the API and running (not paused) in Docker. */
  serving: number
  /** The scenario's target total minus the serving replicas, when fewer serve. */
  lost: number
  /** Live replicas beyond a VM's target, summed over the VMs. */
  duplicated: number
  /** Running or paused containers of the cluster that no VM in the API lists: nobody owns them. */
  orphaned: number
  /** Per VM: "lab-1 1/1" (serving / target). */
  perVm: string[]
}

const LIVE = new Set(['starting', 'ready', 'draining'])

export function countContainers(
  snapshot: ClusterSnapshot,
  docker: readonly DockerContainer[],
  expectedTotal: number,
): ContainerCount {
  const dockerState = new Map(docker.map((c) => [c.id, c.state]))
  const listed = new Set(snapshot.vms.flatMap((vm) => vm.containers.map((c) => c.id)))
  let serving = 0
  let duplicated = 0
  const perVm: string[] = []
  for (const vm of snapshot.vms) {
    const live = vm.containers.filter((c) => LIVE.has(c.state))
    const here = vm.containers.filter(
      (c) => c.state === 'ready' && dockerState.get(c.id) === 'running',
    ).length
    serving += here
    duplicated += Math.max(0, live.length - vm.target)
    perVm.push(`${vm.name} ${here}/${vm.target}`)
  }
  const orphaned = docker.filter(
    (c) => (c.state === 'running' || c.state === 'paused') && !listed.has(c.id),
  ).length
  return { serving, lost: Math.max(0, expectedTotal - serving), duplicated, orphaned, perVm }
}

/** The cluster's containers on the Docker engine, any state. */
export async function dockerContainersOf(cluster: string): Promise<DockerContainer[]> {
  const { docker } = connectDocker()
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_CLUSTER}=${cluster}`] } })
  return list.map((c) => ({ id: c.Id, vm: c.Labels[LABEL_VM] ?? '?', state: c.State }))
}
