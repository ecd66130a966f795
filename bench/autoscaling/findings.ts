// The commentary under the table, generated from the numbers: what each scenario shows, and every score
// on which ours loses, with only the causes the run itself can show (counts of starts, peaks, changes).
import { count, ratio, seconds, times, whole } from './format'
import { behindBeyondSpread, type ScenarioSummary, type ScoreName } from './summary'

/** Seeds in which ours scored worse than the baseline on `score`. */
function seedsLost(summary: ScenarioSummary, score: ScoreName): string {
  const lost = summary.ours.perSeed.filter((ours, i) => {
    const a = ours[score]
    const b = summary.hpa.perSeed[i]?.[score]
    return a !== null && b !== null && b !== undefined && a > b
  }).length
  const n = summary.seeds.length
  return n > 1 ? ` (worse in ${lost} of ${n} seeds)` : ''
}

const worse = (summary: ScenarioSummary, score: ScoreName) => {
  const ours = summary.ours.mean[score]
  const hpa = summary.hpa.mean[score]
  return ours !== null && hpa !== null && ours > hpa + 1e-9
}

/** For a loss smaller than the seeds' spread: the spreads that make it so. */
function withinSpread(s: ScenarioSummary, score: ScoreName): string {
  if (s.seeds.length < 2 || behindBeyondSpread(s, score)) return ''
  return (
    `; within the seeds' spread (±${count(s.ours.spread[score])} vs ±${count(s.hpa.spread[score])}), ` +
    'so level on this evidence'
  )
}

function lossesOf(s: ScenarioSummary): string[] {
  const o = s.ours.mean
  const h = s.hpa.mean
  const losses: string[] = []
  const fewerViolations = (o.violationSeconds ?? 0) < (h.violationSeconds ?? 0)
  if (worse(s, 'containerSeconds')) {
    const saved = (h.violationSeconds ?? 0) - (o.violationSeconds ?? 0)
    const trade = fewerViolations
      ? `; in exchange it had ${count(saved)} fewer SLO-violation seconds ` +
        `(${count(o.violationSeconds)} vs ${count(h.violationSeconds)})`
      : ''
    const peak =
      `peaked at ${count(o.peakReplicas)} replicas against ${count(h.peakReplicas)} ` +
      `(the oracle's peak: ${s.oraclePeak})`
    losses.push(
      `ours uses ${times(ratio(o.containerSeconds, h.containerSeconds) ?? 0)} the baseline's container-seconds ` +
        `(${whole(o.containerSeconds)} vs ${whole(h.containerSeconds)})${seedsLost(s, 'containerSeconds')}: it started ` +
        `${count(o.replicasStarted)} containers against ${count(h.replicasStarted)} and ${peak}${trade}` +
        withinSpread(s, 'containerSeconds'),
    )
  }
  if (worse(s, 'violationSeconds')) {
    losses.push(
      `ours has ${count(o.violationSeconds)} SLO-violation seconds against ${count(h.violationSeconds)}` +
        `${seedsLost(s, 'violationSeconds')} (${whole(o.failedRequests)} vs ${whole(h.failedRequests)} failed ` +
        `requests); it served fewer replicas than the oracle for ${whole(o.underProvisionedSeconds)} s against ` +
        `${whole(h.underProvisionedSeconds)} s${withinSpread(s, 'violationSeconds')}`,
    )
  } else if (worse(s, 'failedRequests')) {
    losses.push(
      `ours failed ${whole(o.failedRequests)} requests against ${whole(h.failedRequests)}` +
        seedsLost(s, 'failedRequests') +
        withinSpread(s, 'failedRequests'),
    )
  }
  if (worse(s, 'flaps')) {
    losses.push(
      `ours reversed direction within 60 s ${count(o.flaps)} times against ${count(h.flaps)}` +
        `${seedsLost(s, 'flaps')}; it changed its target ${count(o.targetChanges)} times against ` +
        `${count(h.targetChanges)}, and ${count(o.downUpFlaps)} of its reversals (against ${count(h.downUpFlaps)}) ` +
        'undid a scale-down: capacity given back that the load needed again within 60 s' +
        withinSpread(s, 'flaps'),
    )
  }
  if (worse(s, 'reactionSeconds')) {
    losses.push(
      `ours' first new replica served ${seconds(o.reactionSeconds)} s after the load step against ` +
        `${seconds(h.reactionSeconds)} s${seedsLost(s, 'reactionSeconds')}${withinSpread(s, 'reactionSeconds')}`,
    )
  }
  if (worse(s, 'recoverySeconds')) {
    losses.push(
      `ours took ${seconds(o.recoverySeconds)} s to hold the SLO again after the load step against ` +
        `${seconds(h.recoverySeconds)} s${seedsLost(s, 'recoverySeconds')}${withinSpread(s, 'recoverySeconds')}`,
    )
  }
  return losses
}

function overview(s: ScenarioSummary): string {
  const o = s.ours.mean
  const h = s.hpa.mean
  const oracle = s.oracleContainerSeconds
  return (
    `**${s.name}**: first new replica serving ${seconds(o.reactionSeconds)} s vs ${seconds(h.reactionSeconds)} s ` +
    `after the load step; SLO-violation seconds ${count(o.violationSeconds)} vs ${count(h.violationSeconds)}; ` +
    `container-seconds ${times(ratio(o.containerSeconds, h.containerSeconds) ?? 0)} the baseline's ` +
    `(${times((o.containerSeconds ?? 0) / oracle)} vs ${times((h.containerSeconds ?? 0) / oracle)} the oracle's).`
  )
}

export function findings(summaries: readonly ScenarioSummary[]): string[] {
  const lines = summaries.map(overview)
  const losses = summaries.flatMap((s) => lossesOf(s).map((loss) => `**Loss, ${s.name}**: ${loss}.`))
  const scores: ScoreName[] = [
    'reactionSeconds',
    'recoverySeconds',
    'violationSeconds',
    'containerSeconds',
    'flaps',
  ]
  let ahead = 0
  let behind = 0
  let behindWithin = 0
  for (const s of summaries) {
    for (const score of scores) {
      const o = s.ours.mean[score]
      const h = s.hpa.mean[score]
      if (o === null || h === null) continue
      if (o < h - 1e-9) ahead++
      else if (behindBeyondSpread(s, score)) behind++
      else if (o > h + 1e-9) behindWithin++
    }
  }
  const total = summaries.length * scores.length
  const within = behindWithin > 0 ? `, behind by less than the seeds' spread on ${behindWithin}` : ''
  lines.push(
    `Over ${summaries.length} scenarios × ${scores.length} scores: ours ahead on ${ahead}, behind on ${behind}${within}, ` +
      `level or undefined on ${total - ahead - behind - behindWithin}.`,
  )
  return [...lines, ...(losses.length > 0 ? losses : ['Ours loses on no score in this run.'])]
}
