// The real run end to end: measure the request cost, then each scenario under both policies, a fresh agent
// each (their order alternating), then the simulated counterparts with the start time the run measured.
import { loadavg } from 'node:os'
import { connectDocker, pingDocker } from '../../../vmm-agent/runtime/docker-connection'
import { contenders } from '../contenders'
import { oracleReplicas, sumOf } from '../oracle'
import { loadStep, type ScenarioResult } from '../run-scenario'
import { diurnalScenario, rampScenario, type Scenario, spikeScenario, stepScenario } from '../scenarios'
import { scoreRun } from '../scores'
import { type ScenarioSummary, summarizeScenario } from '../summary'
import { DEFAULT_WORKLOAD, type Workload } from '../workload'
import { AgentProcess } from './agent-process'
import { measureRequestCost, type RequestCost } from './calibrate'
import { type AgentTiming, agentTiming } from './compress'
import { simulateCounterpart } from './counterpart'
import { replayLoad } from './replay-load'
import { agentArgs, MAX_IN_FLIGHT, type PolicyRun, runPolicy } from './run-policy'

const BUILDERS = { step: stepScenario, spike: spikeScenario, ramp: rampScenario, diurnal: diurnalScenario }
export type RealScenarioName = keyof typeof BUILDERS

export interface RealRunMode {
  factor: number
  scenarios: readonly RealScenarioName[]
  /** Trace seconds of base load before each scored trace: longer than ours' 90 s scale-down window. */
  warmupSeconds: number
  /** The diurnal scenario's "day", in trace seconds. */
  diurnalPeriodSeconds: number
  calibrationSeconds: number
  counterpartSeeds: readonly number[]
}

export const QUICK_MODE: RealRunMode = {
  factor: 20,
  scenarios: ['step'],
  warmupSeconds: 120,
  diurnalPeriodSeconds: 900,
  calibrationSeconds: 3,
  counterpartSeeds: [1, 2, 3, 4, 5],
}

export const FULL_MODE: RealRunMode = {
  ...QUICK_MODE,
  factor: 10,
  scenarios: ['step', 'spike', 'ramp', 'diurnal'],
}

/** The seed whose arrivals the real run replays (the counterpart's first seed). */
export const REPLAYED_SEED = 1
/** What two shared cores hold: 8 containers of a tenth of a CPU or two. */
export const MAX_REPLICAS = 8

export interface PolicyFacts {
  realSeconds: number
  sent: number
  failed: number
  unsent: number
  sendLagP99Ms: number
  /** The client's p99 latency in real ms. */
  latencyP99RealMs: number
  agentErrors: string[]
}

export interface RealScenario {
  name: string
  real?: ScenarioSummary
  simulated?: ScenarioSummary
  facts: Partial<Record<'ours' | 'hpa', PolicyFacts>>
  error?: string
}

export interface RealRunResults {
  mode: RealRunMode
  runtime: 'docker' | 'process'
  /** Why the process runtime stood in for Docker. */
  fallback?: string
  timing: AgentTiming
  cost: RequestCost
  /** In trace time, with the measured start time. */
  workload: Workload
  /** Real seconds: scaling decision → replica ready, and decision → container removed. */
  startSeconds: number[]
  stopSeconds: number[]
  scenarios: RealScenario[]
  loadAverage: { start: number; end: number }
  elapsedSeconds: number
}

export interface RealRunOptions {
  quick: boolean
  root: string
  mode?: RealRunMode
  onProgress?: (line: string) => void
}

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2
      ? sorted[mid]!
      : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function buildScenario(
  name: RealScenarioName,
  seed: number,
  workload: Workload,
  mode: RealRunMode,
): Scenario {
  return BUILDERS[name]({ seed, workload, diurnalPeriodSeconds: mode.diurnalPeriodSeconds })
}

function factsOf(run: PolicyRun): PolicyFacts {
  return {
    realSeconds: run.realSeconds,
    sent: run.traffic.sent,
    failed: run.traffic.total.failed,
    unsent: run.unsent,
    sendLagP99Ms: run.traffic.sendLagMs.p99,
    latencyP99RealMs: run.traffic.total.latencyMs.p99,
    agentErrors: run.timeline.errors,
  }
}

async function calibrate(
  root: string,
  runtime: 'docker' | 'process',
  timing: AgentTiming,
  base: Workload,
  mode: RealRunMode,
): Promise<RequestCost> {
  const single = { ...base, maxReplicas: 1 }
  const agent = await AgentProcess.start({
    root,
    name: `bench-real-${process.pid}-calibration`,
    runtime,
    args: agentArgs(contenders(single)[0], timing, single, runtime, mode.factor),
  })
  try {
    await agent.waitForReady(1, 60_000)
    // Half the replica's limit at a guessed millisecond of HTTP work besides the burn: no scaling, no queue.
    const rate = (0.5 * timing.cpus * 1000) / (timing.requestCpuMs + 1)
    return await measureRequestCost(agent, runtime, rate, mode.calibrationSeconds)
  } finally {
    await agent.stop()
  }
}

export async function runRealAutoscaling(options: RealRunOptions): Promise<RealRunResults> {
  const mode = options.mode ?? (options.quick ? QUICK_MODE : FULL_MODE)
  const progress = options.onProgress ?? (() => {})
  const started = performance.now()
  const loadAtStart = loadavg()[0] ?? 0
  let runtime: 'docker' | 'process' = 'docker'
  let fallback: string | undefined
  try {
    await pingDocker(connectDocker(), 3000)
  } catch (error) {
    runtime = 'process'
    fallback = (error as Error).message
    progress(`bench: Docker unreachable (${fallback}); the real run uses the process runtime`)
  }
  const timing = agentTiming(mode.factor)
  const base: Workload = {
    ...DEFAULT_WORKLOAD,
    cpus: timing.cpus,
    // The Node workload burns CPU synchronously: one request at a time per replica.
    discipline: 'first-come-first-served',
    // The agent's balancer queues rather than refuses; only the client's in-flight bound remains.
    queueCap: MAX_IN_FLIGHT,
    maxReplicas: MAX_REPLICAS,
  }
  progress(`bench: autoscaling real run: measuring the request cost (×${mode.factor})…`)
  const cost = await calibrate(options.root, runtime, timing, base, mode)
  const workload: Workload = { ...base, costMs: cost.costMs * mode.factor }
  const [ours, hpa] = contenders(workload)

  const scenarios: RealScenario[] = []
  const startSeconds: number[] = []
  const stopSeconds: number[] = []
  const results = new Map<RealScenarioName, ScenarioResult>()
  for (const [index, name] of mode.scenarios.entries()) {
    const scenario = buildScenario(name, REPLAYED_SEED, workload, mode)
    const load = replayLoad(scenario, REPLAYED_SEED, mode.warmupSeconds, mode.factor)
    const oracle = oracleReplicas(load.perSecond, workload)
    const step = loadStep(scenario, workload)
    const entry: RealScenario = { name: scenario.name, facts: {} }
    scenarios.push(entry)
    try {
      const runs = []
      // Alternating which policy goes first spreads a drift of the machine's load over both.
      for (const contender of index % 2 === 0 ? [ours, hpa] : [hpa, ours]) {
        progress(`bench: autoscaling real run: ${scenario.name} × ${contender.label}…`)
        const run = await runPolicy({
          root: options.root,
          runtime,
          name: `bench-real-${process.pid}-${name}-${contender.id}`,
          contender,
          timing,
          workload,
          load,
        })
        entry.facts[contender.id] = factsOf(run)
        startSeconds.push(...run.timeline.startSeconds)
        stopSeconds.push(...run.timeline.stopSeconds)
        runs.push({ contender, record: run.record, scores: scoreRun(run.record, oracle, step) })
      }
      runs.sort((a, b) => Number(a.contender.id !== 'ours') - Number(b.contender.id !== 'ours'))
      const result: ScenarioResult = {
        scenario,
        seed: REPLAYED_SEED,
        step,
        requests: sumOf(load.perSecond),
        oracleContainerSeconds: sumOf(oracle),
        oraclePeak: oracle.reduce((peak, n) => Math.max(peak, n), 0),
        runs,
      }
      results.set(name, result)
      entry.real = summarizeScenario([result])
    } catch (error) {
      entry.error = (error as Error).message.split('\n')[0]
      progress(`bench: autoscaling real run: ${scenario.name} failed: ${entry.error}`)
    }
  }

  // The counterpart starts replicas as slowly as the real containers started, in trace time.
  const measured: Workload = {
    ...workload,
    startSeconds: startSeconds.length > 0 ? median(startSeconds) * mode.factor : workload.startSeconds,
  }
  for (const [index, name] of mode.scenarios.entries()) {
    const entry = scenarios[index]!
    if (!results.has(name)) continue
    const seeds = mode.counterpartSeeds.map((seed) =>
      simulateCounterpart(buildScenario(name, seed, measured, mode), seed, measured, mode.warmupSeconds),
    )
    entry.simulated = summarizeScenario(seeds)
  }
  return {
    mode,
    runtime,
    ...(fallback ? { fallback } : {}),
    timing,
    cost,
    workload: measured,
    startSeconds,
    stopSeconds,
    scenarios,
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    elapsedSeconds: (performance.now() - started) / 1000,
  }
}
