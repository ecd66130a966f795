// One policy through one scenario on the real system: a fresh agent with the compressed policy, the
// scenario's replay through its load balancer, and the record the simulation's score code reads.
import { sendTimes } from '../../../src/main/traffic/schedule'
import { startTraffic } from '../../../src/main/traffic/traffic-generator'
import { compilePlan } from '../../../src/main/traffic/traffic-plan'
import { DEFAULT_BALANCER_SETTINGS } from '../../../src/shared/balancer'
import { TrafficPlan, type TrafficPlanInput, type TrafficSnapshot } from '../../../src/shared/domain/traffic'
import type { Contender } from '../contenders'
import type { RunRecord } from '../simulate'
import type { Workload } from '../workload'
import { AgentProcess } from './agent-process'
import { type AgentTiming, compressBalancer, compressPolicy, toTraceSeconds } from './compress'
import { replayedRequests, runRecord } from './record'
import type { ReplayLoad } from './replay-load'
import { RequestTap } from './request-tap'
import { type ReplicaTimeline, replicaTimeline } from './timeline'

/** Requests outstanding at once: far above what a replica queues here, so that none is held back. */
export const MAX_IN_FLIGHT = 1000
/** A request unanswered after this much trace time fails (the simulation's latency scale ends there). */
export const TIMEOUT_TRACE_SECONDS = 60

export interface PolicyRunInput {
  root: string
  runtime: 'docker' | 'process'
  /** The agent's VM name, unique to this run: its containers' label. */
  name: string
  contender: Contender
  timing: AgentTiming
  /** In trace time: the bounds, the SLO and the container size both policies get. */
  workload: Workload
  load: ReplayLoad
}

export interface PolicyRun {
  record: RunRecord
  timeline: ReplicaTimeline
  traffic: TrafficSnapshot
  /** Requests scheduled but never sent. */
  unsent: number
  realSeconds: number
}

/** The agent's flags for one contender: the policy and every other clock of the agent, compressed. */
export function agentArgs(
  contender: Contender,
  timing: AgentTiming,
  workload: Workload,
  runtime: 'docker' | 'process',
  factor: number,
): string[] {
  return [
    ...['--capacity', String(workload.maxReplicas), '--min-replicas', String(workload.minReplicas)],
    ...['--cpus-per-container', String(timing.cpus), '--memory-per-container', '64m'],
    ...(runtime === 'docker' ? ['--cpu-period-ms', String(timing.cpuPeriodMs)] : []),
    ...[
      '--request-cpu-ms',
      String(timing.requestCpuMs),
      '--loop-interval',
      String(timing.loopIntervalSeconds),
    ],
    ...['--policy', JSON.stringify(compressPolicy(contender.policy, factor))],
    ...['--balancer', JSON.stringify(compressBalancer(DEFAULT_BALANCER_SETTINGS, factor))],
  ]
}

export function replayPlan(url: string, load: ReplayLoad, source: string): TrafficPlanInput {
  return {
    url,
    pattern: { kind: 'trace', csv: load.csv, compress: load.factor, source },
    maxInFlight: MAX_IN_FLIGHT,
    maxRequests: load.requests,
    timeoutSeconds: TIMEOUT_TRACE_SECONDS / load.factor,
  }
}

/** The engine's own schedule for the plan: when, in ms from its start, each request is due. */
export function scheduleOf(plan: TrafficPlanInput): number[] {
  const compiled = compilePlan(TrafficPlan.parse(plan))
  if (!compiled.ok) throw new Error(compiled.message)
  return [...sendTimes(compiled.plan.segments)]
}

export async function runPolicy(input: PolicyRunInput): Promise<PolicyRun> {
  const { contender, load, workload } = input
  const factor = load.factor
  const started = performance.now()
  const agent = await AgentProcess.start({
    root: input.root,
    name: input.name,
    runtime: input.runtime,
    args: agentArgs(contender, input.timing, workload, input.runtime, factor),
  })
  let traffic: TrafficSnapshot
  const tap = new RequestTap(agent.lbUrl, '/')
  const plan = replayPlan(`${agent.lbUrl}/`, load, input.name)
  try {
    await agent.waitForReady(1, 60_000)
    tap.start()
    const run = await startTraffic({ plan, stopGraceMs: 2000 })
    // Bounded whatever the system does: the replay's own length plus time to drain what is in flight.
    const replaySeconds = (load.warmupSeconds + load.durationSeconds + 1) / factor
    const watchdog = setTimeout(() => void run.stop(), (replaySeconds + 30) * 1000)
    traffic = await run.done
    clearTimeout(watchdog)
  } finally {
    tap.stop()
    await agent.stop()
  }
  const schedule = scheduleOf(plan)
  const replayed = replayedRequests(tap.requests, schedule, factor, load.warmupSeconds)
  // The agent stamps its lines with the wall clock; the tap uses the monotonic one.
  const scheduleStartWallMs = performance.timeOrigin + replayed.scheduleStartMs
  const toTrace = (atMs: number) =>
    toTraceSeconds((atMs - scheduleStartWallMs) / 1000, factor, load.warmupSeconds)
  const timeline = replicaTimeline(agent.lines, toTrace, load.durationSeconds)
  return {
    record: runRecord(contender.id, load.durationSeconds, replayed.samples, timeline, workload.sloMs),
    timeline,
    traffic,
    unsent: replayed.unsent,
    realSeconds: (performance.now() - started) / 1000,
  }
}
