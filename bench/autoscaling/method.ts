// The method paragraph of the report: how the simulation works, the workload it assumed, and how a real
// run calibrates it, with this run's own figures filled in.
import { contenders, HPA_PHASE_SECONDS } from './contenders'
import { WARMUP_SECONDS } from './run-scenario'
import { baseRate } from './scenarios'
import { RECOVERY_HOLD_SECONDS } from './scores'
import { replicaCapacity, replicaRateAtTarget, type Workload } from './workload'

const pct = (fraction: number) => `${Math.round(fraction * 100)} %`
const every = (seconds: number) => (seconds === 1 ? 'every second' : `every ${seconds} s`)

export function methodText(
  w: Workload,
  scenarios: readonly { name: string; description: string }[],
  seeds: readonly number[],
  elapsedSeconds: number,
): string {
  const [{ policy: ours }, { policy: hpa }] = contenders(w)
  const seedWord = seeds.length === 1 ? 'seed' : 'seeds'
  const queue = w.discipline === 'processor-sharing' ? 'processor-sharing' : 'first-come-first-served'
  const simulation = [
    'A discrete-event simulation (event-driven, no time step) drives the shared policy code (`decideReplicas`)',
    "for both contenders. Requests arrive as a seeded Poisson process following each scenario's rate (exact",
    'for a rate held over 100 ms slices); a least-outstanding-requests balancer sends each to a ready replica;',
    `each replica is a ${queue} queue at its CPU limit, computed exactly between events. Every whole second`,
    "each replica's CPU over the past second becomes one sample. **Ours** (`defaultPolicy`) reads them through",
    `the agent's own \`UtilizationWindow\` (${ours.metricWindowSeconds} s) and evaluates`,
    `${every(ours.intervalSeconds)}; **HPA defaults** (\`hpaDefaultPolicy\`, docs/SCALING-BENCH.md) evaluates`,
    `${every(hpa.intervalSeconds)}, ${HPA_PHASE_SECONDS} s out of phase with the whole-minute load changes (its`,
    `average case), on the mean of the last ${hpa.metricWindowSeconds} samples; its readiness and rate rules are`,
    "those of the policy code. Replicas are started and drained by the agent's own `planReplicas`; a new one",
    'serves after the start time; a draining one finishes its requests. Both begin with the replicas the first',
    `second's load needs and run ${WARMUP_SECONDS} s of that load unscored first, so that each enters the trace`,
    'in its steady state; both see the very same requests.',
  ]
  const workload = [
    `Workload: ${w.costMs} ms of CPU per request, ${w.cpus} CPU per replica (${replicaCapacity(w)} requests/s`,
    `at 100 %, ${replicaRateAtTarget(w)} at the ${pct(w.targetUtilization)} target), start ${w.startSeconds} s,`,
    `${w.minReplicas}–${w.maxReplicas} replicas, SLO p95 ${w.sloMs} ms; a request fails when no replica is`,
    `ready or the least busy one already holds ${w.queueCap}. Base load ${baseRate(w)} requests/s (one replica`,
    'at 80 % of its target). Scenarios, as in docs/SCALING-BENCH.md and in real trace time (the diurnal one',
    `lasts a day): ${scenarios.map((s) => `**${s.name}**: ${s.description}`).join('; ')}.`,
  ]
  const scores = [
    'Scores: reaction = from the first second whose expected load needs more replicas than at the start (the',
    'step itself for step and spike) to the first replica created after it serving (0 when enough already',
    'served; on the gradual ramp and diurnal rises it mostly measures how long the load, noise included, takes',
    'to leave the ±10 % tolerance band, not the loop); p95 back under SLO = from that step to the first of',
    `${RECOVERY_HOLD_SECONDS} straight seconds within it; an SLO-violation second is one whose requests (by`,
    'sending time) have a p95 over the SLO or any failure; container-seconds count starting, serving and',
    "draining containers; the oracle runs, each second, the fewest replicas that keep that second's actual",
    'requests at or under the target (perfect foresight, instant start); a flap is a target change opposite to',
    `the previous one within 60 s. Each figure is the mean over ${seeds.length} ${seedWord} (${seeds.join(', ')})`,
    '± the seeds\' standard deviation; a ratio marked "worse within spread" loses by less than the larger of',
    'the two deviations, so another set of seeds could as well reverse it;',
    `simulated in ${elapsedSeconds.toFixed(1)} s.`,
  ]
  const calibration = [
    "Calibrating from a real run: measure the CPU per request (the container's cgroup CPU time over a steady",
    "load ÷ requests answered, or the `cpuMs` the workload reports), the start time (the agent's",
    '`scaling-decision` → `container-ready` events with the Docker runtime, median over a few starts), and',
    'which queue fits (p95 at 50 % load on one replica against this model with either discipline: the Node',
    'workload burns CPU synchronously, which is FCFS), then pass them as the workload (`costMs`,',
    "`startSeconds`, `discipline`, `cpus`); replaying the real run's request log as a CSV trace then gives",
    "the simulated counterpart of the same run. Not modelled: metrics-server's staleness (HPA may act on data",
    'up to one resolution older, which favours the baseline here), and the real HPA counting a Ready pod in its',
    "first 5 minutes once one metric window follows its readiness (the benchmark's 30 s rule is the stricter",
    'reading, which costs the baseline up to 15 s on a fast scale-up).',
  ]
  const steady = ours.steadiness
  const rules = [
    "Why ours differs from the HPA's rules where it does (`steadiness`, all off in the HPA defaults): a rise of",
    `at most ${steady.smallRiseRatio}× the target must hold ${steady.smallRiseSeconds} s (noise buys nothing); no`,
    `scale-down within ${steady.scaleDownAfterUpSeconds} s of a scale-up (one would be a flap); a scale-down leaves`,
    `${pct(steady.scaleDownHeadroom)} headroom; a load that comes back within ${steady.burstMemorySeconds} s of a`,
    `scale-down keeps its replicas for ${steady.burstStabilizationSeconds} s. Two rules release a surge's capacity`,
    "sooner without chasing noise. **No second scale-up while the first one's replicas warm up**: a saturated",
    "replica's CPU cannot show how far over it is, so until the new replicas take their share the busy ones",
    'still show the excess they will absorb, and another scale-up then buys for the same excess twice (and,',
    'by resetting the no-scale-down-after-a-scale-up clock, keeps them all a minute longer). **A clear drop',
    `shortens the scale-down window**: once every recommendation of the last ${steady.clearDropSeconds} s asks for`,
    `at most ${pct(steady.clearDropRatio)} of the replicas in force and at least two fewer, the surge is over, and`,
    `the window is those ${steady.clearDropSeconds} s instead of ${ours.scaleDown.stabilizationSeconds} s; a`,
    'one-replica drop (what noise moves around a small count) and a bursty load keep their longer windows, and',
    `the ${steady.scaleDownAfterUpSeconds} s after a scale-up still hold, so the release is never a flap.`,
  ]
  return [simulation, workload, rules, scores, calibration].map((lines) => lines.join(' ')).join('\n\n')
}
