// Picks how this agent measures its replicas: cgroup files or Docker's stats stream for containers,
// /proc for plain processes. The agent's loop sees only `sample()`.
import type { ReplicaStatsSource } from './agent'
import type { AgentConfig } from './config'
import { connectDocker } from './runtime/docker-connection'
import { StatsCollector } from './stats/collector'
import { DockerStatsProbe } from './stats/docker-probe'
import { ProcessStatsProbe } from './stats/proc-source'

export function createStatsSource(config: Pick<AgentConfig, 'runtime' | 'dockerHost'>): ReplicaStatsSource {
  const probe =
    config.runtime === 'docker'
      ? new DockerStatsProbe(connectDocker(config.dockerHost).docker)
      : new ProcessStatsProbe()
  const collector = new StatsCollector(probe)
  return {
    sample: async (replicas) =>
      new Map(
        (await collector.collect(replicas)).map((s) => [
          s.id,
          { cpuPercent: s.cpuPercent, memoryBytes: s.memoryBytes },
        ]),
      ),
    close: () => collector.close(),
  }
}
