// docs/RELIABILITY.md from one chaos run: the method, the table, and per fault what a user sees. Pure.
import { describeFailures } from './load-summary'
import type { ScenarioResult } from './run-scenario'
import type { Scenario } from './scenarios'

export interface ScenarioOutcome {
  scenario: Scenario
  /** Undefined when the scenario could not run to its end. */
  result?: ScenarioResult
  error?: string
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`)

/** The verdict on zero loss: only where another container or VM was ready does a failure count against it. */
export function verdict(outcome: ScenarioOutcome): string {
  const { result, scenario } = outcome
  if (!result) return 'did not run'
  if (!scenario.zeroLoss) return 'n/a'
  return result.load.failed === 0 ? 'yes' : `**no** (${result.load.failed})`
}

export function resultTable(outcomes: readonly ScenarioOutcome[]): string {
  const rows = outcomes.map(({ scenario, result, error }) => {
    if (!result)
      return `| ${scenario.name} | — | — | — | — | — | — | — | — | — | did not run: ${cell(error ?? '')} |`
    const { load, count } = result
    const recovered =
      result.recoveredMs === null ? `not within ${result.recoverLimitMs / 1000} s` : ms(result.recoveredMs)
    return [
      scenario.name,
      `${result.rate}/s`,
      load.sent,
      cell(describeFailures(load.failedByKind)),
      verdict({ scenario, result }),
      ms(load.worstLatencyMs),
      ms(load.p99LatencyMs),
      recovered,
      `${count.lost} / ${count.duplicated} / ${count.orphaned}`,
      `${result.seconds} s`,
      cell(result.notes.join('; ')),
    ]
      .join(' | ')
      .replace(/^/, '| ')
      .concat(' |')
  })
  return [
    '| Scenario | Load | Sent | Failed | Zero loss | Worst latency | p99 | Recovered in | Lost / dup. / orphaned | Run | Notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n')
}

/** The failed requests of each scenario, by what failed and who answered: where to look first. */
export function failureDetails(outcomes: readonly ScenarioOutcome[]): string {
  const lines: string[] = []
  for (const { scenario, result } of outcomes) {
    if (!result || result.digest.length === 0) continue
    lines.push(`- **${scenario.name}**: ${result.digest.slice(0, 6).join('; ')}`)
  }
  return lines.length === 0 ? 'No request failed.' : lines.join('\n')
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function reliabilityDoc(options: {
  outcomes: readonly ScenarioOutcome[]
  machine: string
  command: string
  totalSeconds: number
  scenarios: readonly Scenario[]
}): string {
  return [
    '# Reliability: faults under load',
    '',
    `Written by \`${options.command}\` in ${Math.round(options.totalSeconds)} s. Every figure below comes from that one run;`,
    'rerun it to reproduce them on your machine (`--scenario NAME` runs one and prints it without writing this file).',
    '',
    '## Machine',
    '',
    options.machine,
    '',
    '## Method',
    '',
    'Each scenario starts its own VIM as a user does (`npm run serve -- --lab 2 --runtime docker`) with a fresh data',
    'directory, cluster id and free ports; the lab has 2 VMs whose containers get 0.25 CPU and 128 MB, and the policy',
    'pins the replica count (min = max, spread), so that every change in the cluster comes from the fault. Once the',
    "replicas are ready, an open-loop GET load goes through the VIM's front proxy: requests leave on a precomputed",
    "schedule whatever the answers do, each one's latency is measured from its intended send time (a stalled server",
    'cannot hide its queue), and every request is logged with its status or error code and the `X-Served-By` header',
    'that names the VM and container that answered. A request fails when it gets no 2xx answer within 35 s',
    '(`UND_ERR_HEADERS_TIMEOUT`); one still waiting 10 s after the load stopped counts as `UNANSWERED_AT_STOP`.',
    'Failures are counted by HTTP status or by error code (`ECONNREFUSED`: nothing listened on the front port).',
    '',
    'The fault comes once the load has been served for 2 s without a failure. **Recovered in** is the time from the',
    'fault until every request was answered again (the end of the last failed one) and the replicas were back at the',
    "target (ready in the API and running in Docker, none beyond a VM's target), whichever came later; it must have",
    "held for 2 s. **Lost** = replicas short of the target at the end; **dup.** = live replicas beyond a VM's target;",
    "**orphaned** = running containers with the cluster's label that no VM in the API lists. **Zero loss** applies",
    'where another container or VM was ready throughout: there every idempotent request should be answered.',
    'Everything a scenario started is removed afterwards, even on failure: the VIM by its pid, lab agents by the pids',
    "they reported (checked to be this cluster's), containers and images by the cluster's label; the notes say what",
    'had to be removed that way.',
    '',
    ...options.scenarios.flatMap((s) => [`- **${s.name}** (${s.rate} req/s): ${s.method}`]),
    '',
    '## Last run',
    '',
    resultTable(options.outcomes),
    '',
    '### Failed requests by cause',
    '',
    failureDetails(options.outcomes),
    '',
    '## What the user sees',
    '',
    ...options.outcomes.flatMap(({ scenario, result }) => [
      `- **${scenario.name}**: ${scenario.userSees}${result ? ` This run: ${observed(result)}.` : ''}`,
    ]),
    '',
  ].join('\n')
}

function observed(result: ScenarioResult): string {
  const { load } = result
  const failed =
    load.failed === 0
      ? `all ${load.sent} requests answered`
      : `${load.failed} of ${load.sent} requests failed (${describeFailures(load.failedByKind)})`
  return `${failed}, the slowest after ${ms(load.worstLatencyMs)}`
}
