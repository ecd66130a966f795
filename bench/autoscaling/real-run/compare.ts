// How a real run reads against its simulated counterpart: which policy comes out ahead on each score in
// each, and where they disagree, with both sides' figures.
import { count, whole } from '../format'
import type { ScenarioSummary, ScoreName } from '../summary'

export const COMPARED_SCORES: readonly {
  score: ScoreName
  label: string
  format: (v: number | null) => string
}[] = [
  { score: 'reactionSeconds', label: 'reaction', format: count },
  { score: 'recoverySeconds', label: 'p95 back under SLO', format: count },
  { score: 'violationSeconds', label: 'SLO-violation seconds', format: count },
  { score: 'containerSeconds', label: 'container-seconds', format: whole },
  { score: 'flaps', label: 'flaps', format: count },
]

/** Differences within 5 % of the larger value are a tie: one real run cannot resolve less. */
export const LEVEL_BAND = 0.05

export type Ahead = 'ours' | 'hpa' | 'level'

/** Which policy scored lower (better); undefined when either side has no figure. */
export function aheadOn(summary: ScenarioSummary, score: ScoreName): Ahead | undefined {
  const ours = summary.ours.mean[score]
  const hpa = summary.hpa.mean[score]
  if (ours === null || hpa === null) return undefined
  if (Math.abs(ours - hpa) <= LEVEL_BAND * Math.max(Math.abs(ours), Math.abs(hpa))) return 'level'
  return ours < hpa ? 'ours' : 'hpa'
}

const WORDS: Record<Ahead, string> = { ours: 'ours ahead', hpa: 'HPA ahead', level: 'level' }

export function agreementLine(real: ScenarioSummary, simulated: ScenarioSummary): string {
  const same: string[] = []
  const differ: string[] = []
  for (const { score, label, format } of COMPARED_SCORES) {
    const a = aheadOn(real, score)
    const b = aheadOn(simulated, score)
    if (a === undefined || b === undefined) continue
    if (a === b) {
      same.push(`${label} (${WORDS[a]})`)
      continue
    }
    const figures = (s: ScenarioSummary) => `${format(s.ours.mean[score])} vs ${format(s.hpa.mean[score])}`
    differ.push(
      `${label} (real: ${WORDS[a]}, ${figures(real)}; simulated: ${WORDS[b]}, ${figures(simulated)})`,
    )
  }
  const total = same.length + differ.length
  const head = `the same side comes out ahead on ${same.length} of ${total} scores`
  return [
    `${head}${same.length > 0 ? `: ${same.join(', ')}` : ''}`,
    differ.length > 0 ? `; they differ on ${differ.join('; ')}` : '',
  ].join('')
}
