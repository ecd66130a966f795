// Assembles Swarm mode for the core: the VIM's own Docker Engine as the Swarm manager, the workload image
// built there from the bundled server, and the Swarm provider on top.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../../../vmm-agent/config'
import { connectDocker } from '../../../../vmm-agent/runtime/docker-connection'
import { ensureWorkloadImage } from '../../../../vmm-agent/runtime/workload-image'
import { interfaceAddresses } from '../../config/listen-address'
import { SwarmEngine } from './swarm-engine'
import { SwarmProvider, type SwarmProviderDeps } from './swarm-provider'

export interface SwarmModeOptions
  extends Pick<
    SwarmProviderDeps,
    'store' | 'series' | 'events' | 'clusterId' | 'dataDir' | 'settings' | 'taskSize' | 'inFlight'
  > {
  /** dist/vmm-agent.mjs; the workload server is bundled beside it (dist/workload-server.cjs). */
  agentBundle: string
  /** The front data plane: Swarm mode needs the embedded one, which probes each task's own /healthz. */
  dataPlane: 'embedded' | 'haproxy'
}

export function openSwarmMode(options: SwarmModeOptions): SwarmProvider {
  const { agentBundle, dataPlane, ...deps } = options
  const dockerHost = process.env.DOCKER_HOST
  let engine: { docker: ReturnType<typeof connectDocker>['docker']; swarm: SwarmEngine } | undefined
  const local = () => {
    if (!engine) {
      const { docker } = connectDocker(dockerHost)
      engine = { docker, swarm: new SwarmEngine(docker, options.clusterId) }
    }
    return { ...engine, dockerHost }
  }
  return new SwarmProvider({
    ...deps,
    engine: local,
    workloadImage: async () => {
      const image = await ensureWorkloadImage(local().docker, workloadServer(agentBundle), {
        cluster: options.clusterId,
      })
      return image.tag
    },
    defaultAdvertiseAddress: () =>
      interfaceAddresses().find((entry) => !entry.internal && !entry.address.includes(':'))?.address,
    drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
    unsupported: () =>
      dataPlane === 'haproxy'
        ? 'the HAProxy data plane does not yet probe each Swarm task on its own /healthz: run the VIM with --data-plane embedded for Swarm mode'
        : undefined,
  })
}

function workloadServer(agentBundle: string): string {
  const file = join(dirname(agentBundle), 'workload-server.cjs')
  if (!existsSync(file))
    throw new Error(
      `the workload server bundle ${file} is missing: run npm run build:agent (it is made with the agent)`,
    )
  return readFileSync(file, 'utf8')
}
