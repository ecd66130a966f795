// The benchmark's real autoscaling run end to end on a short step: the compressed policy reaches a real
// agent, its event lines become the replica timeline and the request log a record the score code reads.
import { describe, expect, it } from 'vitest'
import { contenders } from '../../bench/autoscaling/contenders'
import { oracleReplicas, sumOf } from '../../bench/autoscaling/oracle'
import { agentTiming } from '../../bench/autoscaling/real-run/compress'
import { replayLoad } from '../../bench/autoscaling/real-run/replay-load'
import { MAX_IN_FLIGHT, runPolicy } from '../../bench/autoscaling/real-run/run-policy'
import { loadStep } from '../../bench/autoscaling/run-scenario'
import { baseRate, type Scenario } from '../../bench/autoscaling/scenarios'
import { scoreRun } from '../../bench/autoscaling/scores'
import { DEFAULT_WORKLOAD, type Workload } from '../../bench/autoscaling/workload'
import { STANDALONE_CLUSTER_ID } from '../../src/shared/cluster-id'
import { containersOf, shouldRunDocker } from '../support/docker'
import { repoRoot } from '../support/headless-process'

describe.runIf(shouldRunDocker())('the real autoscaling run', () => {
  it('scales a real agent up on a step, time-compressed ×10, and scores it', async () => {
    const factor = 10
    const timing = agentTiming(factor)
    // About what the run measures for the workload's 2 ms burn plus its HTTP handling, × 10.
    const workload: Workload = {
      ...DEFAULT_WORKLOAD,
      cpus: timing.cpus,
      costMs: 30,
      discipline: 'first-come-first-served',
      queueCap: MAX_IN_FLIGHT,
      maxReplicas: 4,
    }
    const base = baseRate(workload)
    const scenario: Scenario = {
      name: 'short step',
      description: 'base 20 s, 4× base for 60 s, base for 40 s',
      durationSeconds: 120,
      rate: (t) => (t >= 20 && t < 80 ? 4 * base : base),
    }
    const load = replayLoad(scenario, 1, 30, factor)
    const name = `test-real-run-${process.pid}`
    const run = await runPolicy({
      root: repoRoot,
      runtime: 'docker',
      name,
      contender: contenders(workload)[0],
      timing,
      workload,
      load,
    })

    expect(run.unsent).toBe(0)
    expect(sumOf(run.record.sent)).toBe(sumOf(load.perSecond))
    expect(run.timeline.changes.some((change) => change.at >= 20 && change.to > change.from)).toBe(true)
    expect(run.timeline.startSeconds.length).toBeGreaterThan(0)
    const scores = scoreRun(
      run.record,
      oracleReplicas(load.perSecond, workload),
      loadStep(scenario, workload),
    )
    expect(scores.reactionSeconds).not.toBeNull()
    expect(scores.replicasStarted).toBeGreaterThan(0)
    // The benchmark runs a standalone agent, of the cluster an agent without --cluster belongs to.
    expect(await containersOf(name, STANDALONE_CLUSTER_ID)).toEqual([])
  }, 60_000)
})
