// Faults under load with nothing lost: a real VIM with a lab of 2 (one 0.25 CPU container per VM), an
// open-loop GET load of 20 req/s through its front proxy with every request logged, and the chaos suite's own
// scenarios. While the other VM's container is ready, every request must be answered.
import { describe, expect, it } from 'vitest'
import { describeFailures } from '../../bench/chaos/load-summary'
import { runScenario, type ScenarioResult } from '../../bench/chaos/run-scenario'
import { scenarioNamed } from '../../bench/chaos/scenarios'
import { shouldRunDocker } from '../support/docker'
import { repoRoot } from '../support/headless-process'

/** The failures as the request log tells them: which VM and container answered, what, and when. */
const account = (result: ScenarioResult) =>
  [
    `${result.load.failed} of ${result.load.sent} failed (${describeFailures(result.load.failedByKind)})`,
    ...result.digest,
    ...result.events,
    ...result.notes,
  ].join('\n')

async function runFault(name: string): Promise<ScenarioResult> {
  const scenario = scenarioNamed(name)
  const result = await runScenario(scenario, { root: repoRoot, quick: true })
  // Every request on the schedule was sent and counted: at 20 req/s, one per 50 ms from start to end.
  expect(scenario.rate).toBeGreaterThanOrEqual(20)
  const due = result.records.map((r) => r.intendedAt).sort((a, b) => a - b)
  const spanSeconds = ((due.at(-1) ?? 0) - (due[0] ?? 0)) / 1000
  expect(result.records.length).toBe(result.load.sent)
  expect(result.load.sent).toBeGreaterThanOrEqual(Math.floor(spanSeconds * scenario.rate))
  expect(result.records.filter((r) => r.intendedAt >= result.faultAt).length).toBeGreaterThan(40)
  return result
}

describe.runIf(shouldRunDocker())('faults under an open-loop load of 20 req/s, lab of 2', () => {
  it('loses no request when a container is killed, and the agent replaces it', async () => {
    const result = await runFault('container-kill')
    expect(result.load.failed, account(result)).toBe(0)
    expect(result.recoveredMs, account(result)).not.toBeNull()
    expect(result.count.lost).toBe(0)
    expect(result.count.orphaned).toBe(0)
  }, 180_000)

  it("loses no request when one of two VMs' agents is killed (SIGKILL), and the replicas come back", async () => {
    const result = await runFault('agent-sigkill')
    expect(result.load.failed, account(result)).toBe(0)
    expect(result.recoveredMs, account(result)).not.toBeNull()
    expect(result.count.lost).toBe(0)
  }, 180_000)
})
