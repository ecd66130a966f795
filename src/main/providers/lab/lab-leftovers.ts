// Lab containers that no running agent will remove: those of an agent that was killed (found at the VIM's
// stop) and those a crashed run left behind (found at the next start). Which ones is a pure rule; the
// Docker calls around it are bounded, so a hung engine never holds up the VIM's exit.
import type Docker from 'dockerode'
import {
  LABEL_CLUSTER,
  LABEL_MANAGED_BY,
  LABEL_VM,
  MANAGED_BY,
} from '../../../../vmm-agent/runtime/container-labels'
import { LAB_VMS_LIMIT } from './lab-settings'

export interface LabeledContainer {
  id: string
  /** Docker's name, without its leading slash: what a person sees in `docker ps`. */
  name: string
  labels: Record<string, string>
}

export interface LeftoverRule {
  cluster: string
  /** Lab VM names are `<namePrefix>-<n>`. */
  namePrefix: string
  /** Lab VMs whose agents run or are starting: they adopt their containers, which are not leftovers. */
  spare: ReadonlySet<string>
  /** A VM of another provider (an SSH host on this machine, say) that happens to have a lab-like name. */
  ownedElsewhere: (vmName: string) => boolean
}

/** The lab VM a container belongs to, when it is a vmm-agent container of this cluster's lab. */
export function labVmOf(
  labels: Record<string, string>,
  cluster: string,
  namePrefix: string,
): string | undefined {
  if (labels[LABEL_MANAGED_BY] !== MANAGED_BY || labels[LABEL_CLUSTER] !== cluster) return undefined
  const vm = labels[LABEL_VM]
  if (vm === undefined || !vm.startsWith(`${namePrefix}-`)) return undefined
  const n = vm.slice(namePrefix.length + 1)
  return /^[1-9]\d*$/.test(n) && Number(n) <= LAB_VMS_LIMIT ? vm : undefined
}

/** The containers to remove: this cluster's lab containers of VMs that are not spared nor another's. */
export function leftoverContainers(
  containers: readonly LabeledContainer[],
  rule: LeftoverRule,
): LabeledContainer[] {
  return containers.filter((container) => {
    const vm = labVmOf(container.labels, rule.cluster, rule.namePrefix)
    return vm !== undefined && !rule.spare.has(vm) && !rule.ownedElsewhere(vm)
  })
}

export interface SweepResult {
  /** Names of the containers removed. */
  removed: string[]
  /** What went wrong, ready to log, when not every leftover could be removed. */
  problem?: string
}

/** Lists the cluster's containers, removes the leftovers (forced: they may run), all within `timeoutMs`. */
export async function removeLeftoverContainers(
  docker: Docker,
  rule: LeftoverRule,
  timeoutMs: number,
): Promise<SweepResult> {
  const removed: string[] = []
  const failed: string[] = []
  const sweep = async () => {
    const listed = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_CLUSTER}=${rule.cluster}`] },
    })
    const containers = listed.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      labels: c.Labels ?? {},
    }))
    await Promise.all(
      leftoverContainers(containers, rule).map(async (container) => {
        try {
          await docker.getContainer(container.id).remove({ force: true })
          removed.push(container.name)
        } catch (error) {
          // Already gone (its agent was quicker) is what we wanted.
          if ((error as { statusCode?: number }).statusCode === 404) return
          failed.push(`${container.name}: ${(error as Error).message}`)
        }
      }),
    )
  }
  let timer: NodeJS.Timeout | undefined
  const outOfTime = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const cleanUp = `docker rm -f $(docker ps -aq --filter label=${LABEL_CLUSTER}=${rule.cluster})`
  try {
    const outcome = await Promise.race([sweep().then(() => 'done' as const), outOfTime])
    if (outcome === 'timeout')
      return {
        removed,
        problem: `the Docker Engine did not finish removing the lab's containers within ${timeoutMs / 1000} s; remove what is left with: ${cleanUp}`,
      }
  } catch (error) {
    return {
      removed,
      problem: `could not list the lab's containers: ${(error as Error).message}; remove what is left with: ${cleanUp}`,
    }
  } finally {
    clearTimeout(timer)
  }
  if (failed.length > 0) return { removed, problem: `could not remove ${failed.join('; ')}` }
  return { removed }
}

/** "2 containers", "1 container". */
export function containerCount(n: number): string {
  return `${n} ${n === 1 ? 'container' : 'containers'}`
}
