// The per-request CPU cost, measured rather than assumed: a steady load on one replica for a few seconds,
// its CPU time (cgroup files, or /proc without Docker) before and after, over the requests it answered.
import { startTraffic } from '../../../src/main/traffic/traffic-generator'
import { connectDocker } from '../../../vmm-agent/runtime/docker-connection'
import { DockerStatsProbe, ProcessStatsProbe, type StatsProbe } from '../../../vmm-agent/stats'
import type { AgentProcess } from './agent-process'

export interface RequestCost {
  /** CPU per answered request, in real ms of one core (the workload's burn and its HTTP handling). */
  costMs: number
  requests: number
  failed: number
  seconds: number
  rate: number
}

export async function measureRequestCost(
  agent: AgentProcess,
  runtime: 'docker' | 'process',
  rate: number,
  seconds: number,
): Promise<RequestCost> {
  const replicas = (await agent.status()).replicas.filter((r) => r.state === 'ready')
  const probe: StatsProbe =
    runtime === 'docker' ? new DockerStatsProbe(connectDocker().docker) : new ProcessStatsProbe()
  const sources = await Promise.all(replicas.map((r) => probe.open({ id: r.id, cpus: r.cpus })))
  const cpuNanos = async () => {
    const samples = await Promise.all(sources.map((source) => source.read()))
    if (samples.some((s) => s === undefined)) throw new Error('a replica could not be measured')
    return samples.reduce((sum, s) => sum + s!.cpuNanos, 0)
  }
  try {
    const before = await cpuNanos()
    const run = await startTraffic({
      plan: {
        url: `${agent.lbUrl}/`,
        pattern: { kind: 'steady', rate },
        durationSeconds: seconds,
        timeoutSeconds: 10,
      },
    })
    const summary = await run.done
    const after = await cpuNanos()
    const answered = summary.total.completed - summary.total.failed
    if (answered <= 0)
      throw new Error(`no request answered while calibrating (${summary.total.failed} failed)`)
    return {
      costMs: (after - before) / 1e6 / answered,
      requests: answered,
      failed: summary.total.failed,
      seconds,
      rate,
    }
  } finally {
    for (const source of sources) source.close()
    probe.close?.()
  }
}
