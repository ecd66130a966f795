// Which container runtime the lab's agents use: Docker when asked, or when 'auto' and the engine answers;
// plain processes otherwise. The choice comes with its reason, for the event log.
import {
  connectDocker,
  DEFAULT_DOCKER_HOST,
  pingDocker,
} from '../../../../vmm-agent/runtime/docker-connection'
import type { LabRuntime } from './agent-command'
import type { LabRuntimeRequest } from './lab-settings'

export interface LabRuntimeChoice {
  runtime: LabRuntime
  reason: string
}

/** Resolves when a Docker Engine answers at `dockerHost`; rejects with why not. */
export type DockerCheck = (dockerHost: string | undefined) => Promise<void>

/** The real check: a ping, bounded so that a dead TCP host does not hold up the lab's first start. */
export const pingDockerEngine: DockerCheck = (dockerHost) => pingDocker(connectDocker(dockerHost), 3000)

export async function chooseLabRuntime(
  requested: LabRuntimeRequest,
  dockerHost: string | undefined,
  checkDocker: DockerCheck = pingDockerEngine,
): Promise<LabRuntimeChoice> {
  if (requested === 'docker') return { runtime: 'docker', reason: 'Docker was asked for (runtime: docker)' }
  if (requested === 'process')
    return { runtime: 'process', reason: 'plain processes were asked for (runtime: process); no isolation' }
  try {
    await checkDocker(dockerHost)
    return { runtime: 'docker', reason: `the Docker Engine answers at ${dockerHost ?? DEFAULT_DOCKER_HOST}` }
  } catch (error) {
    return {
      runtime: 'process',
      reason: `${(error as Error).message.replace(/\.$/, '')}; using plain processes (no isolation, limits not enforced)`,
    }
  }
}
