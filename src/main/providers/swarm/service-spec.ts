// The workload as one Swarm service: the same image, limits, hardening and cluster label as the agents'
// containers, placement mapped to Swarm, and host networking with one port per task slot. Pure, so that
// what Swarm is asked to run is tested without Swarm.

import { REPLICA_HARDENING, REPLICA_TMPFS_BYTES } from '../../../../vmm-agent/runtime/replica-hardening'
import { LABEL_CLUSTER } from '../../../shared/cluster-id'
import type { PlacementStrategy } from '../../../shared/scaler'

/** Marks the service (and the Swarm) as the VIM's own, so that it never touches another's. */
export const LABEL_SWARM_OWNER = 'acs.swarm-owner'
export const SWARM_OWNER = 'auto-cloud-scaler'
/** The most tasks one service may have: three digits of slot after the port base's thousands. */
export const MAX_SWARM_REPLICAS = 999

export interface ServiceSettings {
  clusterId: string
  image: string
  replicas: number
  /** Each task's CPU limit, in CPUs, and memory limit, in bytes (the agents' container size). */
  cpus: number
  memoryBytes: number
  placement: PlacementStrategy
  /** Most tasks on one node (a node's capacity); 0 = no limit. */
  maxPerNode: number
  /** Task slot N listens on portBase + N on its node's network; a multiple of 1000. */
  portBase: number
  /** How long a task may finish its requests after SIGTERM. */
  stopGraceMs: number
  /** Engines from API 1.44 (Docker 25) take no-new-privileges for a service; older ones refuse the field. */
  noNewPrivileges: boolean
}

export function serviceName(clusterId: string): string {
  return `acs-workload-${clusterId}`
}

/**
 * Swarm's templates give the slot as a string and have no arithmetic, so the port is written out: the
 * base's thousands, then the slot padded to three digits (slot 7 of base 30000 → 30007).
 */
export function slotPortTemplate(portBase: number): string {
  checkPortBase(portBase)
  const thousands = String(portBase / 1000)
  return `{{if eq (len .Task.Slot) 1}}${thousands}00{{else if eq (len .Task.Slot) 2}}${thousands}0{{else}}${thousands}{{end}}{{.Task.Slot}}`
}

/** The port slot `slot` listens on: what the template above renders. */
export function slotPort(portBase: number, slot: number): number {
  return portBase + slot
}

export function checkPortBase(portBase: number): void {
  if (!Number.isInteger(portBase) || portBase % 1000 !== 0 || portBase < 1000 || portBase > 64000)
    throw new Error(
      `the Swarm port base must be a multiple of 1000 between 1000 and 64000 (task slots add up to 999), got ${portBase}`,
    )
}

/** The service spec Docker's API takes (POST /services/create and /services/ID/update). */
export function serviceSpec(settings: ServiceSettings) {
  if (!(settings.cpus > 0)) throw new Error(`a task needs a positive CPU limit, got ${settings.cpus}`)
  if (settings.replicas > MAX_SWARM_REPLICAS)
    throw new Error(
      `a Swarm service here runs at most ${MAX_SWARM_REPLICAS} tasks, asked for ${settings.replicas}`,
    )
  const hardening = REPLICA_HARDENING
  const labels = { [LABEL_CLUSTER]: settings.clusterId, [LABEL_SWARM_OWNER]: SWARM_OWNER }
  return {
    Name: serviceName(settings.clusterId),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: settings.image,
        Labels: labels,
        Env: [
          `PORT=${slotPortTemplate(settings.portBase)}`,
          // The node's host name and the task's name: what X-Served-By shows a person.
          'SERVED_BY={{.Node.Hostname}}/{{.Task.Name}}',
          `CPUS=${settings.cpus}`,
        ],
        ReadOnly: hardening.readOnlyRootfs,
        CapabilityDrop: [...hardening.capDrop],
        ...(settings.noNewPrivileges &&
          hardening.noNewPrivileges && { Privileges: { NoNewPrivileges: true } }),
        Mounts: [
          {
            Type: 'tmpfs',
            Target: Object.keys(hardening.tmpfs)[0],
            TmpfsOptions: { SizeBytes: REPLICA_TMPFS_BYTES, Mode: 0o1777 },
          },
        ],
        StopGracePeriod: Math.round(settings.stopGraceMs * 1e6),
      },
      Resources: {
        Limits: {
          NanoCPUs: Math.round(settings.cpus * 1e9),
          MemoryBytes: Math.round(settings.memoryBytes),
          Pids: hardening.pidsLimit,
        },
      },
      // The predefined host network: the lab engines run without a bridge or iptables, so neither the
      // ingress mesh nor overlay networks work there (docs/SCALING-OUT.md, "Swarm").
      Networks: [{ Target: 'host' }],
      Placement: {
        ...(settings.placement === 'spread' && {
          Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }],
        }),
        ...(settings.maxPerNode > 0 && { MaxReplicas: settings.maxPerNode }),
      },
      RestartPolicy: { Condition: 'any', Delay: 1e9 },
    },
    Mode: { Replicated: { Replicas: settings.replicas } },
    // A changed spec replaces tasks one at a time, the old one first: its slot's port is taken until it goes.
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause' },
  }
}
