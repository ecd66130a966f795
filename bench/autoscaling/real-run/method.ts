// The method paragraphs of the real run's section, with this run's own figures: what ran, how time was
// compressed, what was measured, how it was scored, and what compression cannot make comparable.
import { contenders } from '../contenders'
import { baseRate } from '../scenarios'
import { DEFAULT_WORKLOAD, replicaCapacity } from '../workload'
import { DOCKER_CPU_PERIOD_MS, WORKLOAD_CPU_MS } from './compress'
import { MAX_IN_FLIGHT } from './run-policy'
import { median, REPLAYED_SEED, type RealRunResults } from './run-real'

const n = (value: number, digits = 2) => `${Number(value.toFixed(digits))}`
const s = (value: number) => `${n(value)} s`

export function realRunMethod(r: RealRunResults): string {
  const F = r.mode.factor
  const { timing, cost, workload: w } = r
  const [{ policy: ours }, { policy: hpa }] = contenders(w)
  const docker = r.runtime === 'docker'
  const what = [
    'The shared policy code runs inside the real agent (`scripts/agent.mjs`, which runs the bundle',
    '`dist/vmm-agent.mjs`): one fresh agent process per policy and scenario, `--standalone`,',
    docker
      ? `with the **Docker runtime**: real containers of the built-in workload image, each limited to ${n(timing.cpus)} CPU by the kernel's CFS quota,`
      : `with the **process runtime**, because Docker was not reachable (${r.fallback}): workload processes without CPU limits, measured against a nominal ${n(timing.cpus)} CPU each,`,
    "behind the agent's own local load balancer. The traffic generator's engine (`startTraffic`, open loop, as",
    '`npm run traffic` runs it) replays each scenario through that balancer; the send time, status and latency of',
    "every request are read off undici's diagnostics channels, leaving the engine as it is. Each agent decides alone",
    'with its `--policy`: **Ours** (`defaultPolicy`) or **HPA defaults** (`hpaDefaultPolicy`), with the same',
    `bounds for both (target ${Math.round(w.targetUtilization * 100)} %, ${w.minReplicas}–${w.maxReplicas} replicas); which goes first alternates from one scenario to the next.`,
  ]
  const compression = [
    `**Time is compressed ×${F}.** Every time constant of both policies is divided by ${F}: the HPA's 15 s sync`,
    `and metric window become ${s(hpa.intervalSeconds / F)} (the window holds ${Math.round(hpa.metricWindowSeconds / F / timing.loopIntervalSeconds)} of the agent's samples, as metrics-server's`,
    `15 s hold 15 one-second ones), its 30 s readiness delay ${s(hpa.readinessDelaySeconds / F)}, its 300 s scale-down`,
    `stabilization ${s(hpa.scaleDown.stabilizationSeconds / F)} and its 15 s rate periods ${s(hpa.scaleUp.periodSeconds / F)}; ours evaluates every`,
    `${s(ours.intervalSeconds / F)} on a ${s(ours.metricWindowSeconds / F)} window, with ${s(ours.scaleUp.stabilizationSeconds / F)} of scale-up and`,
    `${s(ours.scaleDown.stabilizationSeconds / F)} of scale-down stabilization (${s(ours.steadiness.burstStabilizationSeconds / F)} while bursty), and its steadiness`,
    `rules' ${s(ours.steadiness.smallRiseSeconds / F)} small-rise hold and ${s(ours.steadiness.scaleDownAfterUpSeconds / F)} wait after a scale-up. So are the agent's own`,
    `clocks: its loop, one CPU sample and one chance to evaluate per round (1 s → ${s(timing.loopIntervalSeconds)},`,
    "`--loop-interval`); its balancer's 10 s slow start and ejection times (`--balancer`); and the CFS period over",
    `which the CPU limit is enforced (Docker's ${DOCKER_CPU_PERIOD_MS} ms → ${n(timing.cpuPeriodMs)} ms, \`--cpu-period-ms\`), so that a container is`,
    "throttled in steps as short in trace time as Docker's are in reality. The scenario replays",
    `${F}× faster at ${F}× the rate and each request burns the workload's ${WORKLOAD_CPU_MS} ms / ${F} = ${n(timing.requestCpuMs)} ms`,
    '(`--request-cpu-ms`), so that each replica is as busy, and each metric window holds as many requests, as',
    `without compression. The load is the simulation's own: seed ${REPLAYED_SEED}'s Poisson arrivals for the scenario,`,
    'counted per 100 ms of trace and spread evenly within each 100 ms, after',
    `${r.mode.warmupSeconds} s of base load (trace time) that is not scored. A request unanswered after 60 s of trace`,
    `time fails; at most ${MAX_IN_FLIGHT} are outstanding.`,
  ]
  const startMedian = median(r.startSeconds)
  const measured = [
    `**Measured in this run.** CPU per request: ${n(cost.costMs, 3)} ms (the cgroup CPU time of one replica over`,
    `${cost.requests} requests at ${n(cost.rate, 1)}/s, divided by the requests answered; ${n(timing.requestCpuMs)} ms of it is the`,
    'burn, the rest HTTP handling, which compression cannot shrink), i.e.',
    `${n(w.costMs, 1)} ms in trace time: one replica serves ${n(replicaCapacity(w), 1)} requests/s at 100 %, and the base load`,
    `is ${n(baseRate(w), 2)} requests/s of trace (${n(baseRate(w) * F, 1)}/s in real time). Container start (the scaling`,
    r.startSeconds.length > 0
      ? `decision → the replica passing its health check): median ${s(startMedian)}, ${s(Math.min(...r.startSeconds))}–${s(Math.max(...r.startSeconds))} over ${r.startSeconds.length} starts.`
      : 'decision → the replica passing its health check): no start was measured.',
    `It cannot be compressed, so in trace time it weighs ${F}× more: ${s(w.startSeconds)}, against the 1.5 s the`,
    'simulation above assumes. Removing a drained container (decision → Docker done):',
    r.stopSeconds.length > 0 ? `median ${s(median(r.stopSeconds))}` : 'not measured',
    '(not counted as cost: the simulation removes a drained replica at once).',
  ]
  const scoring = [
    "**Scores** come from the simulation's own code (`scores.ts`), fed with the request log and the agent's",
    'replica timeline (its `scaling-decision`, `container-started`, `container-ready` and `container-removed`',
    `lines) converted back to trace time (× ${F}): a request counts in the trace second of its intended send`,
    `time, and its latency, from that intended time, × ${F}, is held against the ${w.sloMs} ms SLO; a replica costs`,
    'from the decision that asked for it to the decision that drained it; the oracle sizes each second for the',
    'requests replayed in it. Each table shows the real run and its **simulated counterpart**: the simulation',
    `with the measured workload (${n(w.cpus)} CPU, ${n(w.costMs, 1)} ms per request, first come first served, start`,
    `${s(w.startSeconds)}, no queue cap, as the balancer queues), the same warm-up, and the mean over seeds`,
    `${r.mode.counterpartSeeds.join(', ')} (seed ${REPLAYED_SEED}: the very requests replayed).`,
  ]
  const caveats = [
    '**Not comparable** with the simulation table above: smaller containers, costlier requests, the measured start',
    `time × ${F}, no queue cap${r.mode.scenarios.includes('diurnal') ? `, and a ${r.mode.diurnalPeriodSeconds} s "day"` : ''}. One request holds a replica`,
    `for ${Math.round(w.costMs / w.cpus)} ms of trace time (the simulation above: ${Math.round(DEFAULT_WORKLOAD.costMs / DEFAULT_WORKLOAD.cpus)} ms), so the ${w.sloMs} ms SLO breaks as soon as`,
    'a request finds one or two others queued ahead of it, and a trace second holds so few requests',
    `(${n(baseRate(w), 1)} at the base load) that its p95 is its slowest one: SLO seconds react to every burst.`,
    `What compression distorts: whatever the run cannot compress counts ${F}× in trace time — container start and`,
    `stop, the balancer's and the workload's per-request work (a 3 ms hiccup is ${3 * F} ms of trace latency), the`,
    `jitter of a ${s(timing.loopIntervalSeconds)} loop, and every stall of this 2-core machine, which other work shares`,
    `(1-minute load average ${n(r.loadAverage.start)} at the start, ${n(r.loadAverage.end)} at the end): latency and SLO`,
    "seconds are the noisiest figures. The HPA's 15 s loop runs at whatever phase the agent's start gave it (the",
    'simulation fixes its average case). Each scenario ran once per policy: one draw, not a mean over seeds.',
    `The real run took ${Math.round(r.elapsedSeconds)} s.`,
  ]
  return [what, compression, measured, scoring, caveats].map((lines) => lines.join(' ')).join('\n\n')
}
