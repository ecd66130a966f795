// One scenario from start to clean-up: a fresh lab of 2 behind a real VIM, an open-loop GET load through its
// front proxy, the fault, a wait for recovery (polled, bounded), then the request log and the containers read.
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import { waitFor } from '../../src/shared/testing/poll'
import { type ContainerCount, countContainers, dockerContainersOf } from './census'
import { LabVim } from './lab-vim'
import {
  describeFailures,
  failureDigest,
  type LoadSummary,
  lastFailureEnd,
  summarizeLoad,
} from './load-summary'
import { OpenLoopLoad, type RequestRecord } from './open-loop'
import type { FaultContext, Scenario } from './scenarios'

export interface RunOptions {
  /** The repository root (scripts/serve.mjs). */
  root: string
  quick?: boolean
  log?: (line: string) => void
}

export interface ScenarioResult {
  scenario: string
  rate: number
  load: LoadSummary
  /** Fault → every request answered again and the replicas back at target; null: not within the limit. */
  recoveredMs: number | null
  recoverLimitMs: number
  count: ContainerCount
  /** What the fault did and what the clean-up found. */
  notes: string[]
  /** The failed requests by kind and by the VM/container that answered, with when they were due. */
  digest: string[]
  /** When any request failed: the VIM's events from just before the fault to just after the last failure. */
  events: string[]
  zeroLoss: boolean
  /** Seconds from the lab's start to its clean-up. */
  seconds: number
  /** Every request, for a test to inspect. */
  records: RequestRecord[]
  /** When the fault began, epoch ms. */
  faultAt: number
}

/** Requests must be answered this long without a failure before the clients count as served again. */
const QUIET_MS = 2000
/** Each request's own bound: longer than a proxy's response-head timeout, so that the proxy's answer shows. */
const REQUEST_TIMEOUT_MS = 35_000

async function census(
  vim: LabVim,
  expected: number,
): Promise<{ snapshot: ClusterSnapshot; count: ContainerCount }> {
  const [snapshot, docker] = await Promise.all([vim.snapshot(), dockerContainersOf(vim.cluster)])
  return { snapshot, count: countContainers(snapshot, docker, expected) }
}

const atTarget = (scenario: Scenario, snapshot: ClusterSnapshot, count: ContainerCount, expected: number) =>
  count.serving === expected && count.duplicated === 0 && (scenario.settled?.(snapshot, count) ?? true)

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const quick = options.quick ?? false
  const log = options.log ?? (() => {})
  const startedAt = Date.now()
  const recoverLimitMs = quick ? 30_000 : 45_000
  const notes: string[] = []
  const loads: OpenLoopLoad[] = []
  log(`${scenario.name}: starting a lab of 2`)
  const vim = await LabVim.start({ root: options.root, settings: scenario.settings })
  let ctx: FaultContext | undefined
  let result: ScenarioResult | undefined
  try {
    const { snapshot: before } = await waitFor(
      `${scenario.name}: ${scenario.initial} serving replica(s) before the fault`,
      async () => {
        const now = await census(vim, scenario.initial)
        return atTarget({ ...scenario, settled: undefined }, now.snapshot, now.count, scenario.initial)
          ? now
          : undefined
      },
      120_000,
      250,
    )
    await vim.recordAgents()

    const load = new OpenLoopLoad({
      url: `${vim.proxyUrl}/`,
      rate: scenario.rate,
      maxSeconds: 600,
      timeoutMs: REQUEST_TIMEOUT_MS,
    })
    loads.push(load)
    // Warm: the clients are served before anything breaks (a fault must not be confused with a cold start).
    await waitFor(
      `${scenario.name}: the load served without failure`,
      async () => (load.quietFor(QUIET_MS) && load.log.length > scenario.rate) || undefined,
      30_000,
    )

    ctx = {
      vim,
      before,
      quick,
      addLoad: (extra) => loads.push(extra),
      note: (line) => notes.push(line),
    }
    const faultAt = Date.now()
    log(`${scenario.name}: fault`)
    await scenario.inject(ctx)

    // Recovered: the replicas are back at target and the clients have been served without a failure for
    // QUIET_MS; it must hold for QUIET_MS too, so a replica about to die is not counted as back.
    let lastNotAtTarget: number | undefined
    let recovered = false
    let stableSince: number | undefined
    while (Date.now() - faultAt < recoverLimitMs) {
      const now = await census(vim, scenario.expected).catch(() => undefined)
      const ok = now !== undefined && atTarget(scenario, now.snapshot, now.count, scenario.expected)
      if (!ok) lastNotAtTarget = Date.now()
      if (ok && loads.every((l) => l.quietFor(QUIET_MS))) {
        stableSince ??= Date.now()
        if (Date.now() - stableSince >= QUIET_MS) {
          recovered = true
          break
        }
      } else stableSince = undefined
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    log(`${scenario.name}: ${recovered ? 'recovered' : `not recovered within ${recoverLimitMs / 1000} s`}`)
    // A restarted VIM or lab has new agents; the clean-up must know them too.
    await vim.recordAgents()
    const records = (await Promise.all(loads.map((l) => l.stop()))).flat()
    const end = await census(vim, scenario.expected).catch(() => undefined)
    const failureEnd = lastFailureEnd(records, faultAt)
    const recoveredAt = Math.max(faultAt, failureEnd ?? faultAt, lastNotAtTarget ?? faultAt)
    notes.push(...(scenario.findings?.(records) ?? []))
    const summary = summarizeLoad(records)
    const digest = failureDigest(records, faultAt)
    const events = summary.failed > 0 ? await eventsAround(vim, records, faultAt) : []
    log(`${scenario.name}: sent ${summary.sent}, failed ${describeFailures(summary.failedByKind)}`)
    for (const line of [...digest, ...events]) log(`  ${line}`)
    result = {
      scenario: scenario.name,
      rate: scenario.rate,
      load: summary,
      recoveredMs: recovered ? Math.round(recoveredAt - faultAt) : null,
      recoverLimitMs,
      count: end?.count ?? { serving: 0, lost: scenario.expected, duplicated: 0, orphaned: 0, perVm: [] },
      notes,
      digest,
      events,
      zeroLoss: scenario.zeroLoss,
      seconds: 0,
      records,
      faultAt,
    }
    return result
  } finally {
    await Promise.all(loads.map((l) => l.stop()))
    if (ctx) await scenario.cleanUp?.(ctx)
    const left = await vim.cleanUp()
    notes.push(...left)
    for (const line of left) log(`${scenario.name}: clean-up: ${line}`)
    // The result was returned already; it is the same object, so its run time can still be filled in.
    if (result) result.seconds = Math.round((Date.now() - startedAt) / 1000)
    log(`${scenario.name}: done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`)
  }
}

/** The VIM's events from just before the fault to just after the last failure: what the cluster did meanwhile. */
async function eventsAround(
  vim: LabVim,
  records: readonly RequestRecord[],
  faultAt: number,
): Promise<string[]> {
  const until = (lastFailureEnd(records, faultAt) ?? faultAt) + 2000
  const events = await vim.api<ClusterEvent[]>('/events?limit=300').catch(() => [])
  const near = events.filter((e) => e.at >= faultAt - 2000 && e.at <= until).reverse()
  return [
    'events meanwhile (s after the fault):',
    ...near.slice(-40).map((e) => `  ${((e.at - faultAt) / 1000).toFixed(2)} ${e.kind} ${e.message}`),
  ]
}
