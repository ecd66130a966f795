// The Swarm manager the VIM drives, through dockerode: initialise a Swarm or use the one the engine is a
// manager of, read nodes and the service's tasks, set the service and node availability, and leave only
// a Swarm the VIM made.
import type Docker from 'dockerode'
import { dockerMessage, dockerStatus } from '../../../../vmm-agent/runtime/docker-connection'
import { LABEL_SWARM_OWNER, SWARM_OWNER, serviceName, type serviceSpec } from './service-spec'
import {
  type DockerNode,
  type DockerTask,
  nodeView,
  type SwarmNodeView,
  type SwarmTaskView,
  taskView,
} from './swarm-view'

export const SWARM_PORT = 2377

export interface SwarmHandle {
  /** The VIM initialised it (and leaves it when Swarm mode ends); false for a Swarm it found. */
  owned: boolean
  /** `address:2377`, where nodes join. */
  managerAddress: string
  /** The engine's API version, for fields older engines refuse. */
  apiVersion: string
}

type ServiceSpec = ReturnType<typeof serviceSpec>

export class SwarmEngine {
  constructor(
    readonly docker: Docker,
    private readonly clusterId: string,
  ) {}

  /**
   * Makes the engine a Swarm manager: a new Swarm advertised on `advertiseAddress`, or the one it already
   * manages (never changed beyond the VIM's service). A worker of another Swarm is refused.
   */
  async ensureSwarm(advertiseAddress: string): Promise<SwarmHandle> {
    const info = (await this.docker.info()) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeAddr?: string }
    }
    const version = (await this.docker.version()) as { ApiVersion?: string }
    const apiVersion = version.ApiVersion ?? '1.41'
    const state = info.Swarm?.LocalNodeState ?? 'inactive'
    if (state === 'active' && info.Swarm?.ControlAvailable) {
      const swarm = (await this.docker.swarmInspect()) as { Spec?: { Labels?: Record<string, string> } }
      const owned = swarm.Spec?.Labels?.[LABEL_SWARM_OWNER] === ownerValue(this.clusterId)
      return { owned, managerAddress: `${info.Swarm.NodeAddr}:${SWARM_PORT}`, apiVersion }
    }
    if (state !== 'inactive')
      throw new Error(
        `this Docker Engine is a worker (or ${state}) in a Swarm the VIM did not create; give the VIM its manager's engine instead, or run 'docker swarm leave' on it yourself`,
      )
    try {
      await this.docker.swarmInit({
        ListenAddr: `0.0.0.0:${SWARM_PORT}`,
        AdvertiseAddr: advertiseAddress,
        Spec: { Labels: { [LABEL_SWARM_OWNER]: ownerValue(this.clusterId) } },
      })
    } catch (error) {
      throw new Error(
        `could not initialise a Swarm advertised on ${advertiseAddress}: ${dockerMessage(error)}`,
      )
    }
    return { owned: true, managerAddress: `${advertiseAddress}:${SWARM_PORT}`, apiVersion }
  }

  /** The worker join token: passed to `docker swarm join` as an argument, never logged or returned. */
  async workerToken(): Promise<string> {
    const swarm = (await this.docker.swarmInspect()) as { JoinTokens?: { Worker?: string } }
    const token = swarm.JoinTokens?.Worker
    if (!token) throw new Error('the Swarm manager gave no worker join token')
    return token
  }

  async nodes(): Promise<SwarmNodeView[]> {
    return ((await this.docker.listNodes()) as DockerNode[]).map(nodeView)
  }

  async tasks(): Promise<SwarmTaskView[]> {
    const tasks = (await this.docker.listTasks({
      filters: { service: [serviceName(this.clusterId)] },
    })) as DockerTask[]
    return tasks.flatMap((task) => taskView(task) ?? [])
  }

  /** Creates the service or brings it to `spec` (replicas included). */
  async applyService(spec: ServiceSpec): Promise<void> {
    const existing = await this.service()
    // dockerode's types lag the API (CapabilityDrop, MaxReplicas, Privileges.NoNewPrivileges).
    const options = spec as unknown as Docker.CreateServiceOptions
    if (!existing) {
      await this.docker.createService(options)
      return
    }
    await this.docker.getService(existing.ID).update({ ...options, version: existing.Version.Index })
  }

  /** The replica count in force, or undefined without the service. */
  async replicas(): Promise<number | undefined> {
    return (await this.service())?.Spec.Mode?.Replicated?.Replicas
  }

  async setAvailability(nodeId: string, availability: 'active' | 'pause' | 'drain'): Promise<void> {
    // Swarm refuses an update made against an old version of the node ("update out of sequence"): read
    // it again and retry, since another update (Swarm's own status, say) may have come in between.
    for (let attempt = 1; ; attempt++) {
      const node = (await this.docker.getNode(nodeId).inspect()) as {
        Version: { Index: number }
        Spec: Record<string, unknown>
      }
      try {
        await this.docker
          .getNode(nodeId)
          .update({ ...node.Spec, Availability: availability, version: node.Version.Index })
        return
      } catch (error) {
        if (attempt >= 3 || !/out of sequence/.test(dockerMessage(error))) throw error
      }
    }
  }

  /** Forgets a node that left (or will never come back). */
  async removeNode(nodeId: string): Promise<void> {
    await this.docker
      .getNode(nodeId)
      .remove({ force: true })
      .catch((error) => {
        if (dockerStatus(error) !== 404) throw error
      })
  }

  /** Removes the service and waits (bounded) until this engine runs none of its task containers. */
  async removeService(timeoutMs = 20_000): Promise<void> {
    const existing = await this.service()
    if (existing) await this.docker.getService(existing.ID).remove()
    const filters = { label: [`com.docker.swarm.service.name=${serviceName(this.clusterId)}`] }
    const deadline = Date.now() + timeoutMs
    while ((await this.docker.listContainers({ all: true, filters })).length > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `the service's containers were still there ${Math.round(timeoutMs / 1000)} s after it was removed`,
        )
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  /** Leaves the Swarm (the manager's last act); only for a Swarm the VIM made. */
  async leave(): Promise<void> {
    await this.docker.swarmLeave({ force: true }).catch((error) => {
      if (dockerStatus(error) !== 503) throw error
    })
  }

  private async service(): Promise<
    | { ID: string; Version: { Index: number }; Spec: { Mode?: { Replicated?: { Replicas?: number } } } }
    | undefined
  > {
    const services = (await this.docker.listServices({
      filters: { name: [serviceName(this.clusterId)] },
    })) as {
      ID: string
      Version: { Index: number }
      Spec: { Name: string; Mode?: { Replicated?: { Replicas?: number } } }
    }[]
    return services.find((s) => s.Spec.Name === serviceName(this.clusterId))
  }
}

/** The label value that marks a Swarm as this cluster's VIM's. */
function ownerValue(clusterId: string): string {
  return `${SWARM_OWNER}/${clusterId}`
}

/** Whether an engine API version is at least `wanted` ("1.44" ≥ "1.41"). */
export function apiAtLeast(version: string, wanted: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const [wantMajor = 0, wantMinor = 0] = wanted.split('.').map(Number)
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
}
