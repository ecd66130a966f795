// The agent's entry point to measurement: the right probe for its runtime behind a StatsCollector,
// shaped as the agent's stats source (one `sample` call per second).
import type Dockerode from 'dockerode'
import { connectDocker } from '../runtime/docker-connection'
import type { ContainerRuntime, ReplicaHandle, RuntimeKind } from '../runtime/runtime'
import { StatsCollector, type StatsCollectorOptions } from './collector'
import { DockerStatsProbe, type DockerStatsProbeOptions } from './docker-probe'
import { ProcessStatsProbe } from './proc-source'
import type { StatsProbe } from './usage-source'

export { type ReplicaStats, StatsCollector } from './collector'
export { cpuPercentOfAllotment } from './cpu-percent'
export { DockerStatsProbe } from './docker-probe'
export { ProcessStatsProbe } from './proc-source'
export type { StatsProbe, StatsTarget, UsageSample, UsageSource } from './usage-source'

export interface StatsSourceOptions extends StatsCollectorOptions, DockerStatsProbeOptions {
  /** The engine for the streaming fallback; by default one for `dockerHost`. */
  docker?: Dockerode
  /** The agent's --docker-host (default: DOCKER_HOST, then the local socket), when `docker` is not given. */
  dockerHost?: string
}

/** A replica's figures for one round; a figure that could not be measured is absent. */
export interface SampledStats {
  cpuPercent?: number
  memoryBytes?: number
}

export interface StatsSource {
  /** One round for the current replica set; call once a second. */
  sample(replicas: readonly ReplicaHandle[]): Promise<Map<string, SampledStats>>
  close(): void
}

export function createStatsSource(
  kind: RuntimeKind,
  runtime?: ContainerRuntime,
  options: StatsSourceOptions = {},
): StatsSource {
  if (runtime && runtime.kind !== kind)
    throw new Error(`stats for a '${kind}' runtime asked of a '${runtime.kind}' runtime`)
  const probe: StatsProbe =
    kind === 'process'
      ? new ProcessStatsProbe(options.procRoot)
      : new DockerStatsProbe(options.docker ?? connectDocker(options.dockerHost).docker, options)
  const collector = new StatsCollector(probe, options)
  return {
    async sample(replicas) {
      const round = await collector.collect(replicas)
      return new Map(
        round.map(({ id, cpuPercent, memoryBytes }) => [
          id,
          {
            ...(cpuPercent !== undefined ? { cpuPercent } : {}),
            ...(memoryBytes !== undefined ? { memoryBytes } : {}),
          },
        ]),
      )
    },
    close: () => collector.close(),
  }
}
